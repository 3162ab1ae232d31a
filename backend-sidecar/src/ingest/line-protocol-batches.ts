import { TwinError } from '../core/errors.ts';
import type { IngestBatch } from './validate-batch.ts';
import { parseFieldValue, parseLine, TO_MS, type LinePoint, type Precision } from './line-protocol-parser.ts';

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
 * Collects points into one batch per instance, merging the fields of points of the same instance
 * and time into one sample. A metric is `<measurement>_<field>`, qualified by the tags that are not
 * labels: `diskio_read_bytes.name_sda`. The instance is the `instance` tag, else `host`.
 */
class BatchBuilder {
  private readonly byInstance = new Map<
    string,
    { labels: Record<string, string>; byTs: Map<number, Record<string, number>> }
  >();

  constructor(private readonly now: number) {}

  valuesFor(series: SeriesInfo, ts: number | undefined): Record<string, number> {
    let entry = this.byInstance.get(series.instance);
    if (!entry) this.byInstance.set(series.instance, (entry = { labels: {}, byTs: new Map() }));
    for (const key in series.labels) entry.labels[key] = series.labels[key]!;
    const at = ts ?? this.now;
    let values = entry.byTs.get(at);
    if (!values) entry.byTs.set(at, (values = {}));
    return values;
  }

  name(series: SeriesInfo, field: string): string {
    let name = series.names.get(field);
    if (name === undefined) series.names.set(field, (name = series.prefix + clean(field) + series.suffix));
    return name;
  }

  addPoint(p: LinePoint, pointNo: number, cache: Map<string, SeriesInfo>): void {
    let series = cache.get(p.seriesKey);
    if (!series) cache.set(p.seriesKey, (series = seriesInfo(p.measurement, p.tags, pointNo)));
    const values = this.valuesFor(series, p.ts);
    for (const field in p.fields) values[this.name(series, field)] = p.fields[field]!;
  }

  batches(): IngestBatch[] {
    return [...this.byInstance].map(([instance, { labels, byTs }]) => ({
      instance,
      labels,
      samples: [...byTs].sort((a, b) => a[0] - b[0]).map(([ts, values]) => ({ ts, values })),
    }));
  }
}

/** Groups parsed points into one ingest batch per instance. */
export function batchesFromPoints(points: readonly LinePoint[], now = Date.now()): IngestBatch[] {
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
export function linesToBatches(body: string, precision: Precision, now = Date.now()): IngestBatch[] {
  const scale = TO_MS[precision];
  const builder = new BatchBuilder(now);
  const careful = new Map<string, SeriesInfo>();
  let lineNo = 0;
  let pointNo = 0;
  let pos = 0;
  while (pos <= body.length) {
    let end = body.indexOf('\n', pos);
    if (end < 0) end = body.length;
    lineNo++;
    const lineEnd = body.charCodeAt(end - 1) === 13 ? end - 1 : end;
    const lineStart = pos;
    pos = end + 1;
    const first = body.charCodeAt(lineStart);
    if (lineEnd <= lineStart || first === 35 /* # */) continue;
    const line = body.slice(lineStart, lineEnd);
    if (line.trim() === '') continue;
    pointNo++;
    if (!fastLine(line, scale, builder, pointNo)) builder.addPoint(parseLine(line, lineNo, scale), pointNo, careful);
  }
  return builder.batches();
}

/** The fast path for one line; false (having added nothing) when the line needs the careful parser. */
function fastLine(line: string, scale: number, builder: BatchBuilder, pointNo: number): boolean {
  if (line.includes('\\') || line.includes('"')) return false;
  const sp1 = line.indexOf(' ');
  if (sp1 <= 0) return false;
  const sp2 = line.indexOf(' ', sp1 + 1);
  const fieldsEnd = sp2 < 0 ? line.length : sp2;
  let ts: number | undefined;
  if (sp2 >= 0) {
    const text = line.slice(sp2 + 1);
    if (!/^-?\d+$/.test(text)) return false;
    ts = Math.floor(Number(text) * scale);
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
  const names: string[] = [];
  const parsed: number[] = [];
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
  const values = builder.valuesFor(series, ts);
  for (let k = 0; k < names.length; k++) values[names[k]!] = parsed[k]!;
  return true;
}
