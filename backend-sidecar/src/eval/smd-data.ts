import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RegularSeries } from '../features/index.ts';

/**
 * The shared evaluation data (read from there, never copied): `TWIN_SHARED_DATA`, else `shared/data`
 * beside the repository, else this machine's `/work/shared/data` (where a clone elsewhere, as CI's,
 * finds it).
 */
export const SHARED_DATA =
  [
    process.env.TWIN_SHARED_DATA,
    path.resolve(fileURLToPath(new URL('../../../../shared/data', import.meta.url))),
    '/work/shared/data',
  ].find((dir): dir is string => dir !== undefined && fs.existsSync(dir)) ??
  path.resolve(fileURLToPath(new URL('../../../../shared/data', import.meta.url)));

export const SMD_STEP_MS = 60_000;

/** SMD metric names: the data set has none, so its 1-based column numbers (as its labels use). */
export function smdMetric(column: number): string {
  return `smd_${String(column).padStart(2, '0')}`;
}

/**
 * One machine's `train` or `test` part of a folder in the SMD layout, as series at SMD's 1-minute
 * step (the files have no timestamps: `from` is where the part starts on an arbitrary clock).
 */
export function loadSmdPart(
  dir: string,
  part: 'train' | 'test',
  machine: string,
  from = 0,
  maxRows = Infinity
): RegularSeries {
  const file = path.join(dir, part, `${machine}.txt`);
  const lines = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);
  const rows = Math.min(lines.length, maxRows);
  const width = lines[0]!.split(',').length;
  const values = Array.from({ length: width }, () => new Float64Array(rows));
  for (let r = 0; r < rows; r++) {
    const cells = lines[r]!.split(',');
    if (cells.length !== width) throw new Error(`${file}:${r + 1}: ${cells.length} columns, expected ${width}`);
    for (let c = 0; c < width; c++) values[c]![r] = Number(cells[c]);
  }
  return { from, stepMs: SMD_STEP_MS, metrics: Array.from({ length: width }, (_, c) => smdMetric(c + 1)), values };
}

export function smdMachines(dir: string): string[] {
  return fs
    .readdirSync(path.join(dir, 'train'))
    .filter((f) => f.endsWith('.txt'))
    .map((f) => f.slice(0, -4))
    .sort();
}

/** One interpretation segment: test rows start..end-1 and the 1-based columns that caused it. */
export interface Interpretation {
  start: number;
  end: number;
  dims: number[];
}

export function readLabels(dir: string, machine: string): Uint8Array {
  const text = fs.readFileSync(path.join(dir, 'test_label', `${machine}.txt`), 'utf8');
  return Uint8Array.from(
    text.split('\n').filter((l) => l.length > 0),
    Number
  );
}

export function readInterpretation(dir: string, machine: string): Interpretation[] {
  const file = path.join(dir, 'interpretation_label', `${machine}.txt`);
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.includes(':'))
    .map((line) => {
      const [range, dims] = line.split(':');
      const [start, end] = range!.split('-').map(Number);
      return { start: start!, end: end!, dims: dims!.split(',').map(Number) };
    });
}

/**
 * Which part of the evaluation an SMD machine is in: machines 1-2..1-5 develop (configuration is
 * chosen on them), 1-6..1-8 validate; any other machine of a folder in the layout is `other`.
 */
export function smdPart(machine: string): 'development' | 'validation' | 'other' {
  const m = /^machine-1-(\d+)$/.exec(machine);
  const n = m ? Number(m[1]) : NaN;
  if (n >= 2 && n <= 5) return 'development';
  if (n >= 6 && n <= 8) return 'validation';
  return 'other';
}
