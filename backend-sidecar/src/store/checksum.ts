import { createHash } from 'node:crypto';
import { TwinError } from '../core/errors.ts';

export function sha256(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

export function checksumMismatch(key: string, expected: string, actual: string): TwinError {
  return new TwinError(
    'TWIN_ERR_CHECKSUM',
    500,
    `object ${key} is damaged: its checksum is ${actual}, ${expected} was stored with it`,
    key
  );
}
