import { parameterRegister } from '../core/parameter.ts';

/** How a report's log is read (reports/report-analyzer.ts). */
export const REPORT_ANALYSIS = parameterRegister('reports: analysis', {
  maxLineChars: {
    value: 8192,
    unit: 'characters',
    what: 'A log line longer than this is read as several lines of this length (parsed, matched and mined each).',
    basis: 'first principles',
    source:
      "rsyslog's default maxMessageSize (8k); journald splits longer lines too (LineMax). Bounds the work any one line can cost the catalogue's patterns.",
  },
  sliceMs: {
    value: 10,
    unit: 'ms',
    what: 'Work the analysis of one report does before it gives the event loop a turn (ingest, health checks and the API keep answering meanwhile).',
    basis: 'first principles',
    source: 'Well under the 100 ms at which an API answer feels delayed; one turn costs microseconds.',
  },
});
