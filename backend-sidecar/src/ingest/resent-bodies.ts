import { createHash } from 'node:crypto';

/**
 * The bodies of the last acknowledged writes, by digest: a client that resends a batch whose
 * answer it never got (Telegraf and Prometheus retry a batch as it was) is acknowledged again and
 * nothing is stored twice. Only bodies whose every point carries its own time are remembered: the
 * same body sent twice without times is two sets of points. Rebuilt on recovery from the log's
 * records, so a resend after the sidecar was killed is caught too.
 */
export class ResentBodies {
  private readonly digests = new Set<string>();

  /** `capacity` bodies are remembered, the oldest forgotten first: retries come within seconds. */
  constructor(private readonly capacity = 100_000) {}

  static digest(kind: string, ...parts: (Buffer | string)[]): string {
    const hash = createHash('sha256').update(kind).update('\0');
    for (const part of parts) hash.update(part);
    return hash.digest('base64');
  }

  has(digest: string): boolean {
    return this.digests.has(digest);
  }

  add(digest: string): void {
    this.digests.delete(digest);
    this.digests.add(digest);
    if (this.digests.size > this.capacity) this.digests.delete(this.digests.values().next().value!);
  }
}
