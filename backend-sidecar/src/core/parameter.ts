/**
 * Where a tuned number's value came from: reasoning alone, a measurement of speed or memory on
 * this machine, or a choice made by scoring evaluation data (named, so a reader knows which
 * figures are in-sample).
 */
export type ParameterBasis = 'first principles' | 'measured' | 'chosen on data';

export interface Parameter<T = number> {
  readonly value: T;
  /** `ms`, `points`, `share` (0..1), `ratio`, `score`, `count`, `rows`, ... */
  readonly unit: string;
  /** What it does, in a sentence. */
  readonly what: string;
  readonly basis: ParameterBasis;
  /** Why this value: the reasoning, the measurement, or the data and figures that chose it. */
  readonly source: string;
}

export type ParameterRecord = Record<string, Parameter<unknown>>;

const registers = new Map<string, ParameterRecord>();

/** Declares one stage's register of tuned numbers; every register is listed in docs/parameters.md. */
export function parameterRegister<T extends ParameterRecord>(name: string, record: T): T {
  registers.set(name, record);
  return record;
}

/** Every register declared by the modules loaded so far, by name. */
export function parameterRegisters(): ReadonlyMap<string, ParameterRecord> {
  return registers;
}
