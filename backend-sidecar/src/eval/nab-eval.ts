import fs from 'node:fs';
import path from 'node:path';
import { quantile, toRegular } from '../features/index.ts';
import { tensorflow } from '../twin/lstm/tf-backend.ts';
import { EVAL_RETRAIN_MS, RollingTwin } from './rolling-twin.ts';
import { printTable } from '../bench/load-generator.ts';
import { writeFigures } from './write-figures.ts';
import { IncidentCorrelator, isNews } from '../analysis/index.ts';
import { rollingZScores } from './rolling-z-score.ts';
import { SHARED_DATA } from './smd-data.ts';
import {
  NAB_PROFILES,
  nabNormalised,
  nabTally,
  probationRows,
  sumTallies,
  type NabTally,
  type NabWindow,
} from './nab-scoring.ts';

interface NabFile {
  name: string;
  ts: number[];
  values: Float64Array;
  windows: NabWindow[];
}

const METRIC = 'value';
const WEEK_MS = 7 * 24 * 3_600_000;

/** NAB timestamps ("2014-02-14 14:30:00", UTC) in ms. */
function parseTime(text: string): number {
  return Date.parse(`${text.trim().slice(0, 19).replace(' ', 'T')}Z`);
}

function loadFiles(dir: string): NabFile[] {
  const windows = JSON.parse(fs.readFileSync(path.join(dir, 'labels', 'combined_windows.json'), 'utf8')) as Record<
    string,
    [string, string][]
  >;
  return Object.keys(windows)
    // realAWSCloudwatch only: the folder may hold NAB's other corpora too, which this command does not score.
    .filter((key) => key.startsWith('realAWSCloudwatch/') && fs.existsSync(path.join(dir, key)))
    .sort()
    .map((key) => {
      const lines = fs.readFileSync(path.join(dir, key), 'utf8').split('\n').slice(1).filter(Boolean);
      const ts = lines.map((l) => parseTime(l.split(',')[0]!));
      const values = Float64Array.from(lines, (l) => Number(l.split(',')[1]));
      const rows = windows[key]!.map(([from, to]) => {
        const start = ts.findIndex((t) => t >= parseTime(from));
        let end = ts.length - 1;
        while (end > 0 && ts[end]! > parseTime(to)) end--;
        return { start, end };
      });
      return {
        name: path.basename(key, '.csv'),
        ts,
        values,
        windows: rows.filter((w) => w.start >= 0 && w.end >= w.start),
      };
    });
}

/** The file's median sampling interval (NAB files are mostly at 5 minutes, with some jitter). */
function stepOf(ts: number[]): number {
  const deltas = ts
    .slice(1)
    .map((t, i) => t - ts[i]!)
    .sort((a, b) => a - b);
  return Math.max(1000, Math.round(deltas[Math.floor(deltas.length / 2)]! / 1000) * 1000);
}

/**
 * Twin on one metric, as the product runs it: trained on the probationary rows (all a detector may
 * learn from before scoring starts), then retrained every `retrainMs` on its rolling window.
 */
async function detectWithTwin(file: NabFile, epochs: number, retrainMs: number): Promise<Uint8Array> {
  const probation = probationRows(file.values.length);
  const stepMs = stepOf(file.ts);
  // What Twin reports is an incident, when its first anomaly event opens (a few anomalous points in
  // a row): that is the detection NAB scores, not every anomalous point after it, nor the events
  // that join an incident already reported (its relapses), nor an incident that recurs daily.
  const detections = new Uint8Array(file.values.length);
  const incidents = new IncidentCorrelator();
  let row = probation;
  const twin = await RollingTwin.start(
    {
      instance: file.name,
      metrics: [METRIC],
      stepMs,
      windowMs: WEEK_MS,
      retrainMs,
      epochs,
      lstm: { batchSize: 32, features: { aggregateSteps: 12 } },
      backend: await tensorflow(),
      onOpened: (event) => {
        if (isNews(incidents.add(event), event.id)) detections[row] = 1;
      },
      onClosed: (event) => incidents.add(event),
    },
    toRegular(file.ts.slice(0, probation), [METRIC], [file.values.subarray(0, probation)], stepMs)
  );
  for (; row < file.values.length; row++) await twin.step(file.ts[row]!, { [METRIC]: file.values[row]! });
  return detections;
}

/** Baseline: rolling z-score over 60 rows, the threshold the 99.5th percentile over the probationary rows; onsets reported. */
function detectWithZScore(file: NabFile): Uint8Array {
  const window = 60;
  const n = file.values.length;
  const z = rollingZScores(file.values, window);
  const threshold = quantile(z.subarray(window, probationRows(n)), 0.995);
  // Detections are where the score crosses the threshold (onsets), as for Twin's events.
  return Uint8Array.from(z, (s, i) => (s > threshold && !(i > 0 && z[i - 1]! > threshold) ? 1 : 0));
}

/**
 * `npm run eval -- nab --data DIR`: every file of NAB's realAWSCloudwatch corpus, scored as NAB scores
 * (windows, scaled sigmoid, normalised between the null and the perfect detector) under the
 * standard, reward-low-FP and reward-low-FN profiles, for Twin (a one-metric twin trained on the
 * probationary rows, its own adaptive thresholds: no threshold sweep over the labels, which NAB's
 * own runner does), an untrained twin and a rolling z-score.
 */
export async function nabEval(options: {
  json: boolean;
  data?: string;
  out?: string;
  epochs?: number;
  retrainMs?: number;
}): Promise<void> {
  const dir = path.resolve(options.data ?? path.join(SHARED_DATA, 'nab'));
  const epochs = options.epochs ?? 8;
  const retrainMs = options.retrainMs ?? EVAL_RETRAIN_MS;
  const files = loadFiles(dir);
  const detectors = ['twin', 'untrained twin', 'rolling z-score'] as const;
  const detections: Record<(typeof detectors)[number], Uint8Array[]> = {
    twin: [],
    'untrained twin': [],
    'rolling z-score': [],
  };
  const started = performance.now();
  for (const file of files) {
    process.stderr.write(`${file.name}: ${file.values.length} rows, ${file.windows.length} windows\n`);
    detections.twin.push(await detectWithTwin(file, epochs, retrainMs));
    detections['untrained twin'].push(await detectWithTwin(file, 0, retrainMs));
    detections['rolling z-score'].push(detectWithZScore(file));
  }
  const scores = Object.fromEntries(
    detectors.map((d) => [
      d,
      Object.fromEntries(
        Object.entries(NAB_PROFILES).map(([profile, weights]) => [
          profile,
          nabNormalised(
            files.map((f, i) => ({ detections: detections[d][i]!, windows: f.windows })),
            weights
          ).score,
        ])
      ),
    ])
  ) as Record<(typeof detectors)[number], Record<keyof typeof NAB_PROFILES, number>>;
  type Tallies = Record<(typeof detectors)[number], NabTally>;
  const tallies = files.map((f, i) =>
    Object.fromEntries(detectors.map((d) => [d, nabTally(detections[d][i]!, f.windows, NAB_PROFILES.standard)]))
  ) as Tallies[];
  const perFile = files.map((f, i) => ({
    file: f.name,
    windows: f.windows.length,
    ...Object.fromEntries(detectors.map((d) => [d, tallies[i]![d].score])),
    twinDetected: tallies[i]!.twin.detected,
    twinFalsePositives: tallies[i]!.twin.falsePositives,
    twinFalsePositiveCost: tallies[i]!.twin.falsePositiveCost,
  }));
  const row = (name: string, windows: number, t: Tallies) => [
    name,
    String(windows),
    String(t.twin.detected),
    `${t.twin.falsePositives} (${t.twin.falsePositiveCost.toFixed(2)})`,
    ...detectors.map((d) => t[d].score.toFixed(2)),
  ];
  printTable(
    'nab: raw standard-profile score per file (perfect = windows x 0.987, none = -windows); ' +
      "twin's windows detected and false positives (their cost)",
    ['', 'windows', 'detected', 'false pos. (cost)', ...detectors],
    [
      ...files.map((f, i) => row(f.name, f.windows.length, tallies[i]!)),
      row(
        'all files',
        files.reduce((sum, f) => sum + f.windows.length, 0),
        Object.fromEntries(detectors.map((d) => [d, sumTallies(tallies.map((t) => t[d]))])) as Tallies
      ),
    ]
  );
  printTable(
    `nab: normalised score, realAWSCloudwatch (${files.length} files; 0 = no detections, 100 = perfect)`,
    ['profile', ...detectors],
    Object.keys(NAB_PROFILES).map((p) => [
      p,
      ...detectors.map((d) => scores[d][p as keyof typeof NAB_PROFILES].toFixed(1)),
    ])
  );
  const document = {
    eval: 'nab',
    data: dir,
    epochs,
    retrainMs,
    seconds: (performance.now() - started) / 1000,
    twin: scores.twin,
    peer: { 'untrained twin': scores['untrained twin'], 'rolling z-score': scores['rolling z-score'] },
    perFile,
  };
  writeFigures('nab', document, options);
}
