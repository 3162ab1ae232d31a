import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * This node's name, kept beside its write-ahead log: nodes sharing a metric store keep their own
 * applied sequence numbers under it, so it must survive restarts and differ between nodes on one host.
 */
export async function nodeId(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'node-id');
  try {
    return (await fs.readFile(file, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const id = `${os.hostname()}-${randomUUID().slice(0, 8)}`;
  await fs.mkdir(dataDir, { recursive: true });
  await fs.writeFile(file, `${id}\n`, { flag: 'wx' }).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  return (await fs.readFile(file, 'utf8')).trim();
}
