import { test } from 'node:test';
import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ingestSimulatedHistory, startTestSidecar } from '../../testing/test-sidecar.ts';
import type { LstmTwinModel } from '../index.ts';
import { levelModel } from '../lstm/level-baseline.ts';

test(
  'LSTM twins: trained off the event loop, versioned with metadata, warm-started, judged against the champion, promoted and rolled back',
  { timeout: 240_000 },
  async () => {
    const sidecar = await startTestSidecar({}, { TWIN_TRAIN_EPOCHS: '6', TWIN_MIN_HISTORY: '1d' });
    try {
      const now = Math.floor(Date.now() / 60_000) * 60_000;
      await ingestSimulatedHistory(sidecar, { instances: 2, seed: 5, days: 2, now });

      // Both instances train at once on the pool's threads; the event loop stays free meanwhile.
      const lag = monitorEventLoopDelay({ resolution: 10 });
      lag.enable();
      const progress: number[] = [];
      sidecar.trainer.on('progress', (p) => p.instance === 'sim-001' && progress.push(p.fraction));
      assert.equal(await sidecar.trainer.runDue(sidecar.instances.list()), 2);
      lag.disable();
      assert.ok(lag.max / 1e6 < 250, `event loop blocked for up to ${(lag.max / 1e6).toFixed(0)} ms while training`);
      assert.ok(progress.length >= 4 && progress.at(-1) === 1, `progress ${progress.join(', ')}`);

      const v1 = (await sidecar.models.get('sim-001', 'v0001')) as LstmTwinModel & { decision: { status: string } };
      assert.equal(v1.kind, 'lstm');
      assert.equal(v1.training.backend, 'wasm');
      assert.equal(v1.decision.status, 'champion');
      assert.match(v1.checksum, /^[0-9a-f]{64}$/);
      assert.equal(v1.window.stepMs, 60_000);
      assert.ok(v1.features.columns.length > v1.features.inputs.length, 'aggregates and seasonal columns');
      assert.ok(v1.metrics.every((m) => m.errorScale > 0 && m.threshold >= 4));
      assert.ok(v1.joint!.threshold >= 3, 'the joint score has a threshold of its own');
      assert.ok(Number.isFinite(v1.validationError));
      // Two days of a week's window: the level peak is raised to what a week would be expected to reach.
      const asIs = levelModel(v1.features, await sidecar.trainer.trainingSeries('sim-001', now));
      assert.ok(v1.level!.peak! > asIs.peak!, `level peak ${v1.level!.peak} against the window's ${asIs.peak}`);

      // Two hours recorded as an anomaly are left out of the next version's level baseline.
      assert.equal(v1.level!.excludedRows, 0);
      await sidecar.anomalies.append({
        id: 'recorded-1',
        instance: 'sim-001',
        start: now - 6 * 3_600_000,
        end: now - 4 * 3_600_000 - 60_000,
        open: false,
        peakScore: 4,
        severity: 'critical',
        metrics: [],
      });

      // Same features: the next version starts from v0001's weights, with a quarter of the epochs.
      const v2 = (await sidecar.trainer.train('sim-001', now)) as LstmTwinModel;
      assert.ok(Math.abs(v2.level!.excludedRows! - 120) <= 1, `${v2.level!.excludedRows} rows left out`);
      assert.equal(v2.parent, 'v0001');
      assert.equal(v2.training.warmStart, true);
      assert.ok(v2.training.epochs <= 2, `${v2.training.epochs} epochs`);
      const versions = await sidecar.models.versions('sim-001');
      assert.deepEqual(
        versions.map((v) => v.version),
        ['v0001', 'v0002']
      );
      const judged = versions[1]!.decision;
      assert.match(judged.reason, /validation error [\d.]+ against the champion's [\d.]+ on the same recent data/);
      assert.equal(judged.status, judged.candidateError! <= judged.championError! ? 'champion' : 'rejected');

      // A damaged network (weights scaled up) predicts worse than the champion and is rejected.
      const champion = sidecar.models.loadedChampion('sim-001')!;
      const artifacts = (await sidecar.models.artifacts('sim-001', champion.model.version))!;
      const damaged = new Float32Array(artifacts.weightData.slice(0));
      damaged.forEach((w, i) => (damaged[i] = w * 8));
      const series = await sidecar.trainer.trainingSeries('sim-001', now);
      const verdict = sidecar.trainer.judge(
        { ...champion.model, version: 'v0099' },
        { ...artifacts, weightData: damaged.buffer },
        champion,
        series
      );
      assert.equal(verdict.status, 'rejected');
      assert.ok(verdict.candidateError! > verdict.championError!);
      assert.match(verdict.reason, /worse, v000\d stays/);

      // Promote and roll back: the champion in use changes at once, no restart.
      await sidecar.models.promote('sim-001', 'v0001');
      assert.equal(sidecar.models.champion('sim-001')!.version, 'v0001');
      await sidecar.models.promote('sim-001', 'v0002');
      assert.equal(sidecar.models.loadedChampion('sim-001')!.model.version, 'v0002');
      await sidecar.models.rollback('sim-001');
      assert.equal(sidecar.models.champion('sim-001')!.version, 'v0001');
      // Promoting the champion again (as an operator may, after it won on its own) changes nothing:
      // a rollback still returns to the champion before it, not to itself.
      await sidecar.models.promote('sim-001', 'v0002');
      await sidecar.models.promote('sim-001', 'v0002');
      await sidecar.models.rollback('sim-001');
      assert.equal(sidecar.models.champion('sim-001')!.version, 'v0001');
    } finally {
      await sidecar.stop();
    }
  }
);

test('an anomaly open for a day settles: the next version learns afresh from its start, and its successors keep to that regime', async () => {
  const sidecar = await startTestSidecar({}, { TWIN_TRAIN_EPOCHS: '1', TWIN_MIN_HISTORY: '1d' });
  try {
    const now = Math.floor(Date.now() / 60_000) * 60_000;
    await ingestSimulatedHistory(sidecar, { instances: 1, seed: 8, days: 3, now });
    const history = sidecar.instances.get('sim-001')!;
    const v1 = (await sidecar.trainer.train('sim-001', now, history)) as LstmTwinModel;
    assert.equal(v1.window.regimeFrom, undefined);

    // Open for 20 hours: not yet the new normal.
    const v2 = (await sidecar.trainer.train('sim-001', now, {
      ...history,
      anomalyOpenSince: now - 20 * 3_600_000,
    })) as LstmTwinModel;
    assert.equal(v2.window.regimeFrom, undefined);
    assert.equal(v2.training.warmStart, true);

    const since = now - 26 * 3_600_000;
    const v3 = (await sidecar.trainer.train('sim-001', now, { ...history, anomalyOpenSince: since })) as LstmTwinModel;
    assert.equal(v3.window.regimeFrom, since);
    assert.ok(v3.window.from >= since && v3.window.from < since + 60_000, `window from ${v3.window.from}`);
    assert.equal(v3.training.warmStart, false, 'the old level’s feature scaling is not carried over');
    const decision = (await sidecar.models.versions('sim-001')).find((v) => v.version === v3.version)!.decision;
    assert.match(decision.trigger!, /^shift settled: anomaly open since /);
    assert.equal(decision.status, 'champion', 'promoted even when its one-step error is not the lower');

    // The settled anomaly, once closed, is the regime itself: only later anomalies leave the baseline.
    for (const [id, start, end] of [
      ['settled', since, now - 2 * 3_600_000],
      ['later', now - 5 * 3_600_000, now - 3 * 3_600_000 - 60_000],
    ] as const)
      await sidecar.anomalies.append({
        id,
        instance: 'sim-001',
        start,
        end,
        open: false,
        peakScore: 4,
        severity: 'critical',
        metrics: [],
      });
    const v4 = (await sidecar.trainer.train('sim-001', now + 60_000, history)) as LstmTwinModel;
    assert.equal(v4.window.regimeFrom, since);
    assert.ok(v4.window.from >= since);
    assert.equal(v4.training.warmStart, true);
    assert.ok(Math.abs(v4.level!.excludedRows! - 120) <= 1, `${v4.level!.excludedRows} rows left out`);
  } finally {
    await sidecar.stop();
  }
});
