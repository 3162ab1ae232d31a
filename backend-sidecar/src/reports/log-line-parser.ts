/**
 * Parses one line of an operating information report's log into a timestamp, a source and a
 * message, whichever of the common Linux formats it is in: RFC 5424 syslog, RFC 3164 syslog, the
 * kernel ring buffer (dmesg), or the journal as journalctl exports it (short-iso or json lines). Lines in none of them are kept as
 * plain messages (format "plain", no timestamp): a degraded parse, never an error.
 */
export interface ParsedLogLine {
  format: 'rfc5424' | 'rfc3164' | 'dmesg' | 'journal' | 'plain';
  /** ms since the epoch, when the line says when it happened (dmesg: seconds since boot, see `uptimeS`). */
  ts?: number;
  uptimeS?: number;
  host?: string;
  app?: string;
  pid?: number;
  /** Syslog priority decoded, when present. */
  facility?: number;
  severity?: number;
  message: string;
}

const RFC5424 = /^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) (-|(?:\[[^\]]*\])+)\s?(.*)$/;
const RFC3164 = /^(?:<(\d{1,3})>)?([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\S+) +(.*)$/;
// The tag: "app[pid]: message" as RFC 3164 has it; real daemons also write "syslogd 1.4.1: restart."
const TAG = /^([^:[\s]+(?: [^:[\s]+)?)(?:\[(\d+)\])?: ?(.*)$/;
const DMESG = /^\[\s*(\d+\.\d+)\] (.*)$/;
const JOURNAL =
  /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})) (\S+) ([^:[\s]+)(?:\[(\d+)\])?: ?(.*)$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function priority(text: string | undefined): { facility?: number; severity?: number } {
  if (text === undefined) return {};
  const p = Number(text);
  return p <= 191 ? { facility: p >> 3, severity: p & 7 } : {};
}

/** A line of `journalctl -o json` (the journal's export fields, one entry a line). */
function journalJson(text: string): ParsedLogLine | undefined {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof entry.MESSAGE !== 'string') return undefined;
  const micros = Number(entry.__REALTIME_TIMESTAMP);
  const pid = Number(entry._PID);
  const severity = Number(entry.PRIORITY);
  const app = entry.SYSLOG_IDENTIFIER ?? entry._COMM;
  return {
    format: 'journal',
    ...(Number.isFinite(micros) ? { ts: Math.floor(micros / 1000) } : {}),
    ...(typeof entry._HOSTNAME === 'string' ? { host: entry._HOSTNAME } : {}),
    ...(typeof app === 'string' ? { app } : {}),
    ...(Number.isInteger(pid) ? { pid } : {}),
    ...(Number.isInteger(severity) ? { severity } : {}),
    message: entry.MESSAGE,
  };
}

const dash = (s: string | undefined) => (s === undefined || s === '-' ? undefined : s);

/**
 * `reportTime` fills in RFC 3164's missing year: the year of the report, stepping back one when the
 * date would otherwise lie in the report's future (a December line in a January report).
 */
export function parseLogLine(line: string, reportTime = Date.now()): ParsedLogLine {
  const text = line.replace(/\r$/, '');
  if (text.startsWith('{')) {
    const exported = journalJson(text);
    if (exported) return exported;
  }
  let m = RFC5424.exec(text);
  if (m) {
    const ts = Date.parse(m[2]!);
    const pid = Number(m[5]);
    return {
      format: 'rfc5424',
      ...priority(m[1]),
      ...(Number.isFinite(ts) ? { ts } : {}),
      ...(dash(m[3]) ? { host: m[3] } : {}),
      ...(dash(m[4]) ? { app: m[4] } : {}),
      ...(Number.isInteger(pid) ? { pid } : {}),
      message: m[8]!.replace(/^\uFEFF/, ''),
    };
  }
  m = JOURNAL.exec(text);
  if (m) {
    return {
      format: 'journal',
      ts: Date.parse(m[1]!),
      host: m[2]!,
      app: m[3]!,
      ...(m[4] ? { pid: Number(m[4]) } : {}),
      message: m[5]!,
    };
  }
  m = RFC3164.exec(text);
  if (m && MONTHS.includes(m[2]!)) {
    const reportYear = new Date(reportTime).getUTCFullYear();
    const at = (year: number) =>
      Date.UTC(year, MONTHS.indexOf(m![2]!), Number(m![3]), Number(m![4]), Number(m![5]), Number(m![6]));
    let ts = at(reportYear);
    if (ts > reportTime + 86_400_000) ts = at(reportYear - 1);
    const tag = TAG.exec(m[8]!);
    return {
      format: 'rfc3164',
      ...priority(m[1]),
      ts,
      host: m[7]!,
      ...(tag ? { app: tag[1]! } : {}),
      ...(tag?.[2] ? { pid: Number(tag[2]) } : {}),
      message: tag ? tag[3]! : m[8]!,
    };
  }
  m = DMESG.exec(text);
  if (m) return { format: 'dmesg', uptimeS: Number(m[1]), app: 'kernel', message: m[2]! };
  return { format: 'plain', message: text };
}
