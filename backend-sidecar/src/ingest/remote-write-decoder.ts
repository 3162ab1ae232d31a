import { uncompress } from 'snappyjs';
import { deserialize } from 'prometheus-remote-write';
import { TwinError } from '../core/errors.ts';
import type { IngestBatch } from './validate-batch.ts';

/** Labels that say which instance a series belongs to and where it runs; the rest qualify the metric. */
const LABELS = new Set(['instance', 'job', 'host', 'zone', 'service', 'region']);

interface DecodedSeries {
  labels: { name: string; value: string }[];
  samples: { value: number; timestamp: number | { toNumber(): number } }[];
}

/** The uncompressed length a snappy block declares (its leading varint), read before anything is allocated. */
function declaredLength(block: Uint8Array): number {
  let result = 0;
  for (let i = 0, shift = 0; i < 5 && i < block.length; i++, shift += 7) {
    const byte = block[i]!;
    result += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return result;
  }
  return -1;
}

function problem(status: number, detail: string, where = 'body'): TwinError {
  return new TwinError(status === 413 ? 'TWIN_ERR_TOO_LARGE' : 'TWIN_ERR_REMOTE_WRITE', status, detail, where);
}

/**
 * Decodes a Prometheus remote-write request (snappy-compressed protobuf WriteRequest) into one
 * ingest batch per instance (the `instance` label). A metric is its `__name__`, qualified by the
 * labels that are not instance labels: `node_cpu_seconds_total.cpu_0.mode_idle`.
 */
export async function decodeRemoteWrite(body: Buffer, maxBytes: number): Promise<IngestBatch[]> {
  const length = declaredLength(body);
  if (length < 0) throw problem(400, 'the body is not snappy-compressed (no valid length header)');
  if (length > maxBytes) throw problem(413, `the body inflates to ${length} bytes, over the limit of ${maxBytes}`);
  // Snappy's densest element copies 64 bytes for 3: a length past that ratio is a lie, refused before allocating it.
  if (length > Math.ceil((body.length * 64) / 3))
    throw problem(400, `the body declares ${length} bytes, more than ${body.length} bytes of snappy can hold`);
  let raw: Buffer;
  let request: { timeseries?: DecodedSeries[] };
  try {
    raw = uncompress(body);
  } catch (err) {
    throw problem(400, `the body is not valid snappy: ${(err as Error).message}`);
  }
  try {
    request = (await deserialize(raw as unknown as ArrayBuffer)) as unknown as { timeseries?: DecodedSeries[] };
  } catch (err) {
    throw problem(400, `the body is not a protobuf WriteRequest: ${(err as Error).message}`);
  }
  const byInstance = new Map<string, { labels: Record<string, string>; byTs: Map<number, Record<string, number>> }>();
  (request.timeseries ?? []).forEach((series, index) => {
    const labels = Object.fromEntries(series.labels.map((l) => [l.name, l.value]));
    const name = labels.__name__;
    const instance = labels.instance;
    if (!name || !instance) {
      throw problem(
        400,
        `series ${index} has no ${name ? 'instance' : '__name__'} label`,
        `body/timeseries/${index}/labels`
      );
    }
    const qualifiers = Object.keys(labels)
      .filter((k) => k !== '__name__' && !LABELS.has(k))
      .sort()
      .map((k) => `${k}_${labels[k]}`);
    const metric = [name, ...qualifiers]
      .join('.')
      .replace(/[^A-Za-z0-9_.]/g, '_')
      .slice(0, 128);
    let entry = byInstance.get(instance);
    if (!entry) byInstance.set(instance, (entry = { labels: {}, byTs: new Map() }));
    for (const key of Object.keys(labels)) if (LABELS.has(key)) entry.labels[key] = labels[key]!;
    for (const sample of series.samples) {
      const ts = typeof sample.timestamp === 'number' ? sample.timestamp : sample.timestamp.toNumber();
      // Prometheus marks the end of a series with a NaN sample (a stale marker): not a value.
      if (!Number.isFinite(sample.value)) continue;
      let values = entry.byTs.get(ts);
      if (!values) entry.byTs.set(ts, (values = {}));
      values[metric] = sample.value;
    }
  });
  return [...byInstance].map(([instance, { labels, byTs }]) => ({
    instance,
    labels,
    samples: [...byTs].sort((a, b) => a[0] - b[0]).map(([ts, values]) => ({ ts, values })),
  }));
}
