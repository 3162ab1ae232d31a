import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestSidecar } from '../testing/test-sidecar.ts';
import type { Sidecar } from './sidecar.ts';

const MIN = 60_000;
const DAY = 86_400_000;
const INSTANCES = ['backfill-1', 'backfill-2', 'backfill-3'];
// A year of 1-minute history up to the last whole minute, as Telegraf or an Influx client would import it.
const END = Math.floor(Date.now() / MIN) * MIN;
const START = END - 365 * DAY;

let sidecar: Sidecar;
before(async () => {
  sidecar = await startTestSidecar({}, { TWIN_TRAIN_EPOCHS: '1' });
  const lines: string[] = [];
  const flush = async () => {
    const res = await fetch(`${sidecar.url}/write?db=telegraf&precision=s`, { method: 'POST', body: lines.join('\n') });
    assert.equal(res.status, 204, await res.text());
    lines.length = 0;
  };
  for (const host of INSTANCES)
    for (let t = START; t < END; t += MIN) {
      // A daily cycle, so the rollups' means are checkable: 50 + 10 sin(time of day).
      const cpu = 50 + 10 * Math.sin((2 * Math.PI * (t % DAY)) / DAY);
      lines.push(`cpu,host=${host} usage_user=${cpu.toFixed(4)},usage_system=5 ${t / 1000}`);
      if (lines.length === 50_000) await flush();
    }
  await flush();
  await sidecar.ingest.drain();
  await sidecar.applyRetention(END);
});
after(() => sidecar.stop());

const series = async (query: string) => {
  const res = await fetch(`${sidecar.url}/api/v1/series?${query}`);
  return {
    status: res.status,
    body: (await res.json()) as { ts: number[]; series: Record<string, (number | null)[]> },
  };
};

test('a year of backfilled 1-minute history reads back raw, stepped and as rollups; beyond retention, empty', async () => {
  const id = INSTANCES[0]!;
  // Raw: the last day, every minute.
  const raw = await series(`instance=${id}&from=${END - DAY}&to=${END}&metric=cpu_usage_user`);
  assert.equal(raw.status, 200);
  assert.equal(raw.body.ts.length, 1440);
  // Stepped: 30 days at 1 h, straddling the raw retention (7 days) and the rollups before it.
  const hour = 3_600_000;
  const from30 = Math.floor((END - 30 * DAY) / hour) * hour;
  const hourly = await series(
    `instance=${id}&from=${from30}&to=${from30 + 30 * DAY}&step=${hour}&metric=cpu_usage_user`
  );
  assert.equal(hourly.status, 200);
  assert.equal(hourly.body.ts.length, 30 * 24);
  // Rollups: a day 60 days back holds one point per 5 minutes, their means those of the minutes.
  const from = Math.floor((END - 60 * DAY) / DAY) * DAY;
  const rolled = await series(`instance=${id}&from=${from}&to=${from + DAY}&metric=cpu_usage_user`);
  assert.equal(rolled.body.ts.length, 288);
  const first = rolled.body.series.cpu_usage_user![0]!;
  const expected = [0, 1, 2, 3, 4].reduce((sum, i) => sum + 50 + 10 * Math.sin((2 * Math.PI * i * MIN) / DAY), 0) / 5;
  assert.ok(Math.abs(first - expected) < 1e-3, `${first} vs ${expected}`);
  // Beyond the history retention (90 days): nothing kept, an empty answer (was 500).
  const old = await series(`instance=${id}&from=${START}&to=${START + DAY}`);
  assert.equal(old.status, 200);
  assert.deepEqual(old.body.ts, []);
});

test(
  'a backfilled instance gets a twin trained on its history, and twin=true replays it over the range',
  { timeout: 240_000 },
  async () => {
    const id = INSTANCES[1]!;
    for (let waited = 0; !sidecar.models.loadedChampion(id) && waited < 200_000; waited += 500)
      await new Promise((resolve) => setTimeout(resolve, 500));
    assert.ok(sidecar.models.loadedChampion(id), 'a twin was trained');
    const replay = await fetch(
      `${sidecar.url}/api/v1/series?instance=${id}&from=${END - 6 * 3_600_000}&to=${END}&twin=true&metric=cpu_usage_user`
    );
    assert.equal(replay.status, 200, await replay.clone().text());
    const body = (await replay.json()) as { twin: { predicted: Record<string, (number | null)[]> } };
    const predicted = body.twin.predicted.cpu_usage_user!.filter((v) => v !== null);
    assert.ok(predicted.length > 100, `${predicted.length} predictions`);
    assert.ok(
      predicted.every((v) => v! > 20 && v! < 80),
      'near the series it learnt'
    );
  }
);
