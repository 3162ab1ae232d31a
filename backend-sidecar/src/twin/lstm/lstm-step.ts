import { dot } from './dot.ts';

/** The trained weights of the twin's network, as plain arrays (tfjs's layout, gates in i, f, c, o order). */
export interface LstmWeights {
  inputs: number;
  units: number;
  outputs: number;
  /** [inputs x 4 units] */
  kernel: Float32Array;
  /** [units x 4 units] */
  recurrent: Float32Array;
  /** [4 units] */
  bias: Float32Array;
  /** [units x outputs] */
  denseKernel: Float32Array;
  /** [outputs] */
  denseBias: Float32Array;
}

/**
 * tanh as a rational function (the minimax fit Eigen uses for float32: within 3e-7 of Math.tanh,
 * below float32's own rounding of the network's activations), clamped where it reaches +-1 in
 * float32. A dozen multiply-adds and one division are cheaper than Math.exp.
 */
const tanh = (v: number) => {
  const x = v > 7.90531110763549805 ? 7.90531110763549805 : v < -7.90531110763549805 ? -7.90531110763549805 : v;
  const x2 = x * x;
  const p =
    x *
    (4.89352455891786e-3 +
      x2 *
        (6.37261928875436e-4 +
          x2 *
            (1.48572235717979e-5 +
              x2 *
                (5.12229709037114e-8 +
                  x2 * (-8.60467152213735e-11 + x2 * (2.00018790482477e-13 + x2 * -2.76076847742355e-16))))));
  const q = 4.89352518554385e-3 + x2 * (2.268434632439e-3 + x2 * (1.18534705686654e-4 + x2 * 1.19825839466702e-6));
  return p / q;
};
const sigmoid = (x: number) => 0.5 + 0.5 * tanh(0.5 * x);

/**
 * The network's forward pass without tfjs: an LSTM over a window of feature rows, then the dense
 * layer, in double precision (tfjs computes in float32; the two agree to about 1e-6). tfjs takes
 * some 4-5 ms for one window; this takes tens of microseconds, which is what makes a prediction
 * for every sample of a whole fleet affordable.
 */
export class LstmPredictor {
  private readonly z: Float64Array;
  private readonly scratch: Float64Array[] = [];
  private readonly h: Float64Array;
  private readonly c: Float64Array;
  // float32 as trained: every instance has its own weights, and half the bytes stay in cache better.
  private readonly kernel: Float32Array;
  /** The recurrent kernel transposed ([4 units x units]) and in double precision: the hottest loop reads it row by row. */
  private readonly recurrentT: Float64Array;
  private readonly bias: Float32Array;
  private readonly denseKernel: Float32Array;
  private readonly denseBias: Float32Array;

  constructor(readonly weights: LstmWeights) {
    ({ kernel: this.kernel, bias: this.bias, denseKernel: this.denseKernel, denseBias: this.denseBias } = weights);
    const g4 = 4 * weights.units;
    this.recurrentT = new Float64Array(g4 * weights.units);
    for (let u = 0; u < weights.units; u++)
      for (let g = 0; g < g4; g++) this.recurrentT[g * weights.units + u] = weights.recurrent[u * g4 + g]!;
    this.z = new Float64Array(4 * weights.units);
    this.h = new Float64Array(weights.units);
    this.c = new Float64Array(weights.units);
  }

  /** The LSTM's hidden state after the last `run` (its final step's). */
  get hidden(): Float64Array {
    return this.h;
  }

  /** x · kernel + bias for one feature row, into `out` (4 units). */
  project(row: ArrayLike<number>, out: Float64Array): Float64Array {
    const { inputs } = this.weights;
    const { kernel, bias } = this;
    const g4 = out.length;
    for (let g = 0; g < g4; g++) out[g] = bias[g]!;
    // Two inputs a pass: half the reads and writes of `out`.
    let f = 0;
    for (; f + 1 < inputs; f += 2) {
      const x0 = row[f]!;
      const x1 = row[f + 1]!;
      if (x0 === 0 && x1 === 0) continue;
      const b0 = f * g4;
      const b1 = b0 + g4;
      for (let g = 0; g < g4; g++) out[g] = out[g]! + x0 * kernel[b0 + g]! + x1 * kernel[b1 + g]!;
    }
    if (f < inputs && row[f] !== 0) {
      const x = row[f]!;
      const base = f * g4;
      for (let g = 0; g < g4; g++) out[g] = out[g]! + x * kernel[base + g]!;
    }
    return out;
  }

  /**
   * Runs the LSTM from a zero state over projected rows, oldest first (`projections(s)` gives step
   * s's x · kernel + bias), and writes the dense layer's output into `out`.
   */
  run(steps: number, projections: (s: number) => Float64Array, out: Float64Array): Float64Array {
    const { units, outputs } = this.weights;
    const { z, h, c, recurrentT, denseKernel, denseBias } = this;
    const g4 = 4 * units;
    h.fill(0);
    c.fill(0);
    for (let s = 0; s < steps; s++) {
      const projected = projections(s);
      // z = projection + h · recurrent, one gate at a time (a dot product kept in a register).
      for (let g = 0; g < g4; g++) {
        z[g] = s > 0 ? projected[g]! + dot(h, 0, recurrentT, g * units, units) : projected[g]!;
      }
      for (let u = 0; u < units; u++) {
        const i = sigmoid(z[u]!);
        const f = sigmoid(z[units + u]!);
        const candidate = tanh(z[2 * units + u]!);
        const o = sigmoid(z[3 * units + u]!);
        const cell = f * c[u]! + i * candidate;
        c[u] = cell;
        h[u] = o * tanh(cell);
      }
    }
    for (let k = 0; k < outputs; k++) out[k] = denseBias[k]!;
    for (let u = 0; u < units; u++) {
      const hu = h[u]!;
      const base = u * outputs;
      for (let k = 0; k < outputs; k++) out[k] = out[k]! + hu * denseKernel[base + k]!;
    }
    return out;
  }

  /** The network's output for one window of rows ([steps x inputs], oldest first). */
  predictWindow(rows: Float32Array | Float64Array, steps: number, out: Float64Array): Float64Array {
    const { inputs, units } = this.weights;
    // Projections go into buffers kept for the next call (calibration runs this for every window).
    while (this.scratch.length < steps) this.scratch.push(new Float64Array(4 * units));
    for (let s = 0; s < steps; s++) this.project(rows.subarray(s * inputs, (s + 1) * inputs), this.scratch[s]!);
    return this.run(steps, (s) => this.scratch[s]!, out);
  }
}

/**
 * One instance's live window: each new feature row is projected once (x · kernel + bias) and kept
 * in a ring of `window` rows, so a prediction only runs the recurrent part.
 */
export class LstmStream {
  private readonly ring: Float64Array[];
  private next = 0;
  private filled = 0;

  constructor(
    private readonly predictor: LstmPredictor,
    readonly window: number
  ) {
    this.ring = Array.from({ length: window }, () => new Float64Array(4 * predictor.weights.units));
  }

  get ready(): boolean {
    return this.filled === this.window;
  }

  /** A stream in the same state that goes on independently. */
  clone(): LstmStream {
    const copy = new LstmStream(this.predictor, this.window);
    this.ring.forEach((r, i) => copy.ring[i]!.set(r));
    copy.next = this.next;
    copy.filled = this.filled;
    return copy;
  }

  push(row: ArrayLike<number>): void {
    this.predictor.project(row, this.ring[this.next]!);
    this.next = (this.next + 1) % this.window;
    if (this.filled < this.window) this.filled++;
  }

  /** The hidden state of the last `predict` (shared with this stream's clones: read it right after predicting). */
  get hidden(): Float64Array {
    return this.predictor.hidden;
  }

  /** The network's output for the last `window` rows (call when `ready`). */
  predict(out: Float64Array): Float64Array {
    const start = this.next; // the oldest row
    return this.predictor.run(this.window, (s) => this.ring[(start + s) % this.window]!, out);
  }
}
