/** Models, anomaly history and reports live under keys such as `models/<instance>/<version>/model.json`. */
export interface ObjectStore {
  /** Publishes an object whole: readers see the previous version or this one, never a part. */
  put(key: string, body: Buffer | string): Promise<void>;
  /** The object, its checksum verified; undefined when there is none. */
  get(key: string): Promise<Buffer | undefined>;
  /** Keys under a prefix, sorted. */
  list(prefix: string): Promise<string[]>;
  delete(key: string): Promise<void>;
}
