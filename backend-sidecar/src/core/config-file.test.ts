import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../testing/temp-dir.ts';
import { loadConfig } from './config.ts';
import { effectiveKeys } from './config-file.ts';

function file(text: string, name = 'twin.yaml'): string {
  const f = path.join(tempDir('twin-config-'), name);
  fs.writeFileSync(f, text);
  return f;
}

test('a configuration file sets the same keys as the environment; a variable set in the environment wins', () => {
  const f = file('TWIN_PORT: 7799\nTWIN_HORIZON: 2h\nTWIN_WRITE_BACK: true\nTWIN_TRAIN_EPOCHS: 5\n');
  const config = loadConfig({ TWIN_CONFIG: f, TWIN_TRAIN_EPOCHS: '9' });
  assert.equal(config.port, 7799);
  assert.equal(config.horizonMs, 7_200_000);
  assert.equal(config.writeBack, true);
  assert.equal(config.trainEpochs, 9);
  // JSON is YAML too.
  assert.equal(loadConfig({ TWIN_CONFIG: file('{"TWIN_PORT": 7800}', 'twin.json') }).port, 7800);
});

test('a bad file, an unknown key or a bad value stops start-up naming the key (and the file)', () => {
  const unknown = file('TWIN_PROT: 7799\n');
  assert.throws(() => loadConfig({ TWIN_CONFIG: unknown }), {
    message: `configuration key TWIN_PROT (in ${unknown}): unknown key; the keys are the environment variables in docs/configuration.md`,
  });
  assert.throws(
    () => loadConfig({ TWIN_CONFIG: file('TWIN_TOKENS: [a, b]\n') }),
    /TWIN_TOKENS \(in .*\): must be a string/
  );
  assert.throws(
    () => loadConfig({ TWIN_CONFIG: file('TWIN_PORT: 99999\n') }),
    /configuration key TWIN_PORT: expected an integer/
  );
  assert.throws(() => loadConfig({ TWIN_CONFIG: file('- a\n- b\n') }), /TWIN_CONFIG: .* must map keys to values/);
  assert.throws(
    () => loadConfig({ TWIN_CONFIG: '/nonexistent/twin.yaml' }),
    /TWIN_CONFIG: cannot read \/nonexistent\/twin.yaml/
  );
});

test('what is in force is shown with secrets masked', () => {
  const f = file(
    'TWIN_METRIC_STORE: influxdb1\nTWIN_INFLUX_URL: http://127.0.0.1:8086\nTWIN_INFLUX_PASSWORD: hunter2\n'
  );
  assert.deepEqual(effectiveKeys({ TWIN_CONFIG: f, TWIN_TOKENS: 's3cret', TWIN_PORT: '7790' }), {
    TWIN_PORT: '7790',
    TWIN_TOKENS: '***',
    TWIN_METRIC_STORE: 'influxdb1',
    TWIN_INFLUX_URL: 'http://127.0.0.1:8086',
    TWIN_INFLUX_PASSWORD: '***',
  });
});
