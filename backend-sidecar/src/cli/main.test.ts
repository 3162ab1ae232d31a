import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../testing/temp-dir.ts';
import { AGENT_BIN, run, TWIN_BIN } from '../testing/processes.ts';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const SUBCOMMANDS = ['start', 'simulate', 'agent', 'bench', 'eval'];

describe('twin command line', () => {
  test('twin --help lists every subcommand', async () => {
    const { code, output } = await run(TWIN_BIN, ['--help']);
    assert.equal(code, 0);
    for (const sub of SUBCOMMANDS) assert.match(output, new RegExp(`^  ${sub} `, 'm'));
  });

  for (const sub of SUBCOMMANDS) {
    test(`twin ${sub} --help describes its options`, async () => {
      const { code, output } = await run(TWIN_BIN, [sub, '--help']);
      assert.equal(code, 0);
      assert.match(output, new RegExp(`^Usage: twin ${sub}`, 'm'));
      assert.match(output, /-h, --help/);
    });
  }

  test('twin config check validates the configuration, prints what is in force, and names a bad key', async () => {
    const dir = tempDir('twin-config-check-');
    const good = path.join(dir, 'twin.yaml');
    fs.writeFileSync(good, 'TWIN_PORT: 7799\nTWIN_TOKENS: s3cret\n');
    const ok = await run(TWIN_BIN, ['config', 'check', '--config', good]);
    assert.equal(ok.code, 0, ok.output);
    assert.match(ok.output, /configuration OK/);
    assert.match(ok.output, /listen +127\.0\.0\.1:7799/);
    assert.match(ok.output, /TWIN_TOKENS=\*\*\*/);
    assert.doesNotMatch(ok.output, /s3cret/);
    const bad = await run(TWIN_BIN, ['config', 'check'], { TWIN_OBJECT_STORE: 's3' });
    assert.equal(bad.code, 1);
    assert.match(bad.output, /configuration key TWIN_S3_BUCKET: required when TWIN_OBJECT_STORE=s3/);
  });

  test('an unknown subcommand is an error with help', async () => {
    const { code, output } = await run(TWIN_BIN, ['frobnicate']);
    assert.equal(code, 1);
    assert.match(output, /unknown command 'frobnicate'/);
  });

  test('twin-agent rejects a rate outside 0.1..100 Hz and names the range', async () => {
    const flag = await run(AGENT_BIN, ['--hz', '500']);
    assert.equal(flag.code, 1);
    assert.match(flag.output, /--hz must be between 0.1 and 100 Hz/);
    const env = await run(AGENT_BIN, [], { TWIN_AGENT_HZ: '0.01' });
    assert.equal(env.code, 1);
    assert.match(env.output, /TWIN_AGENT_HZ must be between 0.1 and 100 Hz/);
  });

  test('the agent bundles into plain JavaScript that Node runs with nothing compiled (no tsx), with the fallback too', async () => {
    const bundled = await run(path.join(ROOT, 'scripts/bundle-agent.mjs'), []);
    assert.equal(bundled.code, 0, bundled.output);
    const bundle = path.join(ROOT, 'dist/twin-agent.mjs');
    assert.ok(fs.statSync(bundle).size < 1_000_000, 'the agent alone, none of the sidecar');
    // Run by Node alone: a TypeScript import would fail without tsx's loader.
    const direct = await run(bundle, ['--once']);
    assert.equal(direct.code, 0, direct.output);
    assert.ok(JSON.parse(direct.output.slice(direct.output.indexOf('{'))).mem_used_pct > 0);
    const fromSource = await run(AGENT_BIN, ['--hz', '500'], { TWIN_AGENT_FROM_SOURCE: '1' });
    assert.match(fromSource.output, /--hz must be between 0.1 and 100 Hz/);
  });

  test('twin-agent --once prints one real sample of this machine', async () => {
    const { code, output } = await run(AGENT_BIN, ['--once', '--hz', '10']);
    assert.equal(code, 0, output);
    const sample = JSON.parse(output.slice(output.indexOf('{'))) as Record<string, number>;
    assert.ok(sample.mem_used_pct! > 0 && sample.mem_used_pct! < 100);
    assert.ok(sample.load1! >= 0);
    const cpu = sample.cpu_user_pct! + sample.cpu_system_pct! + sample.cpu_iowait_pct! + sample.cpu_steal_pct!;
    assert.ok(cpu >= 0 && cpu <= 100.0001);
  });

  test('twin bench and twin eval name what is available for an unknown name', async () => {
    const bench = await run(TWIN_BIN, ['bench', 'nonesuch']);
    assert.equal(bench.code, 2);
    assert.match(bench.output, /no benchmark named "nonesuch" \(available: /);
    const evaluation = await run(TWIN_BIN, ['eval', 'nonesuch']);
    assert.equal(evaluation.code, 2);
    assert.match(evaluation.output, /no evaluation named "nonesuch"/);
  });

  test('twin simulate --out writes samples, failures and the ground truth as JSON lines', async () => {
    const file = path.join(tempDir(), 'fleet.jsonl');
    const { code, output } = await run(TWIN_BIN, [
      'simulate',
      '--instances',
      '3',
      '--backfill',
      '6h',
      '--step',
      '1m',
      '--out',
      file,
      '--faults-per-day',
      '0',
    ]);
    assert.equal(code, 0, output);
    const lines = fs
      .readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; samples?: unknown[]; runs?: unknown[] });
    const samples = lines.filter((l) => l.type === 'samples').reduce((n, l) => n + l.samples!.length, 0);
    assert.ok(samples >= 3 * 359 && samples <= 3 * 361, `${samples} samples`);
    assert.equal(lines.at(-1)!.type, 'ground_truth');
    assert.match(output, /backfilled \d+ samples/);
  });

  test('twin simulate without a destination says what is missing', async () => {
    const { code, output } = await run(TWIN_BIN, ['simulate']);
    assert.equal(code, 1);
    assert.match(output, /give --url .* or --out/);
  });
});
