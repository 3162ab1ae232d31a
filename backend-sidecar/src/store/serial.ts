/**
 * Runs tasks one after another: a DuckDB connection runs one statement at a time, and two started
 * together on the same connection fail ("Failed to execute prepared statement").
 */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
