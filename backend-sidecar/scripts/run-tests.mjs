// Runs every *.test.ts of the sidecar with Node's test runner (through tsx), printing the spec
// report; with --tap FILE it also writes a TAP report that the root test command counts.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const tapIndex = args.indexOf('--tap');
const tapFile = tapIndex >= 0 ? path.resolve(args.splice(tapIndex, 2)[1]) : undefined;

function findTests(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return findTests(full);
    return entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

const files = args.length ? args.map((f) => path.resolve(f)) : findTests(path.join(root, 'src')).sort();
const reporters = ['--test-reporter=spec', '--test-reporter-destination=stdout'];
if (tapFile) reporters.push('--test-reporter=tap', `--test-reporter-destination=${tapFile}`);
// --test-force-exit: a test that fails half-way may leave a server or timer behind; it must not hang the run.
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-force-exit', '--test-timeout=300000', ...reporters, ...files],
  {
    cwd: root,
    stdio: 'inherit',
  }
);
process.exit(result.status ?? 1);
