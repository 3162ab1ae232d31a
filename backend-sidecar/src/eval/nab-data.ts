import fs from 'node:fs';
import path from 'node:path';
import type { NabWindow } from './nab-scoring.ts';

/** One NAB data file: its rows, and its label windows as row ranges. */
export interface NabFile {
  name: string;
  /** NAB's corpus, the file's folder (realAWSCloudwatch, realTweets, ...). */
  corpus: string;
  ts: number[];
  values: Float64Array;
  windows: NabWindow[];
}

/** The metric name a NAB file's one column is given. */
export const NAB_METRIC = 'value';

/** NAB timestamps ("2014-02-14 14:30:00", UTC) in ms. */
function parseTime(text: string): number {
  return Date.parse(`${text.trim().slice(0, 19).replace(' ', 'T')}Z`);
}

/**
 * The files of a NAB folder (its `labels/combined_windows.json` names them) whose corpus `corpora`
 * accepts and that are present, sorted by corpus and name.
 */
export function loadNabFiles(dir: string, corpora: (corpus: string) => boolean): NabFile[] {
  const windows = JSON.parse(fs.readFileSync(path.join(dir, 'labels', 'combined_windows.json'), 'utf8')) as Record<
    string,
    [string, string][]
  >;
  return Object.keys(windows)
    .filter((key) => corpora(key.split('/')[0]!) && fs.existsSync(path.join(dir, key)))
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
        corpus: key.split('/')[0]!,
        ts,
        values,
        windows: rows.filter((w) => w.start >= 0 && w.end >= w.start),
      };
    });
}

/** The file's median sampling interval (NAB files are mostly at 5 minutes, with some jitter). */
export function stepOf(ts: number[]): number {
  const deltas = ts
    .slice(1)
    .map((t, i) => t - ts[i]!)
    .sort((a, b) => a - b);
  return Math.max(1000, Math.round(deltas[Math.floor(deltas.length / 2)]! / 1000) * 1000);
}

/** The twin's settings for NAB's one-metric files, as `eval nab` runs them. */
export const NAB_TWIN_OPTIONS = { batchSize: 32, features: { aggregateSteps: 12 } };

/** Which part of the evaluation a NAB corpus is in: realAWSCloudwatch develops, every other corpus validates. */
export function nabPart(corpus: string): 'development' | 'validation' {
  return corpus === 'realAWSCloudwatch' ? 'development' : 'validation';
}
