import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLineProtocol, parsePrecision } from './line-protocol-parser.ts';
import { columnarFromPoints } from './line-protocol-batches.ts';
import { toSamples } from '../core/columnar.ts';
import type { LinePoint } from './line-protocol-parser.ts';

/** Columnar batches shown as samples, for readable expectations. */
function batchesFromPoints(points: readonly LinePoint[], now?: number) {
  return columnarFromPoints(points, now).map((b) => ({
    instance: b.instance,
    labels: b.labels,
    samples: toSamples(b).map((x) => ({ ts: x.ts, values: x.values })),
  }));
}

test('fields of every type, tags, escapes and timestamps at each precision', () => {
  const body = [
    '# a comment',
    'cpu,host=web-1,cpu=cpu-total usage_user=12.5,usage_system=3i,up=t,note="a \\"quoted\\" string" 1700000000000000000',
    'weird\\ name,host=h\\,1,tag\\=key=va\\ lue f=-1.5e3,g=7u',
    '',
  ].join('\n');
  const [cpu, weird] = parseLineProtocol(body);
  assert.deepEqual(cpu, {
    seriesKey: 'cpu,host=web-1,cpu=cpu-total',
    measurement: 'cpu',
    tags: { host: 'web-1', cpu: 'cpu-total' },
    fields: { usage_user: 12.5, usage_system: 3, up: 1 },
    ts: 1_700_000_000_000,
  });
  assert.deepEqual(weird, {
    seriesKey: 'weird\\ name,host=h\\,1,tag\\=key=va\\ lue',
    measurement: 'weird name',
    tags: { host: 'h,1', 'tag=key': 'va lue' },
    fields: { f: -1500, g: 7 },
    ts: undefined,
  });
  assert.equal(parseLineProtocol('m,host=a v=1 1700000000', 's')[0]!.ts, 1_700_000_000_000);
  // The fast path and the careful parser agree.
  assert.deepEqual(parseLineProtocol('m,host=a,x=y v=1.5,w=2i,z=f 5', 'ms'), [
    { seriesKey: 'm,host=a,x=y', measurement: 'm', tags: { host: 'a', x: 'y' }, fields: { v: 1.5, w: 2, z: 0 }, ts: 5 },
  ]);
  assert.deepEqual(parseLineProtocol('m,host=a,x=y v=1.5,w=2i,z=f,s="q" 5', 'ms')[0]!.fields, { v: 1.5, w: 2, z: 0 });
  assert.equal(parseLineProtocol('m,host=a v=1 1700000000000000', parsePrecision('u'))[0]!.ts, 1_700_000_000_000);
  assert.equal(parsePrecision('n'), 'ns');
  assert.throws(() => parsePrecision('fortnight'), /precision "fortnight" is not one of/);
});

test('errors name the line and column of the first problem', () => {
  const cases: [string, RegExp][] = [
    ['m,host=a v=1\nm,host=a v=abc', /line 2, column 12: field v has an invalid value "abc"/],
    ['m,host=a v=1\nm,host=a', /line 2, column 9: expected a space before the fields/],
    ['m,host v=1', /line 1, column 7: tag "host" has no "="/],
    ['m,host=a v=1 soon', /line 1, column 14: timestamp "soon" is not an integer/],
    ['m,host=a s="open', /line 1, column 12: string field s is not closed/],
    [',host=a v=1', /line 1, column 1: empty measurement/],
    ['m,host=a v=-3u', /invalid value "-3u"/],
  ];
  for (const [body, message] of cases) assert.throws(() => parseLineProtocol(body), message, body);
});

test('points become one batch per instance; other tags qualify the metric, label tags become labels', () => {
  const points = parseLineProtocol(
    [
      'cpu,host=web-1,zone=z1,cpu=cpu-total usage_user=10 1000000000',
      'mem,host=web-1 used_percent=40 1000000000',
      'diskio,host=web-1,name=sda read_bytes=5i 2000000000',
      'cpu,instance=db-1,host=ignored usage_user=3 1000000000',
    ].join('\n')
  );
  const batches = batchesFromPoints(points);
  assert.deepEqual(batches, [
    {
      instance: 'web-1',
      labels: { host: 'web-1', zone: 'z1' },
      samples: [
        { ts: 1000, values: { 'cpu_usage_user.cpu_cpu_total': 10, mem_used_percent: 40 } },
        { ts: 2000, values: { 'diskio_read_bytes.name_sda': 5 } },
      ],
    },
    {
      instance: 'db-1',
      labels: { instance: 'db-1', host: 'ignored' },
      samples: [{ ts: 1000, values: { cpu_usage_user: 3 } }],
    },
  ]);
  assert.throws(
    () => batchesFromPoints(parseLineProtocol('cpu usage=1')),
    /point 1 \(cpu\) has neither an instance nor a host tag/
  );
});

test('random and mutated input never crashes the parser: it parses or says where it broke', () => {
  const seed = 'cpu,host=web-1,cpu=cpu0 usage_user=1.5,usage_idle=90i,ok=t 1700000000000000000';
  let state = 7;
  const rand = () => (state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  for (let n = 0; n < 3000; n++) {
    const chars = seed.split('');
    for (let k = 0; k < 1 + Math.floor(rand() * 4); k++) {
      const at = Math.floor(rand() * chars.length);
      const op = rand();
      if (op < 0.4) chars[at] = String.fromCharCode(Math.floor(rand() * 128));
      else if (op < 0.7) chars.splice(at, 1);
      else chars.splice(at, 0, ' ,="\\\n'[Math.floor(rand() * 6)]!);
    }
    try {
      parseLineProtocol(chars.join(''));
    } catch (err) {
      assert.match((err as Error).message, /line \d+, column \d+: /);
    }
  }
});

test('the fast path gives exactly what the careful parser gives, and the same errors', async () => {
  const { linesToColumnar } = await import('./line-protocol-batches.ts');
  const bodies = [
    'cpu,host=a,cpu=cpu0 user=1.5,sys=2i 1000000\ncpu,host=a,cpu=cpu1 user=3 1000000\nmem,host=b used=40.5,ok=t 2000000',
    'm,host=a\\ b v=1,s="text, with = signs" 5\nm,host=c v=.5 5\n# comment\n\nm,host=c w=-2e3 6',
    'm,instance=x,host=y,zone=z,dev=sda v=1u 7\r\nm,instance=x v=2 7',
  ];
  for (const body of bodies) {
    assert.deepEqual(linesToColumnar(body, 'ns', 1), columnarFromPoints(parseLineProtocol(body, 'ns'), 1));
  }
  for (const bad of ['m,host=a v=1\nm,host=a v=0x10', 'm,host=a v=1 12\nm,host=a v=1 1.5', 'cpu v=1']) {
    let careful = '';
    try {
      batchesFromPoints(parseLineProtocol(bad, 'ns'));
    } catch (err) {
      careful = (err as Error).message;
    }
    assert.ok(careful, bad);
    assert.throws(
      () => linesToColumnar(bad, 'ns'),
      (err: Error) => err.message === careful
    );
  }
});

test('nanosecond and microsecond timestamps land on their exact ms, in both parsers (no float rounding)', async () => {
  const { linesToColumnar } = await import('./line-protocol-batches.ts');
  const base = 1_700_000_000_000;
  for (const [precision, digits] of [
    ['ns', '000000'],
    ['us', '000'],
  ] as const) {
    // 1,000 points 1 ms apart, and the same with sub-ms digits that must be floored away.
    const lines = Array.from({ length: 1000 }, (_, i) => `m,host=a v=${i} ${base + i}${digits}`);
    lines.push(`m,host=b v=1 ${base + 5}${'9'.repeat(digits.length)}`);
    const body = lines.join('\n');
    const careful = parseLineProtocol(body, precision).map((p) => p.ts);
    assert.deepEqual(careful, [...Array.from({ length: 1000 }, (_, i) => base + i), base + 5], precision);
    const fast = linesToColumnar(body, precision).flatMap((b) => [...b.ts]);
    assert.deepEqual(fast.sort(), [...careful].sort(), `${precision}: fast path`);
  }
  assert.deepEqual(
    parseLineProtocol('m,host=a v=1 -1500000\nm,host=a v=1 -1000000\nm,host=a v=1 12', 'ns').map((p) => p.ts),
    [-2, -1, 0]
  );
  assert.deepEqual(
    linesToColumnar('m,host=a v=1 -1500000\nm,host=c v=1 -1000000\nm,host=d v=1 12', 'ns').flatMap((b) => [...b.ts]),
    [-2, -1, 0]
  );
});
