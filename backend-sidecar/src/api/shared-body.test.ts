import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { readSharedBody } from './shared-body.ts';
import { TwinError } from '../core/errors.ts';

/** A real HTTP server that answers with what readSharedBody made of the request. */
async function serve(maxBytes: number) {
  const server = http.createServer((req, res) => {
    readSharedBody(req, maxBytes).then(
      (body) => {
        res.end(
          JSON.stringify({
            length: body.length,
            shared: body.buffer instanceof SharedArrayBuffer,
            text: body.toString(),
          })
        );
      },
      (err: TwinError) => {
        res.statusCode = err.statusCode;
        res.end(err.message);
      }
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => server.close() };
}

test('a body is read whole into shared memory, with or without Content-Length', async () => {
  const s = await serve(1024 * 1024);
  try {
    const text = 'cpu,host=a usage=1 1\n'.repeat(10_000);
    const sized = await (await fetch(s.url, { method: 'POST', body: text })).json();
    assert.deepEqual(sized, { length: text.length, shared: true, text });
    // A stream has no Content-Length (chunked): the buffer grows as the chunks come.
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < 10; i++) c.enqueue(new TextEncoder().encode(text.slice(i * 21_000, (i + 1) * 21_000)));
        c.close();
      },
    });
    const chunked = (await (
      await fetch(s.url, { method: 'POST', body: stream, duplex: 'half' } as RequestInit)
    ).json()) as { text: string };
    assert.equal(chunked.text, text);
  } finally {
    s.close();
  }
});

test('a body beyond the limit gets 413 naming the limit, declared or not', async () => {
  const s = await serve(1000);
  try {
    const declared = await fetch(s.url, { method: 'POST', body: 'x'.repeat(1001) });
    assert.equal(declared.status, 413);
    assert.match(await declared.text(), /limit of 1000 bytes/);
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < 3; i++) c.enqueue(new Uint8Array(600));
        c.close();
      },
    });
    const chunked = await fetch(s.url, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    assert.equal(chunked.status, 413);
  } finally {
    s.close();
  }
});
