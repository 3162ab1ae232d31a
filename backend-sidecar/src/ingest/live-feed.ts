import { EventEmitter } from 'node:events';
import type { Sample } from '../core/types.ts';

/** Fan-out of freshly accepted samples to in-process consumers (twin scoring, the terminal view, streams). */
export class LiveFeed {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  publish(samples: readonly Sample[]): void {
    if (samples.length > 0) this.emitter.emit('samples', samples);
  }

  subscribe(listener: (samples: readonly Sample[]) => void): () => void {
    this.emitter.on('samples', listener);
    return () => this.emitter.off('samples', listener);
  }
}
