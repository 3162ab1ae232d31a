import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { checksumMismatch, sha256 } from './checksum.ts';
import type { ObjectStore } from './object-store.ts';

export interface S3ObjectStoreOptions {
  bucket: string;
  /** Keys are stored under this prefix (e.g. "twin/"), so one bucket can hold several deployments. */
  prefix?: string;
  endpoint?: string;
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Path-style URLs (MinIO and other S3-protocol servers need them). */
  forcePathStyle?: boolean;
}

/**
 * Objects in S3 or any S3-protocol server (MinIO), with the same keys as on the filesystem. A PUT
 * is atomic in S3; the SHA-256 travels as object metadata and is checked on every read.
 */
export class S3ObjectStore implements ObjectStore {
  private readonly client: S3Client;
  private readonly prefix: string;

  constructor(private readonly options: S3ObjectStoreOptions) {
    this.prefix = options.prefix ?? '';
    this.client = new S3Client({
      region: options.region ?? 'us-east-1',
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.forcePathStyle ?? Boolean(options.endpoint),
      ...(options.accessKeyId && options.secretAccessKey
        ? { credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey } }
        : {}),
      // We carry our own SHA-256; SDK-computed checksums would use aws-chunked framing that some
      // S3-protocol servers return verbatim.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async put(key: string, body: Buffer | string): Promise<void> {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.options.bucket,
        Key: this.prefix + key,
        Body: bytes,
        ContentLength: bytes.length,
        Metadata: { sha256: sha256(bytes) },
      })
    );
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: this.prefix + key }));
      const body = Buffer.from(await res.Body!.transformToByteArray());
      const expected = res.Metadata?.sha256;
      const actual = sha256(body);
      if (expected && expected !== actual) throw checksumMismatch(key, expected, actual);
      return body;
    } catch (err) {
      if (err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey') return undefined;
      throw err;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const res = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.options.bucket,
          Prefix: this.prefix + prefix,
          ...(token ? { ContinuationToken: token } : {}),
        })
      );
      for (const item of res.Contents ?? []) if (item.Key) keys.push(item.Key.slice(this.prefix.length));
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.prefix + key }));
  }
}
