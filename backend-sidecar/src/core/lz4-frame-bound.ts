/**
 * The most bytes a buffer of LZ4 frames can inflate to, read from the frames' headers and block
 * sizes without inflating anything (a few bytes read per block), so that a decompression bomb is
 * refused before it costs memory: every compressed block inflates to at most its frame's block
 * size (and 255 times its own length), every stored block to its own length. Undefined when the buffer is not LZ4 frames (the
 * decoder then says what is wrong).
 *
 * Frame layout (lz4_Frame_format.md): magic 0x184D2204, FLG, BD, [content size: 8], [dict id: 4],
 * header checksum: 1, then blocks (4-byte size, its top bit set for a stored block; 0 ends the
 * frame; a 4-byte checksum after each when FLG says so), then a 4-byte content checksum when FLG
 * says so. Skippable frames (magic 0x184D2A5x) hold no data.
 */
const FRAME_MAGIC = 0x184d2204;
const BLOCK_MAX_SIZES: Record<number, number> = { 4: 64 << 10, 5: 256 << 10, 6: 1 << 20, 7: 4 << 20 };

export function lz4InflatedBound(data: Uint8Array): number | undefined {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let o = 0;
  let bound = 0;
  const has = (bytes: number) => o + bytes <= data.length;
  while (o < data.length) {
    if (!has(4)) return undefined;
    const magic = view.getUint32(o, true);
    if ((magic & 0xfffffff0) === 0x184d2a50) {
      if (!has(8)) return undefined;
      o += 8 + view.getUint32(o + 4, true);
      continue;
    }
    if (magic !== FRAME_MAGIC || !has(7)) return undefined;
    const flg = data[o + 4]!;
    const blockMax = BLOCK_MAX_SIZES[(data[o + 5]! >> 4) & 7];
    if (flg >> 6 !== 1 || blockMax === undefined) return undefined;
    const blockChecksum = (flg & 0x10) !== 0;
    o += 6 + (flg & 0x08 ? 8 : 0) + (flg & 0x01 ? 4 : 0) + 1;
    for (;;) {
      if (!has(4)) return undefined;
      const word = view.getUint32(o, true);
      o += 4;
      if (word === 0) break;
      const size = word & 0x7fffffff;
      if (size > blockMax) return undefined;
      // LZ4 writes at most 255 bytes per input byte (a match's length bytes), whatever the block size.
      bound += word & 0x80000000 ? size : Math.min(blockMax, size * 255 + 64);
      o += size + (blockChecksum ? 4 : 0);
    }
    o += flg & 0x04 ? 4 : 0;
  }
  return bound;
}
