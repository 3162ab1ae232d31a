import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

const SCHEMA = [
  // One row per series (instance, metric); points refer to it by id, so an append is three numbers.
  `CREATE TABLE IF NOT EXISTS series (sid INTEGER PRIMARY KEY, instance VARCHAR NOT NULL, metric VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS points (sid INTEGER NOT NULL, ts BIGINT NOT NULL, value DOUBLE NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS points_5m (sid INTEGER NOT NULL, ts BIGINT NOT NULL, avg DOUBLE NOT NULL, min DOUBLE NOT NULL, max DOUBLE NOT NULL, count BIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS instances (id VARCHAR PRIMARY KEY, labels VARCHAR NOT NULL, first_seen BIGINT NOT NULL, last_seen BIGINT NOT NULL, samples BIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS wal_state (id INTEGER PRIMARY KEY, applied_seq BIGINT NOT NULL)`,
  `INSERT OR IGNORE INTO wal_state VALUES (1, 0)`,
  `CREATE TABLE IF NOT EXISTS failures (id VARCHAR PRIMARY KEY, instance VARCHAR NOT NULL, ts BIGINT NOT NULL, kind VARCHAR NOT NULL, cause VARCHAR, source VARCHAR NOT NULL, detail VARCHAR)`,
];

/**
 * The embedded DuckDB database file that holds metrics, the instance registry and failure events
 * when no external store is configured. Each store opens its own connection on it.
 */
export class EmbeddedDatabase {
  private constructor(
    private readonly instance: DuckDBInstance,
    readonly file: string
  ) {}

  static async open(dataDir: string): Promise<EmbeddedDatabase> {
    fs.mkdirSync(dataDir, { recursive: true });
    const file = path.join(dataDir, 'twin.duckdb');
    const instance = await DuckDBInstance.create(file, { threads: '2' });
    const db = new EmbeddedDatabase(instance, file);
    const connection = await db.connect();
    for (const statement of SCHEMA) await connection.run(statement);
    connection.closeSync();
    return db;
  }

  connect(): Promise<DuckDBConnection> {
    return this.instance.connect();
  }

  async checkpoint(): Promise<void> {
    const connection = await this.connect();
    await connection.run('CHECKPOINT');
    connection.closeSync();
  }

  close(): void {
    this.instance.closeSync();
  }
}
