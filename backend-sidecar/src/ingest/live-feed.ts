import { EventEmitter } from 'node:events';
import type { ColumnarBatch } from '../core/columnar.ts';

/** Fan-out of freshly accepted samples to in-process consumers (twin scoring, the terminal view, streams). */
export class LiveFeed {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  publish(batches: readonly ColumnarBatch[]): void {
    if (batches.length > 0) this.emitter.emit('batches', batches);
  }

  subscribe(listener: (batches: readonly ColumnarBatch[]) => void): () => void {
    this.emitter.on('batches', listener);
    return () => this.emitter.off('batches', listener);
  }
}
