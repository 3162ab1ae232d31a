import { median } from '../features/index.ts';
import { TWIN_TRAINING } from './parameters.ts';

export interface DriftOptions {
  /** Observations that set the twin's own level of error once it runs live. */
  baselineSamples?: number;
  /** Weight of each new observation in the running level (about 1 / the samples it averages). */
  alpha?: number;
  /** The running level this many times the baseline is drift. */
  ratio?: number;
}

/**
 * Watches one live twin's prediction error for drift: the instance's normal behaviour moving away
 * from what the twin learnt, as opposed to an incident. The level of error the twin has when it
 * starts is its baseline; when the running level (samples during an incident left out) stays at
 * `ratio` times it, the twin needs retraining.
 */
export class DriftMonitor {
  private readonly baseline: number[] = [];
  private level: number | undefined;
  private flagged = false;
  private readonly baselineSamples: number;
  private readonly alpha: number;
  private readonly ratio: number;

  constructor(options: DriftOptions = {}) {
    this.baselineSamples = options.baselineSamples ?? TWIN_TRAINING.driftBaselineSamples.value;
    this.alpha = options.alpha ?? TWIN_TRAINING.driftAlpha.value;
    this.ratio = options.ratio ?? TWIN_TRAINING.driftRatio.value;
  }

  get baselineLevel(): number | undefined {
    return this.baseline.length >= this.baselineSamples ? median(this.baseline) : undefined;
  }

  get currentLevel(): number | undefined {
    return this.level;
  }

  /** Adds one sample's mean score; true the first time drift is seen. */
  observe(meanScore: number, inIncident: boolean): boolean {
    if (!Number.isFinite(meanScore) || inIncident) return false;
    if (this.baseline.length < this.baselineSamples) {
      this.baseline.push(meanScore);
      if (this.baseline.length === this.baselineSamples) this.level = median(this.baseline);
      return false;
    }
    this.level = this.level! + this.alpha * (meanScore - this.level!);
    if (this.flagged || this.level < this.ratio * this.baselineLevel!) return false;
    this.flagged = true;
    return true;
  }
}
