import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import { checksumMismatch, sha256 } from './checksum.ts';
import type { ObjectStore } from './object-store.ts';

const CHECKSUM_SUFFIX = '.sha256';
const MAX_KNOWN_FOLDERS = 50_000;

/**
 * The default object store: files under a root folder. Each object is published atomically
 * (temporary file, fsync, rename) with its SHA-256 beside it in `<key>.sha256`, checked on read.
 */
export class FileObjectStore implements ObjectStore {
  /**
   * Files open at once: a fleet closes thousands of anomaly events in the same second, and each
   * write holds a file open through its fsync; unbounded, they run out of file descriptors (EMFILE).
   */
  private readonly limit = pLimit(64);
  /** Folders known to exist: making a folder on every write cost 1.5 % of the main thread at 5,000 instances. */
  private readonly folders = new Set<string>();
  /**
   * The write under way per key: an object is two files (its body and its checksum), so two puts
   * of one key must not interleave, or the body of one is left beside the checksum of the other
   * (damaged for good). Later writes of a key wait for the one before.
   */
  private readonly writing = new Map<string, Promise<void>>();

  constructor(private readonly root: string) {}

  private resolve(key: string): string {
    const file = path.resolve(this.root, key);
    if (!file.startsWith(path.resolve(this.root) + path.sep)) throw new Error(`object key escapes the store: ${key}`);
    return file;
  }

  /** Opens a new file for writing, making its folder the first time (or again, if it was removed meanwhile). */
  private async create(file: string): Promise<fs.FileHandle> {
    const folder = path.dirname(file);
    if (!this.folders.has(folder)) {
      await fs.mkdir(folder, { recursive: true });
      // Anomaly history makes a folder per instance and day: remember only the recent ones.
      if (this.folders.size >= MAX_KNOWN_FOLDERS) this.folders.clear();
      this.folders.add(folder);
    }
    try {
      return await fs.open(file, 'w');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await fs.mkdir(folder, { recursive: true });
      return fs.open(file, 'w');
    }
  }

  private async writeAtomically(file: string, body: Buffer | string): Promise<void> {
    const tmp = `${file}.${randomUUID()}.tmp`;
    const handle = await this.create(tmp);
    try {
      await handle.writeFile(body);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
  }

  async put(key: string, body: Buffer | string): Promise<void> {
    const file = this.resolve(key);
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    await this.oneAtATime(file, () =>
      this.limit(async () => {
        await this.writeAtomically(file + CHECKSUM_SUFFIX, sha256(bytes));
        await this.writeAtomically(file, bytes);
      })
    );
  }

  private oneAtATime(file: string, write: () => Promise<void>): Promise<void> {
    const before = this.writing.get(file) ?? Promise.resolve();
    const done = before.then(write, write);
    const settled = done.catch(() => undefined);
    this.writing.set(file, settled);
    void settled.then(() => {
      if (this.writing.get(file) === settled) this.writing.delete(file);
    });
    return done;
  }

  async get(key: string): Promise<Buffer | undefined> {
    const file = this.resolve(key);
    // A put of the key under way here is waited for (it renames its two files one after the other);
    // two tries for one from another process landing between reading the body and its checksum.
    await this.writing.get(file);
    for (let attempt = 0; ; attempt++) {
      let body: Buffer;
      let expected: string | undefined;
      try {
        [body, expected] = await this.limit(async () => [
          await fs.readFile(file),
          (await fs.readFile(file + CHECKSUM_SUFFIX, 'utf8').catch(() => undefined))?.trim(),
        ]);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
      const actual = sha256(body);
      if (expected === undefined || expected === actual) return body;
      if (attempt >= 1) throw checksumMismatch(key, expected, actual);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async list(prefix: string): Promise<string[]> {
    const out: string[] = [];
    const walk = async (folder: string): Promise<void> => {
      let entries;
      try {
        entries = await fs.readdir(folder, { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      for (const entry of entries) {
        const full = path.join(folder, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (!entry.name.endsWith('.tmp') && !entry.name.endsWith(CHECKSUM_SUFFIX)) {
          out.push(path.relative(this.root, full).split(path.sep).join('/'));
        }
      }
    };
    // Walk from the deepest folder the prefix names, then filter by the full prefix.
    const folder = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    await walk(folder ? this.resolve(folder) : path.resolve(this.root));
    return out.filter((k) => k.startsWith(prefix)).sort();
  }

  async delete(key: string): Promise<void> {
    const file = this.resolve(key);
    await this.oneAtATime(file, async () => {
      await fs.rm(file, { force: true });
      await fs.rm(file + CHECKSUM_SUFFIX, { force: true });
    });
  }
}
