// The README's test command: every suite of both workspaces, then one line "N passed, N failed"
// summed over all of them. Exits non-zero when anything failed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'twin-tests-'));
const totals = { passed: 0, failed: 0 };
const suites = [];

function run(name, command, args, cwd) {
  process.stdout.write(`\n=== ${name} ===\n`);
  const result = spawnSync(command, args, { cwd, stdio: 'inherit', env: process.env });
  return result.status ?? 1;
}

// Backend: Node's test runner, counted from its report's closing lines.
const summary = path.join(work, 'backend.json');
const backendStatus = run(
  'backend-sidecar (node --test)',
  process.execPath,
  ['scripts/run-tests.mjs', '--summary', summary],
  path.join(root, 'backend-sidecar')
);
let backend = fs.existsSync(summary) ? JSON.parse(fs.readFileSync(summary, 'utf8')) : { passed: 0, failed: 0 };
if (backendStatus !== 0 && backend.failed === 0) backend = { ...backend, failed: 1 };
suites.push(['backend-sidecar', backend]);

// Plugin: jest, counted from its JSON report.
const jestJson = path.join(work, 'plugin.json');
const jestBin = path.join(root, 'node_modules', 'jest', 'bin', 'jest.js');
const pluginStatus = run(
  'plugin (jest)',
  process.execPath,
  [jestBin, '--ci', '--maxWorkers=2', '--json', `--outputFile=${jestJson}`],
  path.join(root, 'plugin')
);
let plugin = { passed: 0, failed: 0 };
if (fs.existsSync(jestJson)) {
  const report = JSON.parse(fs.readFileSync(jestJson, 'utf8'));
  plugin = { passed: report.numPassedTests, failed: report.numFailedTests + report.numRuntimeErrorTestSuites };
}
if (pluginStatus !== 0 && plugin.failed === 0) plugin = { ...plugin, failed: 1 };
suites.push(['plugin', plugin]);

// Plugin in the browser: Debian's Chromium on the harness page, fed by a real sidecar (node --test).
const browserSummary = path.join(work, 'browser.json');
const browserStatus = run(
  'plugin in Chromium (node --test)',
  process.execPath,
  [path.join(root, 'backend-sidecar', 'scripts', 'run-tests.mjs'), '--summary', browserSummary, 'e2e/browser.test.mts'],
  path.join(root, 'plugin')
);
let browser = fs.existsSync(browserSummary)
  ? JSON.parse(fs.readFileSync(browserSummary, 'utf8'))
  : { passed: 0, failed: 0 };
if (browserStatus !== 0 && browser.failed === 0) browser = { ...browser, failed: 1 };
suites.push(['plugin in Chromium', browser]);

process.stdout.write('\n');
for (const [name, r] of suites) {
  process.stdout.write(`${name}: ${r.passed} passed, ${r.failed} failed\n`);
  totals.passed += r.passed;
  totals.failed += r.failed;
}
process.stdout.write(`${totals.passed} passed, ${totals.failed} failed\n`);
process.exit(totals.failed > 0 ? 1 : 0);
