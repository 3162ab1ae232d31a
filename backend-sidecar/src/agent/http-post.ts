import http from 'node:http';
import https from 'node:https';

export interface PostAnswer {
  status: number;
  /** The Retry-After header, when there is one. */
  retryAfter: string | undefined;
  body: Buffer;
}

// One kept-alive connection per sidecar: the agent posts a batch a second for as long as it runs.
const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 1 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 1 }),
};

/**
 * POSTs a body and reads the whole answer, through node:http rather than fetch: the agent is a
 * small resident process, and fetch (undici) alone adds some 12 MB to it (node:http 3 MB).
 */
export function post(
  url: URL,
  body: Buffer | string,
  headers: Record<string, string>,
  timeoutMs = 10_000
): Promise<PostAnswer> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(
      url,
      {
        method: 'POST',
        agent: agents[url.protocol as 'http:' | 'https:'],
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        timeout: timeoutMs,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            retryAfter: response.headers['retry-after'],
            body: Buffer.concat(chunks),
          })
        );
        response.on('error', reject);
      }
    );
    request.on('timeout', () => request.destroy(new Error(`no answer from ${url.host} within ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end(body);
  });
}
