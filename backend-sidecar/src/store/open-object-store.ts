import path from 'node:path';
import type { TwinConfig } from '../core/config.ts';
import { FileObjectStore, S3ObjectStore, type ObjectStore } from './object-store.ts';

/** The object store the configuration names: an S3 bucket, or files under the data folder. */
export function openObjectStore(config: Pick<TwinConfig, 'objectStore' | 'dataDir'>): ObjectStore {
  return config.objectStore.kind === 's3'
    ? new S3ObjectStore({ ...config.objectStore })
    : new FileObjectStore(path.join(config.dataDir, 'objects'));
}
