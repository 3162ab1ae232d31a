import type { LstmTwinOptions } from '../twin/lstm/lstm-metadata.ts';

/** What every evaluation takes from the command line (`npm run eval -- NAME ...`). */
export interface EvalOptions {
  /** Also print the figures as one JSON object on the last line. */
  json: boolean;
  data?: string;
  /** Where the figures are written as JSON (default `var/eval/NAME.json`). */
  out?: string;
  /** Most training epochs of each twin. */
  epochs?: number;
  /** A subset of the data's items (SMD machines; forecast: also NAB files or parts). */
  machines?: string[];
  /** How often the evaluated twin is retrained on its rolling window. */
  retrainMs?: number;
  /** What the evaluated twins score samples against (default: the product's, `TWIN_SCORING`). */
  scoreWith?: 'heads' | 'network';
  /** ... and at which head's horizon. */
  scoreHorizon?: number;
}

/** The twin options an evaluation's scoring flags ask for (none: the product's defaults). */
export function scoringOptions(options: EvalOptions): Partial<LstmTwinOptions> {
  return {
    ...(options.scoreWith ? { scoreWith: options.scoreWith } : {}),
    ...(options.scoreHorizon ? { scoreHorizon: options.scoreHorizon } : {}),
  };
}

/** What the evaluations on a simulated fleet take besides. */
export interface SimulationOptions {
  instances?: number;
  /** Simulated test days. */
  days?: number;
  seed?: number;
}
