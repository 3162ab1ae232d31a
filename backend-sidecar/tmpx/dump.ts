import fs from 'node:fs';
import { DEFAULT_LSTM_OPTIONS, LstmTwinRunner, thresholdsOf } from '../src/twin/index.ts';
import { trainLstmTwin } from '../src/twin/lstm-twin.ts';
import { weightsFromArtifacts } from '../src/twin/lstm/artifacts.ts';
import { tensorflow } from '../src/twin/lstm/tf-backend.ts';
import { loadSmdPart, smdMachines } from '../src/eval/smd-data.ts';
const dir = '/work/shared/data/smd';
const W = 10080;
for (const machine of smdMachines(dir)) {
  const train0 = loadSmdPart(dir, 'train', machine);
  const test = loadSmdPart(dir, 'test', machine, train0.values[0]!.length * 60_000);
  const n0 = train0.values[0]!.length;
  const train = { ...train0, from: train0.from + (n0 - W) * 60000, values: train0.values.map((v) => v.subarray(n0 - W)) };
  const backend = await tensorflow();
  const { model, artifacts } = await trainLstmTwin({ instance: 'smd', version: 'v1', series: train, options: { ...DEFAULT_LSTM_OPTIONS, maxEpochs: 8 }, backend });
  const runner = new LstmTwinRunner(model, weightsFromArtifacts(artifacts, model.network));
  const th = thresholdsOf(model);
  const standsFor = new Map<string, string>(model.features.duplicates.map((d) => [d.metric, d.of]));
  const cols = test.metrics.length;
  // rows: train (re-scored) then test; store ratio score/initial threshold per metric + joint
  const all = { n: W + test.values[0]!.length };
  const out = new Float32Array(all.n * (cols + 1)).fill(NaN);
  const row = (s: typeof test, r: number) => Object.fromEntries(s.metrics.map((m, c) => [m, s.values[c]![r]!]));
  for (let r = 0; r < all.n; r++) {
    const src = r < W ? train : test;
    const rr = r < W ? r : r - W;
    const step = runner.step((r - W) * 60000, row(src, rr));
    if (!step) continue;
    for (let c = 0; c < cols; c++) {
      const m = test.metrics[c]!; const k = standsFor.get(m) ?? m;
      const s = step.scores[k]; if (s !== undefined && th[k]) out[r * (cols + 1) + c] = s / th[k]!;
    }
    const j = step.scores['*joint']; if (j !== undefined) out[r * (cols + 1) + cols] = j / th['*joint']!;
  }
  fs.writeFileSync(`/tmp/x/${machine}.f32`, Buffer.from(out.buffer));
  console.log(machine, all.n, cols);
}
