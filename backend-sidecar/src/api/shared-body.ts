import type { IncomingMessage } from 'node:http';
import { TwinError } from '../core/errors.ts';

/**
 * Reads a request body into one buffer backed by a SharedArrayBuffer: the parse workers read it
 * in place and the write-ahead log writes the same bytes, where a plain buffer had to be copied
 * for the worker (and every large copy is external memory that drives V8's full collections).
 * Sized from Content-Length when the client sends one; a body beyond `maxBytes` gets 413.
 */
export function readSharedBody(payload: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = () =>
      new TwinError('TWIN_ERR_TOO_LARGE', 413, `the body is larger than the limit of ${maxBytes} bytes`, 'body');
    const declared = Number(payload.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      payload.resume();
      return reject(tooLarge());
    }
    let body = Buffer.from(new SharedArrayBuffer(Number.isFinite(declared) ? declared : 64 * 1024));
    let length = 0;
    payload.on('data', (chunk: Buffer) => {
      if (length + chunk.length > maxBytes) {
        payload.removeAllListeners('data');
        payload.resume();
        return reject(tooLarge());
      }
      if (length + chunk.length > body.length) {
        const grown = Buffer.from(
          new SharedArrayBuffer(Math.min(maxBytes, Math.max(2 * body.length, length + chunk.length)))
        );
        body.copy(grown, 0, 0, length);
        body = grown;
      }
      chunk.copy(body, length);
      length += chunk.length;
    });
    payload.on('end', () => resolve(body.subarray(0, length)));
    payload.on('error', reject);
  });
}
