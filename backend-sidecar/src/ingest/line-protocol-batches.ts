import { TwinError } from '../core/errors.ts';
import type { IngestBatch } from './validate-batch.ts';
import type { LinePoint } from './line-protocol-parser.ts';

/** Tags that say which instance a point belongs to and where it runs; the rest qualify the metric. */
const INSTANCE_TAGS = ['instance', 'host'];
const LABEL_TAGS = new Set(['instance', 'host', 'zone', 'service', 'region', 'az']);

/**
 * Groups line-protocol points into one ingest batch per instance. The instance is the `instance`
 * tag, else `host` (as Telegraf sets it). A metric is `<measurement>_<field>`, and other tags (a
 * disk's `device`, a CPU's `cpu`) qualify it: `diskio_read_bytes.device_sda`.
 */
export function batchesFromPoints(points: readonly LinePoint[], now = Date.now()): IngestBatch[] {
  const byInstance = new Map<string, { labels: Record<string, string>; byTs: Map<number, Record<string, number>> }>();
  const series = new Map<
    string,
    { instance: string; labels: Record<string, string>; prefix: string; suffix: string }
  >();
  points.forEach((p, index) => {
    let s = series.get(p.seriesKey);
    if (!s) {
      const instance = INSTANCE_TAGS.map((t) => p.tags[t]).find(Boolean);
      if (!instance) {
        throw new TwinError(
          'TWIN_ERR_LINE_PROTOCOL',
          400,
          `point ${index + 1} (${p.measurement}) has neither an instance nor a host tag`,
          `body/point/${index + 1}`
        );
      }
      const labels: Record<string, string> = {};
      const qualifiers: string[] = [];
      for (const key of Object.keys(p.tags).sort()) {
        if (LABEL_TAGS.has(key)) labels[key] = p.tags[key]!;
        else qualifiers.push(`${key}_${p.tags[key]}`);
      }
      const clean = (x: string) => x.replace(/[^A-Za-z0-9_.]/g, '_');
      s = {
        instance,
        labels,
        prefix: clean(`${p.measurement}_`),
        suffix: qualifiers.length ? clean(`.${qualifiers.join('.')}`) : '',
      };
      series.set(p.seriesKey, s);
    }
    let entry = byInstance.get(s.instance);
    if (!entry) byInstance.set(s.instance, (entry = { labels: {}, byTs: new Map() }));
    Object.assign(entry.labels, s.labels);
    const ts = p.ts ?? now;
    let values = entry.byTs.get(ts);
    if (!values) entry.byTs.set(ts, (values = {}));
    for (const field in p.fields) {
      const name = /^[A-Za-z0-9_.]*$/.test(field) ? field : field.replace(/[^A-Za-z0-9_.]/g, '_');
      values[s.prefix + name + s.suffix] = p.fields[field]!;
    }
  });
  return [...byInstance].map(([instance, { labels, byTs }]) => ({
    instance,
    labels,
    samples: [...byTs].sort((a, b) => a[0] - b[0]).map(([ts, values]) => ({ ts, values })),
  }));
}
