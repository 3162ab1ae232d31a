import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EmbeddedDatabase } from './embedded-database.ts';
import { FailureStore } from './failure-store.ts';
import { InstanceRegistry } from './instance-registry.ts';
import { tempDir } from '../testing/temp-dir.ts';

test('many reads and writes at once on one DuckDB connection all succeed (they run one at a time)', async () => {
  const db = await EmbeddedDatabase.open(tempDir('twin-serial-'));
  const failures = await FailureStore.open(db);
  const registry = await InstanceRegistry.open(db);
  try {
    const now = Date.now();
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        i % 2
          ? failures.record({ instance: `i-${i % 5}`, ts: now + i, kind: 'crash', source: 'test' })
          : failures.list({ instance: `i-${i % 5}` })
      )
    );
    assert.equal((await failures.list()).length, 20);
    for (let i = 0; i < 10; i++) registry.touch(`i-${i}`, { host: 'h' }, now, now + 1, 1);
    await Promise.all([registry.flush(), registry.flush(), registry.flush()]);
  } finally {
    failures.close();
    await registry.close();
    db.close();
  }
});
