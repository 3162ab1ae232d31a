/** The kinds of live events subscribers can ask for. */
export const STREAM_KINDS = ['anomaly_score', 'failure_probability', 'anomaly', 'incident'] as const;
export type StreamKind = (typeof STREAM_KINDS)[number];

export interface StreamEvent {
  id: number;
  kind: StreamKind;
  instance: string;
  /** The event serialised once, shared by every subscriber. */
  data: string;
}

export interface StreamFilter {
  instances?: ReadonlySet<string> | undefined;
  kinds?: ReadonlySet<StreamKind> | undefined;
}

/** Where a subscriber's events go; `write` says how many bytes are still waiting to be sent. */
export interface StreamSink {
  write(event: StreamEvent): number;
  /** Ends the subscription from the server's side (a slow client is cut loose). */
  close(reason: string): void;
}

export interface StreamHubOptions {
  /** Events kept for clients that reconnect (Last-Event-ID). */
  replay?: number;
  /** Bytes a client may leave unread before it is cut loose. */
  maxBufferedBytes?: number;
}

interface Subscriber {
  filter: StreamFilter;
  sink: StreamSink;
}

const matches = (f: StreamFilter, e: StreamEvent) =>
  (!f.instances || f.instances.has(e.instance)) && (!f.kinds || f.kinds.has(e.kind));

/**
 * Live events for SSE and WebSocket clients: numbered in order, kept in a bounded ring so that a
 * client reconnecting with the last id it saw gets what it missed, and fanned out to subscribers
 * with filters. A client that does not keep up is cut loose once its unsent bytes pass the bound:
 * it never slows the others or grows the sidecar's memory.
 */
export class StreamHub {
  /** The last `replay` events, oldest at `head` (a circular buffer: a fleet publishes thousands a second). */
  private readonly ring: (StreamEvent | undefined)[];
  private head = 0;
  private size = 0;
  private readonly subscribers = new Set<Subscriber>();
  private nextId = 1;
  private readonly replay: number;
  private readonly maxBufferedBytes: number;
  /** Clients cut loose for falling behind, since start. */
  dropped = 0;

  constructor(options: StreamHubOptions = {}) {
    this.replay = options.replay ?? 10_000;
    this.maxBufferedBytes = options.maxBufferedBytes ?? 1 << 20;
    this.ring = new Array<StreamEvent | undefined>(this.replay);
  }

  private keep(event: StreamEvent): void {
    if (this.replay === 0) return;
    if (this.size < this.replay) this.ring[(this.head + this.size++) % this.replay] = event;
    else {
      this.ring[this.head] = event;
      this.head = (this.head + 1) % this.replay;
    }
  }

  /** The kept events, oldest first. */
  private *kept(): Generator<StreamEvent> {
    for (let k = 0; k < this.size; k++) yield this.ring[(this.head + k) % this.replay]!;
  }

  get clients(): number {
    return this.subscribers.size;
  }

  publish(kind: StreamKind, instance: string, payload: object): void {
    if (this.subscribers.size === 0 && this.replay === 0) return;
    const id = this.nextId++;
    const event: StreamEvent = { id, kind, instance, data: JSON.stringify({ id, kind, instance, ...payload }) };
    this.keep(event);
    for (const s of this.subscribers) if (matches(s.filter, event)) this.deliver(s, event);
  }

  /**
   * Subscribes a sink; with `lastEventId`, first replays the matching events after it that the ring
   * still holds. Returns whether events were missed (the id is older than the ring) and an unsubscribe.
   */
  subscribe(
    filter: StreamFilter,
    sink: StreamSink,
    lastEventId?: number
  ): { missed: boolean; unsubscribe: () => void } {
    const subscriber: Subscriber = { filter, sink };
    let missed = false;
    if (lastEventId !== undefined) {
      const oldest = this.size ? this.ring[this.head]!.id : this.nextId;
      missed = lastEventId + 1 < oldest;
      for (const e of this.kept()) if (e.id > lastEventId && matches(filter, e)) sink.write(e);
    }
    this.subscribers.add(subscriber);
    return { missed, unsubscribe: () => this.subscribers.delete(subscriber) };
  }

  private deliver(s: Subscriber, event: StreamEvent): void {
    const waiting = s.sink.write(event);
    if (waiting > this.maxBufferedBytes) {
      this.subscribers.delete(s);
      this.dropped++;
      s.sink.close(
        `the client fell ${waiting} bytes behind (limit ${this.maxBufferedBytes}); reconnect with Last-Event-ID`
      );
    }
  }
}
