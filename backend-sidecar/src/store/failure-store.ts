import { Serial } from './serial.ts';
import { randomUUID } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { FailureEvent } from '../core/types.ts';
import type { EmbeddedDatabase } from './embedded-database.ts';

export type NewFailure = Omit<FailureEvent, 'id'> & { id?: string };

/** Recorded failures (crashes, outages) per instance: the ground truth the failure model learns from. */
export class FailureStore {
  private readonly serial = new Serial();

  private constructor(private readonly connection: DuckDBConnection) {}

  static async open(db: EmbeddedDatabase): Promise<FailureStore> {
    return new FailureStore(await db.connect());
  }

  /** Records a failure; recording the same id twice keeps one. */
  async record(failure: NewFailure): Promise<FailureEvent> {
    const event: FailureEvent = { ...failure, id: failure.id ?? randomUUID() };
    await this.serial.run(() =>
      this.connection.run(
        `INSERT OR IGNORE INTO failures VALUES ($id, $instance, $ts, $kind, $cause, $source, $detail)`,
        {
          id: event.id,
          instance: event.instance,
          ts: BigInt(Math.round(event.ts)),
          kind: event.kind,
          cause: event.cause ?? null,
          source: event.source,
          detail: event.detail ?? null,
        } as never
      )
    );
    return event;
  }

  async list(filter: { instance?: string; from?: number; to?: number } = {}): Promise<FailureEvent[]> {
    const reader = await this.serial.run(() =>
      this.connection.runAndReadAll(
        `SELECT id, instance, ts, kind, cause, source, detail FROM failures
       WHERE ($instance IS NULL OR instance = $instance) AND ts >= $from AND ts < $to ORDER BY ts`,
        {
          instance: filter.instance ?? null,
          from: BigInt(Math.floor(filter.from ?? 0)),
          to: BigInt(Math.ceil(filter.to ?? Number.MAX_SAFE_INTEGER)),
        } as never
      )
    );
    return (reader.getRows() as [string, string, bigint, string, string | null, string, string | null][]).map(
      ([id, instance, ts, kind, cause, source, detail]) => ({
        id,
        instance,
        ts: Number(ts),
        kind: kind as FailureEvent['kind'],
        cause: (cause ?? undefined) as FailureEvent['cause'],
        source,
        detail: detail ?? undefined,
      })
    );
  }

  close(): void {
    this.connection.closeSync();
  }
}
