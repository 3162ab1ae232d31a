import { dot } from './dot.ts';

/** Where a batch of windows sits in the projected rows: `runs` runs of `length` consecutive windows. */
export interface RecurrenceShape {
  runs: number;
  /** Windows a run. Window j of run r reads the run's rows j..j+steps-1. */
  length: number;
  steps: number;
  units: number;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const tanh = (x: number) => 2 / (1 + Math.exp(-2 * x)) - 1;

/**
 * The recurrent half of the LSTM for training, forward and backward, in plain loops. tfjs would run
 * a dozen kernels a step for a [64 x 16] state, and its WebAssembly backend copies a tensor's whole
 * buffer for every slice; at this size the work itself is a few microseconds, so the loops are
 * several times cheaper than the ops that would schedule it.
 *
 * `projected` holds x · kernel + bias for every row of every run ([runs x (length + steps - 1) x
 * 4 units], gates i, f, c, o as tfjs orders them); `recurrent` is [units x 4 units]. The forward
 * pass keeps every step's gates for `backward`.
 */
export class Recurrence {
  readonly count: number;
  private readonly span: number;
  private readonly g4: number;
  /** Per step and window: i, f, g (the candidate), o, c, tanh(c), h; steps x count x units each. */
  private readonly saved: Record<'i' | 'f' | 'g' | 'o' | 'c' | 'tc' | 'h', Float64Array>;
  private readonly z: Float64Array;
  /** `recurrent` transposed ([4 units x units]): the forward pass reads it gate by gate. */
  private readonly recurrentT: Float64Array;

  constructor(
    readonly shape: RecurrenceShape,
    private readonly projected: Float32Array,
    private readonly recurrent: Float32Array
  ) {
    this.count = shape.runs * shape.length;
    this.span = shape.length + shape.steps - 1;
    this.g4 = 4 * shape.units;
    const size = shape.steps * this.count * shape.units;
    this.saved = {
      i: new Float64Array(size),
      f: new Float64Array(size),
      g: new Float64Array(size),
      o: new Float64Array(size),
      c: new Float64Array(size),
      tc: new Float64Array(size),
      h: new Float64Array(size),
    };
    this.z = new Float64Array(this.g4);
    this.recurrentT = new Float64Array(recurrent.length);
    for (let u = 0; u < shape.units; u++)
      for (let k = 0; k < this.g4; k++) this.recurrentT[k * shape.units + u] = recurrent[u * this.g4 + k]!;
  }

  /** Row of `projected` that window n reads at step s. */
  private row(n: number, s: number): number {
    const r = Math.floor(n / this.shape.length);
    return r * this.span + (n - r * this.shape.length) + s;
  }

  /** The last hidden state of every window ([count x units]). */
  forward(): Float32Array {
    const { steps, units } = this.shape;
    const { count, g4, z, projected, recurrentT } = this;
    const { i, f, g, o, c, tc, h } = this.saved;
    for (let s = 0; s < steps; s++) {
      const at = s * count * units;
      const before = at - count * units;
      for (let n = 0; n < count; n++) {
        const p = this.row(n, s) * g4;
        if (s === 0) for (let k = 0; k < g4; k++) z[k] = projected[p + k]!;
        else {
          const hAt = before + n * units;
          for (let k = 0; k < g4; k++) z[k] = projected[p + k]! + dot(h, hAt, recurrentT, k * units, units);
        }
        const w = at + n * units;
        for (let u = 0; u < units; u++) {
          const iu = sigmoid(z[u]!);
          const fu = sigmoid(z[units + u]!);
          const gu = tanh(z[2 * units + u]!);
          const ou = sigmoid(z[3 * units + u]!);
          const cu = (s > 0 ? fu * c[before + n * units + u]! : 0) + iu * gu;
          const tcu = tanh(cu);
          i[w + u] = iu;
          f[w + u] = fu;
          g[w + u] = gu;
          o[w + u] = ou;
          c[w + u] = cu;
          tc[w + u] = tcu;
          h[w + u] = ou * tcu;
        }
      }
    }
    return Float32Array.from(h.subarray((steps - 1) * count * units));
  }

  /**
   * Back-propagation through time from the gradient of the last hidden state. Returns the gradient
   * of `projected` (rows shared by overlapping windows accumulate) and, for the gradient of
   * `recurrent` (hidden^T · gates, one matrix product the caller runs natively), the hidden states
   * of steps 0..steps-2 with the gates' gradients of steps 1..steps-1, both [(steps - 1) * count x .].
   */
  backward(dLast: ArrayLike<number>): { projected: Float32Array; hidden: Float32Array; gates: Float32Array } {
    const { steps, units } = this.shape;
    const { count, g4, recurrent } = this;
    const { i, f, g, o, c, tc, h } = this.saved;
    const dProjected = new Float32Array(this.projected.length);
    const cu0 = count * units;
    const dGates = new Float32Array((steps - 1) * count * g4);
    let dh = Float64Array.from(dLast as ArrayLike<number>);
    let dhBefore = new Float64Array(cu0);
    const dc = new Float64Array(cu0);
    const dz = new Float64Array(g4);
    for (let s = steps - 1; s >= 0; s--) {
      const at = s * cu0;
      const before = at - cu0;
      for (let n = 0; n < count; n++) {
        const w = at + n * units;
        for (let u = 0; u < units; u++) {
          const dhu = dh[n * units + u]!;
          const ou = o[w + u]!;
          const tcu = tc[w + u]!;
          const dcu = dc[n * units + u]! + dhu * ou * (1 - tcu * tcu);
          const iu = i[w + u]!;
          const fu = f[w + u]!;
          const gu = g[w + u]!;
          const cBefore = s > 0 ? c[before + n * units + u]! : 0;
          dz[u] = dcu * gu * iu * (1 - iu);
          dz[units + u] = dcu * cBefore * fu * (1 - fu);
          dz[2 * units + u] = dcu * iu * (1 - gu * gu);
          dz[3 * units + u] = dhu * tcu * ou * (1 - ou);
          dc[n * units + u] = dcu * fu;
        }
        const p = this.row(n, s) * g4;
        for (let k = 0; k < g4; k++) dProjected[p + k] = dProjected[p + k]! + dz[k]!;
        if (s === 0) continue;
        dGates.set(dz, ((s - 1) * count + n) * g4);
        for (let u = 0; u < units; u++) {
          const base = u * g4;
          let back = 0;
          for (let k = 0; k < g4; k++) back += dz[k]! * recurrent[base + k]!;
          dhBefore[n * units + u] = back;
        }
      }
      [dh, dhBefore] = [dhBefore, dh];
    }
    return { projected: dProjected, hidden: Float32Array.from(h.subarray(0, (steps - 1) * cu0)), gates: dGates };
  }
}
