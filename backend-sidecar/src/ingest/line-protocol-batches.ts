import { TwinError } from '../core/errors.ts';
import type { ColumnarBatch } from '../core/columnar.ts';
import {
  forEachLine,
  parseFieldValue,
  parseLine,
  SUB_MS_DIGITS,
  TO_MS,
  type LinePoint,
  type Precision,
} from './line-protocol-parser.ts';

/** Tags that say which instance a point belongs to and where it runs; the rest qualify the metric. */
const INSTANCE_TAGS = ['instance', 'host'];
const LABEL_TAGS = new Set(['instance', 'host', 'zone', 'service', 'region', 'az']);

interface SeriesInfo {
  instance: string;
  labels: Record<string, string>;
  prefix: string;
  suffix: string;
  /** field key -> Twin metric name */
  names: Map<string, string>;
  /** The fields in the order the last line of this series had them (lines usually repeat it). */
  order: { key: string; name: string }[];
}

interface InstanceColumns {
  labels: Record<string, string>;
  /** metric name -> column */
  columns: Map<string, number>;
  /** ts -> row of values by column (NaN or absent where missing) */
  rows: Map<number, number[]>;
}

function clean(x: string): string {
  return /^[A-Za-z0-9_.]*$/.test(x) ? x : x.replace(/[^A-Za-z0-9_.]/g, '_');
}

function seriesInfo(measurement: string, tags: Record<string, string>, pointNo: number): SeriesInfo {
  const instance = INSTANCE_TAGS.map((t) => tags[t]).find(Boolean);
  if (!instance) {
    throw new TwinError(
      'TWIN_ERR_LINE_PROTOCOL',
      400,
      `point ${pointNo} (${measurement}) has neither an instance nor a host tag`,
      `body/point/${pointNo}`
    );
  }
  const labels: Record<string, string> = {};
  const qualifiers: string[] = [];
  for (const key of Object.keys(tags).sort()) {
    if (LABEL_TAGS.has(key)) labels[key] = tags[key]!;
    else qualifiers.push(`${key}_${tags[key]}`);
  }
  return {
    instance,
    labels,
    prefix: clean(`${measurement}_`),
    suffix: qualifiers.length ? clean(`.${qualifiers.join('.')}`) : '',
    names: new Map(),
    order: [],
  };
}

/**
 * Collects points into one columnar batch per instance, merging the fields of points of the same
 * instance and time into one row. A metric is `<measurement>_<field>`, qualified by the tags that
 * are not labels: `diskio_read_bytes.name_sda`. The instance is the `instance` tag, else `host`.
 */
class BatchBuilder {
  private readonly byInstance = new Map<string, InstanceColumns>();
  private readonly columnsOf = new WeakMap<SeriesInfo, { instance: InstanceColumns; byName: Map<string, number> }>();

  constructor(private readonly now: number) {}

  private instanceOf(series: SeriesInfo): InstanceColumns {
    let entry = this.byInstance.get(series.instance);
    if (!entry) this.byInstance.set(series.instance, (entry = { labels: {}, columns: new Map(), rows: new Map() }));
    for (const key in series.labels) entry.labels[key] = series.labels[key]!;
    return entry;
  }

  rowFor(series: SeriesInfo, ts: number | undefined): { row: number[]; columns: Map<string, number> } {
    const entry = this.instanceOf(series);
    const at = ts ?? this.now;
    let row = entry.rows.get(at);
    if (!row) entry.rows.set(at, (row = []));
    return { row, columns: entry.columns };
  }

  column(columns: Map<string, number>, name: string): number {
    let c = columns.get(name);
    if (c === undefined) columns.set(name, (c = columns.size));
    return c;
  }

  name(series: SeriesInfo, field: string): string {
    let name = series.names.get(field);
    if (name === undefined) series.names.set(field, (name = series.prefix + clean(field) + series.suffix));
    return name;
  }

  addPoint(p: LinePoint, pointNo: number, cache: Map<string, SeriesInfo>): void {
    let series = cache.get(p.seriesKey);
    if (!series) cache.set(p.seriesKey, (series = seriesInfo(p.measurement, p.tags, pointNo)));
    const { row, columns } = this.rowFor(series, p.ts);
    for (const field in p.fields) row[this.column(columns, this.name(series, field))] = p.fields[field]!;
  }

  batches(): ColumnarBatch[] {
    return [...this.byInstance].map(([instance, { labels, columns, rows }]) => {
      const width = columns.size;
      const times = [...rows.keys()].sort((a, b) => a - b);
      const ts = Float64Array.from(times);
      const values = new Float64Array(times.length * width).fill(NaN);
      times.forEach((t, r) => {
        const row = rows.get(t)!;
        for (let c = 0; c < row.length; c++) if (row[c] !== undefined) values[r * width + c] = row[c]!;
      });
      return { instance, labels, metrics: [...columns.keys()], ts, values };
    });
  }
}

/** Groups parsed points into one columnar batch per instance. */
export function columnarFromPoints(points: readonly LinePoint[], now = Date.now()): ColumnarBatch[] {
  const builder = new BatchBuilder(now);
  const cache = new Map<string, SeriesInfo>();
  points.forEach((p, i) => builder.addPoint(p, i + 1, cache));
  return builder.batches();
}

// Series seen before keep their parsed tags and metric names across requests.
const seriesCache = new Map<string, SeriesInfo>();

/** Tags of a series key without escapes (`m,k=v,k2=v2`), or undefined when it needs the careful parser. */
function fastSeries(seriesKey: string, pointNo: number): SeriesInfo | undefined {
  const parts = seriesKey.split(',');
  const tags: Record<string, string> = {};
  for (let k = 1; k < parts.length; k++) {
    const part = parts[k]!;
    const eq = part.indexOf('=');
    if (eq <= 0 || eq === part.length - 1 || part.indexOf('=', eq + 1) >= 0) return undefined;
    tags[part.slice(0, eq)] = part.slice(eq + 1);
  }
  if (!parts[0] || parts[0].length > 256) return undefined;
  return seriesInfo(parts[0], tags, pointNo);
}

/**
 * Parses a line-protocol body straight into ingest batches. Lines without escapes or string
 * fields (nearly all of them) take a fast path; any other line, or any line the fast path cannot
 * take, goes through the careful parser, which also reports errors with their line and column.
 */
export function linesToColumnar(body: string, precision: Precision, now = Date.now()): ColumnarBatch[] {
  const scale = TO_MS[precision];
  const builder = new BatchBuilder(now);
  const careful = new Map<string, SeriesInfo>();
  // Escapes and string fields are rare: when the body has none, no line needs to be checked for them.
  const plain = !body.includes('\\') && !body.includes('"');
  let pointNo = 0;
  forEachLine(body, (line, lineNo) => {
    pointNo++;
    if (!fastLine(line, scale, builder, pointNo, plain))
      builder.addPoint(parseLine(line, lineNo, scale), pointNo, careful);
  });
  return builder.batches();
}

/** The fast path for one line; false (having added nothing) when the line needs the careful parser. */
function fastLine(line: string, scale: number, builder: BatchBuilder, pointNo: number, plain: boolean): boolean {
  if (!plain && (line.includes('\\') || line.includes('"'))) return false;
  const sp1 = line.indexOf(' ');
  if (sp1 <= 0) return false;
  const sp2 = line.indexOf(' ', sp1 + 1);
  const fieldsEnd = sp2 < 0 ? line.length : sp2;
  let ts: number | undefined;
  if (sp2 >= 0) {
    ts = parseTimestamp(line, sp2 + 1, scale);
    if (ts === undefined) return false;
  }
  const seriesKey = line.slice(0, sp1);
  let series = seriesCache.get(seriesKey);
  if (!series) {
    series = fastSeries(seriesKey, pointNo);
    if (!series) return false;
    if (seriesCache.size > 100_000) seriesCache.clear();
    seriesCache.set(seriesKey, series);
  }
  // Parse every field before adding any, so a bad line falls back whole.
  const names: string[] = scratchNames;
  const parsed: number[] = scratchValues;
  names.length = 0;
  parsed.length = 0;
  let start = sp1 + 1;
  for (let k = 0; start <= fieldsEnd; k++) {
    let comma = line.indexOf(',', start);
    if (comma < 0 || comma > fieldsEnd) comma = fieldsEnd;
    // Match the field key in place against the series' last order: no slice, no hashing.
    const known = series.order[k];
    let eq: number;
    if (known && line.startsWith(known.key, start) && line.charCodeAt(start + known.key.length) === 61) {
      eq = start + known.key.length;
      names.push(known.name);
    } else {
      eq = line.indexOf('=', start);
      if (eq <= start || eq >= comma) return false;
      const key = line.slice(start, eq);
      const name = builder.name(series, key);
      series.order[k] = { key, name };
      names.push(name);
    }
    if (eq >= comma) return false;
    const value = parseFieldValue(line.slice(eq + 1, comma));
    if (value === undefined) return false;
    parsed.push(value);
    start = comma + 1;
  }
  const { row, columns } = builder.rowFor(series, ts);
  for (let k = 0; k < names.length; k++) row[builder.column(columns, names[k]!)] = parsed[k]!;
  return true;
}

const scratchNames: string[] = [];
const scratchValues: number[] = [];

/**
 * An integer timestamp from `start` to the end of the line, scaled to ms (floored exactly: the
 * digits below the ms are only looked at, see `SUB_MS_DIGITS`); undefined if it is not one.
 */
function parseTimestamp(line: string, start: number, scale: number): number | undefined {
  let i = start;
  const negative = line.charCodeAt(i) === 45;
  if (negative) i++;
  if (i >= line.length) return undefined;
  const wholeEnd = Math.max(i, line.length - (SUB_MS_DIGITS.get(scale) ?? 0));
  let n = 0;
  let below = false;
  for (let k = i; k < line.length; k++) {
    const d = line.charCodeAt(k) - 48;
    if (d < 0 || d > 9) return undefined;
    if (k < wholeEnd) n = n * 10 + d;
    else if (d !== 0) below = true;
  }
  // Beyond 15 digits the running sum may round differently from Number(): let Number() parse it.
  if (wholeEnd - i > 15) n = Number(line.slice(i, wholeEnd));
  if (SUB_MS_DIGITS.has(scale)) return negative ? -n - (below ? 1 : 0) : n;
  return Math.floor((negative ? -n : n) * scale);
}
