/** Posts bodies to an HTTP endpoint from a few concurrent clients, honouring 503/429 + Retry-After. */
export async function postAll(
  url: string,
  bodies: readonly (string | Buffer)[],
  concurrency: number,
  headers: Record<string, string> = {}
): Promise<{ seconds: number; retries: number }> {
  let next = 0;
  let retries = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      for (let attempt = 1; ; attempt++) {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain', ...headers }, body });
        if (res.status === 503 || res.status === 429) {
          retries++;
          const text = await res.text();
          if (attempt >= 300) throw new Error(`${url} kept answering ${res.status}: ${text}`);
          await new Promise((r) => setTimeout(r, 100 * Number(res.headers.get('retry-after') ?? 1)));
          continue;
        }
        if (!res.ok) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
        await res.arrayBuffer();
        break;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { seconds: (performance.now() - started) / 1000, retries };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Prints a table: a title, a header, then rows; the first column left-aligned, the others right. */
export function printTable(title: string, header: readonly string[], rows: readonly (readonly string[])[]): void {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  process.stdout.write(`\n${title}\n`);
  for (const r of all)
    process.stdout.write(
      r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('   ') + '\n'
    );
}

/** Prints a table of figures side by side, and with --json the same as one JSON object on the last line. */
export function report(title: string, rows: [string, string, string, string][], json: boolean, figures: object): void {
  printTable(title, ['', 'twin', 'peer', 'twin/peer'], rows);
  if (json) process.stdout.write(JSON.stringify(figures) + '\n');
}
