// Runs every *.test.ts of the sidecar with Node's test runner (through tsx), printing the spec
// report; with --summary FILE it also writes {"passed": N, "failed": N} read from that report's
// closing lines, which the root test command adds up.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const summaryIndex = args.indexOf('--summary');
const summaryFile = summaryIndex >= 0 ? path.resolve(args.splice(summaryIndex, 2)[1]) : undefined;

function findTests(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return findTests(full);
    return entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

const files = args.length ? args.map((f) => path.resolve(f)) : findTests(path.join(root, 'src')).sort();
// --test-force-exit: a test that fails half-way may leave a server or timer behind; it must not hang the run.
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-force-exit', '--test-timeout=300000', '--test-reporter=spec', ...files],
  { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] }
);
// The whole report is kept: after failures, the spec reporter lists them again below its totals.
let report = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  report += chunk.toString();
});
child.on('close', (code) => {
  const count = (key) => Number([...report.matchAll(new RegExp(`^\\S* ?${key} (\\d+)$`, 'gm'))].at(-1)?.[1] ?? 0);
  if (summaryFile) {
    fs.writeFileSync(
      summaryFile,
      JSON.stringify({ passed: count('pass'), failed: count('fail') + count('cancelled') })
    );
  }
  process.exit(code ?? 1);
});
