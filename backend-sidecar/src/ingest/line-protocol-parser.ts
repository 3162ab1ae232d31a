import { TwinError } from '../core/errors.ts';

/** One InfluxDB line-protocol point with its numeric fields (string fields are not metrics and are skipped). */
export interface LinePoint {
  /** The line's measurement and tags as written: the same series has the same key. */
  seriesKey: string;
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, number>;
  /** ms since the epoch; undefined when the line has no timestamp (the server's time is used). */
  ts: number | undefined;
}

export type Precision = 'ns' | 'us' | 'ms' | 's' | 'm' | 'h';

export const TO_MS: Record<Precision, number> = { ns: 1e-6, us: 1e-3, ms: 1, s: 1e3, m: 6e4, h: 3.6e6 };

/** Accepts both the v1 (`n`, `u`) and v2 (`ns`, `us`) spellings. */
export function parsePrecision(text: string | undefined): Precision {
  const p = ({ n: 'ns', u: 'us', µ: 'us' } as Record<string, string>)[text ?? ''] ?? text ?? 'ns';
  if (!(p in TO_MS)) {
    throw new TwinError(
      'TWIN_ERR_BAD_REQUEST',
      400,
      `precision ${JSON.stringify(text)} is not one of ns, us, ms, s, m, h`,
      'querystring/precision'
    );
  }
  return p as Precision;
}

/** Digits a precision finer than ms carries below the ms: dropped as text, so no float rounds them. */
export const SUB_MS_DIGITS = new Map([
  [1e-6, 6],
  [1e-3, 3],
]);

/**
 * An integer timestamp in its precision as ms since the epoch, floored exactly: a nanosecond time
 * is 19 digits, past what a double holds, so multiplying it by 1e-6 lands a third of the points a
 * millisecond early (and 1 ms apart, two on the same ms).
 */
function toMs(text: string, scale: number): number {
  const dropped = SUB_MS_DIGITS.get(scale);
  if (dropped === undefined) return Math.floor(Number(text) * scale);
  const negative = text.startsWith('-');
  const digits = negative ? text.slice(1) : text;
  const whole = digits.length > dropped ? Number(digits.slice(0, -dropped)) : 0;
  const below = digits.length > dropped ? digits.slice(-dropped) : digits;
  if (!negative) return whole;
  return /[1-9]/.test(below) ? -whole - 1 : -whole;
}

function lineError(line: number, column: number, problem: string): TwinError {
  return new TwinError(
    'TWIN_ERR_LINE_PROTOCOL',
    400,
    `line ${line}, column ${column}: ${problem}`,
    `body/line/${line}/column/${column}`
  );
}

/**
 * Parses a line-protocol body (as Telegraf and the Influx clients send it). The whole body is
 * refused at the first error, which is reported with its line and column (both 1-based).
 */
export function parseLineProtocol(body: string, precision: Precision = 'ns'): LinePoint[] {
  const points: LinePoint[] = [];
  const scale = TO_MS[precision];
  forEachLine(body, (line, lineNo) => points.push(parseLine(line, lineNo, scale)));
  return points;
}

/** Reads up to an unescaped delimiter; returns the unescaped text and the delimiter's index. */
function readToken(line: string, start: number, stops: string, lineNo: number, what: string): [string, number] {
  let out = '';
  let i = start;
  while (i < line.length) {
    const c = line[i]!;
    if (c === '\\' && i + 1 < line.length) {
      out += line[i + 1];
      i += 2;
      continue;
    }
    if (stops.includes(c)) break;
    out += c;
    i++;
  }
  if (out === '') throw lineError(lineNo, start + 1, `empty ${what}`);
  if (out.length > 256) throw lineError(lineNo, start + 1, `${what} is longer than 256 characters`);
  return [out, i];
}

/** Calls `visit` with each line that holds a point (not blank, not a # comment) and its 1-based number. */
export function forEachLine(body: string, visit: (line: string, lineNo: number) => void): void {
  let lineNo = 0;
  let pos = 0;
  while (pos <= body.length) {
    let end = body.indexOf('\n', pos);
    if (end < 0) end = body.length;
    lineNo++;
    const lineEnd = body.charCodeAt(end - 1) === 13 ? end - 1 : end;
    const lineStart = pos;
    pos = end + 1;
    if (lineEnd <= lineStart || body.charCodeAt(lineStart) === 35 /* # */) continue;
    const line = body.slice(lineStart, lineEnd);
    if (line.trim() !== '') visit(line, lineNo);
  }
}

/** The careful parser: handles escapes and string fields, and reports the first error's line and column. */
export function parseLine(line: string, lineNo: number, scale: number): LinePoint {
  const [measurement, afterMeasurement] = readToken(line, 0, ', ', lineNo, 'measurement');
  let i = afterMeasurement;
  const tags: Record<string, string> = {};
  while (line[i] === ',') {
    const [key, eq] = readToken(line, i + 1, '=, ', lineNo, 'tag key');
    if (line[eq] !== '=') throw lineError(lineNo, eq + 1, `tag ${JSON.stringify(key)} has no "="`);
    const [value, next] = readToken(line, eq + 1, ', ', lineNo, `value of tag ${key}`);
    tags[key] = value;
    i = next;
  }
  if (line[i] !== ' ') throw lineError(lineNo, i + 1, 'expected a space before the fields');
  const fields: Record<string, number> = {};
  let fieldCount = 0;
  i++;
  for (;;) {
    const [key, eq] = readToken(line, i, '=, ', lineNo, 'field key');
    if (line[eq] !== '=') throw lineError(lineNo, eq + 1, `field ${JSON.stringify(key)} has no "="`);
    let j = eq + 1;
    if (line[j] === '"') {
      // A string field: valid, but not a metric.
      j++;
      while (j < line.length && line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
      if (j >= line.length) throw lineError(lineNo, eq + 2, `string field ${key} is not closed`);
      j++;
    } else {
      let k = j;
      while (k < line.length && line[k] !== ',' && line[k] !== ' ') k++;
      const raw = line.slice(j, k);
      const value = parseFieldValue(raw);
      if (value === undefined)
        throw lineError(lineNo, j + 1, `field ${key} has an invalid value ${JSON.stringify(raw)}`);
      fields[key] = value;
      j = k;
    }
    fieldCount++;
    i = j;
    if (line[i] === ',') {
      i++;
      continue;
    }
    break;
  }
  if (fieldCount === 0) throw lineError(lineNo, i + 1, 'no fields');
  let ts: number | undefined;
  if (line[i] === ' ') {
    const text = line.slice(i + 1).trim();
    if (text !== '') {
      if (!/^-?\d+$/.test(text)) throw lineError(lineNo, i + 2, `timestamp ${JSON.stringify(text)} is not an integer`);
      ts = toMs(text, scale);
    }
  } else if (i < line.length) {
    throw lineError(lineNo, i + 1, 'unexpected character after the fields');
  }
  return { seriesKey: line.slice(0, line.search(/(?<!\\) /)), measurement, tags, fields, ts };
}

export function parseFieldValue(raw: string): number | undefined {
  if (raw === '') return undefined;
  const last = raw[raw.length - 1];
  if (last === 'i' || last === 'u') {
    const digits = raw.slice(0, -1);
    return /^-?\d+$/.test(digits) && !(last === 'u' && digits.startsWith('-')) ? Number(digits) : undefined;
  }
  switch (raw) {
    case 't':
    case 'T':
    case 'true':
    case 'True':
    case 'TRUE':
      return 1;
    case 'f':
    case 'F':
    case 'false':
    case 'False':
    case 'FALSE':
      return 0;
  }
  // Number() also takes hex, octal, binary, "Infinity" and surrounding spaces, which line protocol does not.
  const first = raw.charCodeAt(0);
  const lastChar = raw.charCodeAt(raw.length - 1);
  if (!((first >= 48 && first <= 57) || first === 45 || first === 43 || first === 46)) return undefined;
  if (!((lastChar >= 48 && lastChar <= 57) || (lastChar === 46 && raw.length > 1))) return undefined;
  if (first === 48 && raw.length > 2 && /[xXoObB]/.test(raw[1]!)) return undefined;
  const value = Number(raw);
  return Number.isFinite(value) ? value : undefined;
}
