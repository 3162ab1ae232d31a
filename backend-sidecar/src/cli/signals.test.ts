import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir } from '../testing/temp-dir.ts';
import { freePort, RunningCommand, TWIN_BIN } from '../testing/processes.ts';

// A supervisor (or a test) may stop the sidecar the moment it says it listens; CI once caught the
// signal arriving before the handler was installed, which killed the sidecar without a clean stop.
test('twin start stops cleanly on SIGINT sent the moment it says it listens', { timeout: 120_000 }, async () => {
  for (let round = 0; round < 3; round++) {
    const port = await freePort();
    const twin = new RunningCommand(TWIN_BIN, [
      'start',
      '--no-simulator',
      '--no-agent',
      '--port',
      String(port),
      '--data-dir',
      tempDir('twin-signal-'),
    ]);
    twin.signalOn(/listening on/, 'SIGINT');
    const code = await twin.exited;
    assert.equal(twin.signal, null, `round ${round}: ended by ${twin.signal}:\n${twin.output.slice(-2000)}`);
    assert.equal(code, 0, twin.output.slice(-2000));
    assert.match(twin.output, /stopped cleanly/);
  }
});
