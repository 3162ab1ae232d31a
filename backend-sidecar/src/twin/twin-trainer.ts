import { EventEmitter } from 'node:events';
import type { MetricStore } from '../store/index.ts';
import { trainTwinModel, type TwinModel } from './baseline-model.ts';
import type { ModelRegistry } from './model-registry.ts';

export interface TrainerOptions {
  windowMs: number;
  minHistoryMs: number;
  retrainIntervalMs: number;
  /** Most points a training window is read at (the resolution follows from it). */
  maxPoints?: number;
}

export interface InstanceHistory {
  id: string;
  firstSeen: number;
  lastSeen: number;
}

export interface TrainerEvents {
  progress: [{ instance: string; fraction: number; version: string }];
  trained: [{ instance: string; model: TwinModel }];
  failed: [{ instance: string; error: Error }];
}

/**
 * Decides which instances need a (new) twin and trains them one at a time: the first twin once an
 * instance has enough history, then a fresh version on the retraining schedule.
 */
export class TwinTrainer extends EventEmitter<TrainerEvents> {
  private running: Promise<number> | undefined;
  private stopped = false;
  private readonly lastAttempt = new Map<string, number>();

  constructor(
    private readonly store: MetricStore,
    private readonly models: ModelRegistry,
    private readonly options: TrainerOptions
  ) {
    super();
  }

  /** Instances due for training now, most overdue first. */
  due(instances: readonly InstanceHistory[], now: number): InstanceHistory[] {
    return instances.filter((inst) => {
      const champion = this.models.champion(inst.id);
      const history = inst.lastSeen - inst.firstSeen;
      if (now - (this.lastAttempt.get(inst.id) ?? 0) < 60_000) return false;
      if (!champion) return history >= this.options.minHistoryMs;
      return now - champion.createdAt >= this.options.retrainIntervalMs;
    });
  }

  /** How long until an instance without a twin has enough history for one. */
  readyIn(inst: InstanceHistory): number {
    return Math.max(0, this.options.minHistoryMs - (inst.lastSeen - inst.firstSeen));
  }

  runDue(instances: readonly InstanceHistory[], now = Date.now()): Promise<number> {
    if (this.running || this.stopped) return Promise.resolve(0);
    this.running = this.trainDue(instances, now).finally(() => (this.running = undefined));
    return this.running;
  }

  /** Lets the job in progress finish and starts no other. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async trainDue(instances: readonly InstanceHistory[], now: number): Promise<number> {
    let trained = 0;
    for (const inst of this.due(instances, now)) {
      if (this.stopped) break;
      this.lastAttempt.set(inst.id, Date.now());
      try {
        await this.train(inst.id, Date.now());
        trained++;
      } catch (error) {
        this.emit('failed', { instance: inst.id, error: error as Error });
      }
    }
    return trained;
  }

  async train(instance: string, now: number): Promise<TwinModel> {
    const from = now - this.options.windowMs;
    const maxPoints = this.options.maxPoints ?? 20_000;
    const stepMs = Math.max(1000, Math.ceil(this.options.windowMs / maxPoints / 1000) * 1000);
    const version = await this.models.nextVersion(instance);
    this.emit('progress', { instance, fraction: 0, version });
    const window = await this.store.readWindow(instance, { from, to: now, stepMs });
    if (window.ts.length < 30) throw new Error(`only ${window.ts.length} points of history for ${instance}`);
    const parent = this.models.champion(instance)?.version;
    const model = await trainTwinModel(
      instance,
      version,
      window,
      stepMs,
      (fraction) => this.emit('progress', { instance, fraction: 0.05 + 0.9 * fraction, version }),
      parent
    );
    await this.models.publish(model);
    this.emit('progress', { instance, fraction: 1, version });
    this.emit('trained', { instance, model });
    return model;
  }
}
