import path from 'node:path';
import type { TwinConfig } from '../core/config.ts';
import { FileObjectStore } from './file-object-store.ts';
import type { ObjectStore } from './object-store.ts';
import { S3ObjectStore } from './s3-object-store.ts';

/** The object store the configuration names: an S3 bucket, or files under the data folder. */
export function openObjectStore(config: Pick<TwinConfig, 'objectStore' | 'dataDir'>): ObjectStore {
  return config.objectStore.kind === 's3'
    ? new S3ObjectStore({ ...config.objectStore })
    : new FileObjectStore(path.join(config.dataDir, 'objects'));
}
