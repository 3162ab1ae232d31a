import path from 'node:path';
import { quantile, toRegular } from '../features/index.ts';
import { tensorflow } from '../twin/lstm/tf-backend.ts';
import { EVAL_RETRAIN_MS, RollingTwin } from './rolling-twin.ts';
import { printTable } from '../bench/load-generator.ts';
import { writeFigures } from './write-figures.ts';
import { IncidentCorrelator, isNews } from '../analysis/index.ts';
import { rollingZScores } from './rolling-z-score.ts';
import { SHARED_DATA } from './smd-data.ts';
import { loadNabFiles, NAB_METRIC as METRIC, NAB_TWIN_OPTIONS, nabPart, stepOf, type NabFile } from './nab-data.ts';
import {
  NAB_PROFILES,
  nabBounds,
  nabNormalised,
  nabNormalisedRaw,
  nabTally,
  probationRows,
  sumTallies,
  type NabTally,
} from './nab-scoring.ts';
import { readPublishedScores, type NabProfileName } from './nab-published.ts';
import { scoringOptions, type EvalOptions } from './eval-options.ts';
import type { LstmTwinOptions } from '../twin/lstm/lstm-metadata.ts';

const WEEK_MS = 7 * 24 * 3_600_000;

/**
 * Twin on one metric, as the product runs it: trained on the probationary rows (all a detector may
 * learn from before scoring starts), then retrained every `retrainMs` on its rolling window.
 */
async function detectWithTwin(
  file: NabFile,
  epochs: number,
  retrainMs: number,
  scoring: Partial<LstmTwinOptions>
): Promise<Uint8Array> {
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
      lstm: { ...NAB_TWIN_OPTIONS, ...scoring },
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

/** Twin's detections of a file, or, when no twin could be trained on its probationary rows, none and why. */
async function twinDetections(
  file: NabFile,
  epochs: number,
  retrainMs: number,
  scoring: Partial<LstmTwinOptions>
): Promise<{ detections: Uint8Array; failed?: string }> {
  try {
    return { detections: await detectWithTwin(file, epochs, retrainMs, scoring) };
  } catch (error) {
    return { detections: new Uint8Array(file.values.length), failed: (error as Error).message };
  }
}

const DETECTORS = ['twin', 'untrained twin', 'rolling z-score'] as const;
type Detector = (typeof DETECTORS)[number];
const PROFILES = Object.keys(NAB_PROFILES) as NabProfileName[];

/**
 * `npm run eval -- nab --data DIR`: every file of a NAB folder, scored as NAB scores (windows,
 * scaled sigmoid, normalised between the null and the perfect detector) under the standard,
 * reward-low-FP and reward-low-FN profiles, for Twin (a one-metric twin trained on the probationary
 * rows, its own adaptive thresholds: no threshold sweep over the labels, which NAB's own runner
 * does), an untrained twin and a rolling z-score; per part, realAWSCloudwatch developing and every
 * other corpus validating (see `nabPart`), beside NAB's published detectors on the same files
 * (from the folder's `results/`). `machines` keeps the files or corpora it names.
 */
export async function nabEval(options: EvalOptions): Promise<void> {
  const dir = path.resolve(options.data ?? path.join(SHARED_DATA, 'nab'));
  const epochs = options.epochs ?? 8;
  const retrainMs = options.retrainMs ?? EVAL_RETRAIN_MS;
  const wanted = options.machines;
  const files = loadNabFiles(dir, () => true).filter(
    (f) => !wanted || wanted.includes(f.name) || wanted.includes(f.corpus)
  );
  if (!files.length) throw new Error(`no NAB files in ${dir}${wanted ? ` among ${wanted.join(', ')}` : ''}`);
  const detections: Record<Detector, Uint8Array[]> = { twin: [], 'untrained twin': [], 'rolling z-score': [] };
  const withoutTwin: { file: string; reason: string }[] = [];
  const started = performance.now();
  for (const [i, file] of files.entries()) {
    process.stderr.write(
      `[${i + 1}/${files.length}] ${file.corpus}/${file.name}: ${file.values.length} rows, ${file.windows.length} windows\n`
    );
    const trained = await twinDetections(file, epochs, retrainMs, scoringOptions(options));
    const untrained = await twinDetections(file, 0, retrainMs, scoringOptions(options));
    if (trained.failed) withoutTwin.push({ file: file.name, reason: trained.failed });
    detections.twin.push(trained.detections);
    detections['untrained twin'].push(untrained.detections);
    detections['rolling z-score'].push(detectWithZScore(file));
  }
  type Tallies = Record<Detector, NabTally>;
  const tallies = files.map((f, i) =>
    Object.fromEntries(DETECTORS.map((d) => [d, nabTally(detections[d][i]!, f.windows, NAB_PROFILES.standard)]))
  ) as Tallies[];
  const perFile = files.map((f, i) => ({
    file: f.name,
    corpus: f.corpus,
    part: nabPart(f.corpus),
    windows: f.windows.length,
    ...Object.fromEntries(DETECTORS.map((d) => [d, tallies[i]![d].score])),
    twinDetected: tallies[i]!.twin.detected,
    twinFalsePositives: tallies[i]!.twin.falsePositives,
    twinFalsePositiveCost: tallies[i]!.twin.falsePositiveCost,
  }));
  const row = (name: string, windows: number, t: Tallies) => [
    name,
    String(windows),
    String(t.twin.detected),
    `${t.twin.falsePositives} (${t.twin.falsePositiveCost.toFixed(2)})`,
    ...DETECTORS.map((d) => t[d].score.toFixed(2)),
  ];
  printTable(
    'nab: raw standard-profile score per file (perfect = windows x 0.987, none = -windows); ' +
      "twin's windows detected and false positives (their cost)",
    ['', 'windows', 'detected', 'false pos. (cost)', ...DETECTORS],
    [
      ...files.map((f, i) => row(f.name, f.windows.length, tallies[i]!)),
      row(
        'all files',
        files.reduce((sum, f) => sum + f.windows.length, 0),
        Object.fromEntries(DETECTORS.map((d) => [d, sumTallies(tallies.map((t) => t[d]))])) as Tallies
      ),
    ]
  );
  if (withoutTwin.length)
    printTable(
      'nab: files no twin could be trained on (scored as no detections)',
      ['', 'why'],
      withoutTwin.map((w) => [w.file, w.reason])
    );

  const published = readPublishedScores(dir);
  const parts = [...new Set(files.map((f) => nabPart(f.corpus)))].sort();
  const scores: Record<string, Record<string, Record<NabProfileName, number>>> = {};
  for (const part of parts) {
    const inPart = files.map((f, i) => ({ f, i })).filter(({ f }) => nabPart(f.corpus) === part);
    const ours = Object.fromEntries(
      DETECTORS.map((d) => [
        d,
        Object.fromEntries(
          PROFILES.map((p) => [
            p,
            nabNormalised(
              inPart.map(({ f, i }) => ({ detections: detections[d][i]!, windows: f.windows })),
              NAB_PROFILES[p]
            ).score,
          ])
        ),
      ])
    ) as Record<string, Record<NabProfileName, number>>;
    const theirs: Record<string, Record<NabProfileName, number>> = {};
    for (const [detector, raw] of published) {
      // Only detectors with a published score for every file of the part are comparable.
      const keys = inPart.map(({ f }) => `${f.corpus}/${f.name}.csv`);
      if (!keys.every((k) => PROFILES.every((p) => raw[p].has(k)))) continue;
      theirs[detector] = Object.fromEntries(
        PROFILES.map((p) => [
          p,
          nabNormalisedRaw(
            inPart.map(({ f }, j) => ({
              raw: raw[p].get(keys[j]!)!,
              ...nabBounds(f.values.length, f.windows, NAB_PROFILES[p]),
            }))
          ).score,
        ])
      ) as Record<NabProfileName, number>;
    }
    scores[part] = { ...ours, ...theirs };
    const corpora = [...new Set(inPart.map(({ f }) => f.corpus))].join(', ');
    const ranked = Object.keys(theirs).sort((a, b) => theirs[b]!.standard - theirs[a]!.standard);
    printTable(
      `nab ${part}: normalised score, ${corpora} (${inPart.length} files; 0 = no detections, 100 = perfect)` +
        (ranked.length
          ? "; NAB's published detectors below the line, their thresholds swept over all corpora' labels"
          : ''),
      ['', ...PROFILES],
      [
        ...DETECTORS.map((d) => [d, ...PROFILES.map((p) => ours[d]![p].toFixed(1))]),
        ...(ranked.length ? [['---', ...PROFILES.map(() => '')]] : []),
        ...ranked.map((d) => [d, ...PROFILES.map((p) => theirs[d]![p].toFixed(1))]),
      ]
    );
  }
  const document = {
    eval: 'nab',
    data: dir,
    epochs,
    retrainMs,
    seconds: (performance.now() - started) / 1000,
    parts: Object.fromEntries(
      parts.map((part) => [
        part,
        { corpora: [...new Set(files.filter((f) => nabPart(f.corpus) === part).map((f) => f.corpus))] },
      ])
    ),
    twin: Object.fromEntries(parts.map((part) => [part, scores[part]!.twin])),
    peer: Object.fromEntries(
      parts.map((part) => [part, Object.fromEntries(Object.entries(scores[part]!).filter(([d]) => d !== 'twin'))])
    ),
    withoutTwin,
    perFile,
  };
  writeFigures('nab', document, options);
}
