import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type TwinConfig } from '../core/config.ts';
import { Sidecar } from './sidecar.ts';

export function tempDir(prefix = 'twin-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A real sidecar on an ephemeral loopback port with its data in a fresh folder. */
export async function startTestSidecar(
  overrides: Partial<TwinConfig> = {},
  env: Record<string, string> = {}
): Promise<Sidecar> {
  const config = loadConfig({ TWIN_DATA_DIR: tempDir(), ...env }, { port: 0, ...overrides });
  return new Sidecar(config).start();
}
