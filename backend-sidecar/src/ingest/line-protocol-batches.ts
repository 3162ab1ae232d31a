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
    {
      instance: string;
      entry: { labels: Record<string, string>; byTs: Map<number, Record<string, number>> };
      names: Map<string, string>;
      prefix: string;
      suffix: string;
    }
  >();
  for (let index = 0; index < points.length; index++) {
    const p = points[index]!;
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
      let entry = byInstance.get(instance);
      if (!entry) byInstance.set(instance, (entry = { labels: {}, byTs: new Map() }));
      const qualifiers: string[] = [];
      for (const key of Object.keys(p.tags).sort()) {
        if (LABEL_TAGS.has(key)) entry.labels[key] = p.tags[key]!;
        else qualifiers.push(`${key}_${p.tags[key]}`);
      }
      s = {
        instance,
        entry,
        names: new Map(),
        prefix: clean(`${p.measurement}_`),
        suffix: qualifiers.length ? clean(`.${qualifiers.join('.')}`) : '',
      };
      series.set(p.seriesKey, s);
    }
    const ts = p.ts ?? now;
    let values = s.entry.byTs.get(ts);
    if (!values) s.entry.byTs.set(ts, (values = {}));
    for (const field in p.fields) {
      let name = s.names.get(field);
      if (name === undefined) s.names.set(field, (name = s.prefix + clean(field) + s.suffix));
      values[name] = p.fields[field]!;
    }
  }
  return [...byInstance].map(([instance, { labels, byTs }]) => ({
    instance,
    labels,
    samples: [...byTs].sort((a, b) => a[0] - b[0]).map(([ts, values]) => ({ ts, values })),
  }));
}

function clean(x: string): string {
  return /^[A-Za-z0-9_.]*$/.test(x) ? x : x.replace(/[^A-Za-z0-9_.]/g, '_');
}
