declare module 'snappyjs' {
  export function uncompress<T extends Uint8Array | ArrayBuffer>(compressed: T): T;
  export function compress<T extends Uint8Array | ArrayBuffer>(uncompressed: T): T;
}
