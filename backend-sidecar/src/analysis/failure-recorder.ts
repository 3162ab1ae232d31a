import type { FailureEvent } from '../core/types.ts';
import type { FailureStore, NewFailure } from '../store/index.ts';
import type { FailureAnalysis } from './failure-analysis.ts';

export interface FailureRecorderOptions {
  /** Ends the instance's open anomaly (what follows a failure is a new story). */
  closeAnomaly: (instance: string) => void;
  /** Tells the other API nodes, when there are several. */
  share?: (event: FailureEvent) => Promise<void>;
  recorded?: (event: FailureEvent) => void;
}

/** Records failures (from the API, reports or the fleet bus): stored, and learnt from by the failure analysis. */
export class FailureRecorder {
  constructor(
    readonly store: FailureStore,
    private readonly analysis: FailureAnalysis,
    private readonly options: FailureRecorderOptions
  ) {}

  /** Records a failure on this node and, when there are several, on every API node. */
  async record(failure: NewFailure): Promise<FailureEvent> {
    const event = await this.apply(failure);
    await this.options.share?.(event);
    return event;
  }

  /** Records a failure on this node only (one another node recorded and shared). */
  async apply(failure: NewFailure): Promise<FailureEvent> {
    const event = await this.store.record(failure);
    this.analysis.forgetTrends(event.instance);
    this.options.closeAnomaly(event.instance);
    this.analysis.learnFailure(event);
    this.options.recorded?.(event);
    return event;
  }

  list(filter?: Parameters<FailureStore['list']>[0]): Promise<FailureEvent[]> {
    return this.store.list(filter);
  }
}
