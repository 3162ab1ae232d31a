import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startTestSidecar } from '../../testing/test-sidecar.ts';
import type { Sidecar } from '../sidecar.ts';

let sidecar: Sidecar;
before(async () => {
  sidecar = await startTestSidecar();
});
after(() => sidecar.stop());

interface Received {
  id?: number;
  event: string;
  data: Record<string, unknown>;
}

/** An SSE client over fetch: collects events until `until` says stop (or the stream ends). */
async function listen(path: string, until: (events: Received[]) => boolean, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const response = await fetch(`${sidecar.url}/api/v1${path}`, { headers, signal: controller.signal });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type')!, /^text\/event-stream/);
  const events: Received[] = [];
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const done = (async () => {
    while (!until(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = Object.fromEntries([...block.matchAll(/^(\w+): ?(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
        const field = (name: string): string | undefined => fields[name];
        const data = field('data');
        if (data === undefined) continue;
        const id = field('id');
        events.push({ ...(id ? { id: Number(id) } : {}), event: field('event') ?? 'message', data: JSON.parse(data) });
      }
    }
    controller.abort();
    return events;
  })();
  return { done };
}

const settle = () => new Promise((r) => setTimeout(r, 50));

test('subscribers get the events their filter asks for, numbered; a reconnect with Last-Event-ID gets what it missed', async () => {
  const a = await listen('/stream?instance=web-1&kind=failure_probability', (e) => e.length >= 2);
  const all = await listen('/stream', (e) => e.length >= 4);
  await settle();
  sidecar.stream.publish('anomaly_score', 'web-1', { score: 1.5 });
  sidecar.stream.publish('failure_probability', 'web-2', { probability: 0.2 });
  sidecar.stream.publish('failure_probability', 'web-1', { probability: 0.7, kind: 'crash' });
  sidecar.stream.publish('failure_probability', 'web-1', { probability: 0.8 });
  const mine = await a.done;
  assert.deepEqual(
    mine.map((e) => [e.event, e.data.instance, e.data.probability]),
    [
      ['failure_probability', 'web-1', 0.7],
      ['failure_probability', 'web-1', 0.8],
    ]
  );
  const everything = await all.done;
  assert.equal(everything.length, 4);
  const ids = everything.map((e) => e.id!);
  assert.deepEqual(
    ids,
    [...ids].sort((x, y) => x - y)
  );
  // Reconnect after the second event: the third and fourth come again, from the ring.
  const again = await listen('/stream', (e) => e.length >= 2, { 'last-event-id': String(ids[1]) });
  assert.deepEqual(
    (await again.done).map((e) => e.id),
    ids.slice(2)
  );
});

test('a client that stops reading is cut loose; the others get every event, and the hub holds no backlog for it', async () => {
  const before = sidecar.stream.dropped;
  // A raw client that sends its request and never reads: its socket fills, then the server's buffer.
  const slow = net.connect(Number(new URL(sidecar.url).port), '127.0.0.1');
  slow.write('GET /api/v1/stream HTTP/1.1\r\nhost: x\r\n\r\n');
  slow.pause();
  const n = 40_000;
  const reader = await listen('/stream?kind=anomaly_score&instance=busy', (e) => e.length >= n);
  await settle();
  const padding = 'x'.repeat(400);
  for (let i = 0; i < n; i++) {
    sidecar.stream.publish('anomaly_score', 'busy', { i, padding });
    // Give the reading client its turn now and then, as a real event source would.
    if (i % 200 === 0) await new Promise((r) => setTimeout(r, 0));
  }
  const received = await reader.done;
  assert.equal(received.length, n);
  assert.deepEqual(
    received.slice(0, 3).map((e) => e.data.i),
    [0, 1, 2]
  );
  assert.equal(sidecar.stream.dropped, before + 1, 'the slow client was dropped');
  slow.destroy();
});

test('an unknown kind is refused, naming the kinds there are', async () => {
  const response = await fetch(`${sidecar.url}/api/v1/stream?kind=cpu`);
  assert.equal(response.status, 400);
  assert.match(
    ((await response.json()) as { detail: string }).detail,
    /unknown cpu \(known: anomaly_score, failure_probability, anomaly, incident\)/
  );
});

/** Opens a WebSocket to the stream; resolves with the socket once open, or the HTTP status it was refused with. */
async function openSocket(url: string, headers: Record<string, string> = {}) {
  const { WebSocket } = await import('ws');
  const ws = new WebSocket(url, { headers });
  const messages: Record<string, unknown>[] = [];
  ws.on('message', (m) => messages.push(JSON.parse(String(m)) as Record<string, unknown>));
  const status = await new Promise<number>((resolve) => {
    ws.on('open', () => resolve(101));
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
  });
  return { ws, messages, status };
}

test('the same stream over WebSocket: filtered JSON messages, resume with last_event_id, bad filters refused', async () => {
  const base = sidecar.url.replace('http', 'ws') + '/api/v1/stream/ws';
  const { ws, messages, status } = await openSocket(`${base}?instance=db-9`);
  assert.equal(status, 101);
  sidecar.stream.publish('incident', 'db-9', { incident: { id: 'x' } });
  sidecar.stream.publish('incident', 'other', { incident: { id: 'y' } });
  sidecar.stream.publish('failure_probability', 'db-9', { probability: 0.4 });
  while (messages.length < 2) await settle();
  assert.deepEqual(
    messages.map((m) => [m.kind, m.instance]),
    [
      ['incident', 'db-9'],
      ['failure_probability', 'db-9'],
    ]
  );
  ws.close();
  const resumed = await openSocket(`${base}?instance=db-9&last_event_id=${Number(messages[0]!.id)}`);
  while (resumed.messages.length < 1) await settle();
  assert.equal(resumed.messages[0]!.id, messages[1]!.id);
  resumed.ws.close();
  assert.equal((await openSocket(`${base}?kind=cpu`)).status, 400);
  assert.equal((await openSocket(sidecar.url.replace('http', 'ws') + '/elsewhere')).status, 404);
});

test('with tokens configured, the WebSocket stream needs one too', async () => {
  const guarded = await startTestSidecar({}, { TWIN_TOKENS: 'stream-token-123' });
  try {
    const url = guarded.url.replace('http', 'ws') + '/api/v1/stream/ws';
    assert.equal((await openSocket(url)).status, 401);
    const ok = await openSocket(url, { authorization: 'Bearer stream-token-123' });
    assert.equal(ok.status, 101);
    ok.ws.close();
  } finally {
    await guarded.stop();
  }
});
