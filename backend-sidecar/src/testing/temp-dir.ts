import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh, empty folder under the system's temporary directory. */
export function tempDir(prefix = 'twin-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
