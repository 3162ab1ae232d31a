import { tf } from './tf-backend.ts';
import type { FeatureMatrix } from '../../features/index.ts';
import type { NetworkShape } from './artifacts.ts';

/**
 * Trains the twin's LSTM with tfjs ops rather than the layers API, on runs of consecutive windows:
 * the 16 windows of a run share all but 31 of their 256 rows, so each row is multiplied by the input
 * kernel once per run (one matrix product for the whole batch) instead of once per window and step;
 * only the recurrent part runs per step. A batch is a few runs from random places, so batches stay
 * well mixed. The maths (gates i, f, c, o; sigmoid and tanh; then the dense layer) is the layers
 * LSTM's, so the weights go back into it unchanged.
 */
export class BlockTrainer {
  readonly variables: tf.Variable[];
  private readonly x: tf.Tensor2D;
  private readonly y: tf.Tensor2D;
  private readonly optimizer: tf.Optimizer;

  constructor(
    matrix: FeatureMatrix,
    targets: Float32Array,
    private readonly shape: NetworkShape,
    initial: tf.Tensor[],
    learningRate: number
  ) {
    this.variables = initial.map((w) => tf.variable(w.clone()));
    this.x = tf.tensor2d(matrix.features, [matrix.rows, matrix.width]);
    this.y = tf.tensor2d(targets, [targets.length / shape.outputs, shape.outputs]);
    this.optimizer = tf.train.adam(learningRate);
  }

  /**
   * The network's output for `runs` of `length` consecutive windows each (run r: windows
   * starts[r]..starts[r]+length-1), in that order. Each run's rows are projected once.
   */
  private forward(starts: readonly number[], length: number): tf.Tensor2D {
    const { window: steps, units } = this.shape;
    const [kernel, recurrent, bias, denseKernel, denseBias] = this.variables as unknown as [
      tf.Tensor2D,
      tf.Tensor2D,
      tf.Tensor1D,
      tf.Tensor2D,
      tf.Tensor1D,
    ];
    const span = length + steps - 1;
    const runs = starts.length;
    const rows =
      runs === 1
        ? this.x.slice([starts[0]!, 0], [span, -1])
        : tf.gather(
            this.x,
            tf.tensor1d(
              starts.flatMap((first) => Array.from({ length: span }, (_, i) => first + i)),
              'int32'
            )
          );
    const projected = tf.reshape(tf.add(tf.matMul(rows, kernel), bias), [runs, span, 4 * units]);
    const count = runs * length;
    let h: tf.Tensor2D = tf.zeros([count, units]);
    let c: tf.Tensor2D = tf.zeros([count, units]);
    for (let s = 0; s < steps; s++) {
      const atStep = tf.reshape(projected.slice([0, s, 0], [runs, length, -1]), [count, 4 * units]);
      const z = tf.add(atStep, tf.matMul(h, recurrent));
      // One sigmoid over all four gates (fewer, larger ops: tfjs's cost here is per op); g takes tanh.
      const [i, f, , o] = tf.split(tf.sigmoid(z), 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      const g = tf.tanh(z.slice([0, 2 * units], [count, units]));
      c = tf.add(tf.mul(f, c), tf.mul(i, g));
      h = tf.mul(o, tf.tanh(c));
    }
    return tf.add(tf.matMul(h, denseKernel), denseBias);
  }

  private loss(starts: readonly number[], length: number): tf.Scalar {
    const targets =
      starts.length === 1
        ? this.y.slice([starts[0]!, 0], [length, -1])
        : tf.gather(
            this.y,
            tf.tensor1d(
              starts.flatMap((first) => Array.from({ length }, (_, i) => first + i)),
              'int32'
            )
          );
    return tf.losses.meanSquaredError(targets, this.forward(starts, length)) as tf.Scalar;
  }

  /**
   * One epoch over windows 0..train-1: runs of `run` consecutive windows in random order, `block`
   * windows (block / run runs) a step of the optimiser; the mean loss.
   */
  async epoch(train: number, block: number, random: () => number, run = 16): Promise<number> {
    const length = Math.min(run, train);
    const starts = Array.from({ length: Math.ceil(train / length) }, (_, k) => Math.min(k * length, train - length));
    for (let k = starts.length - 1; k > 0; k--) {
      const j = Math.floor(random() * (k + 1));
      [starts[k], starts[j]] = [starts[j]!, starts[k]!];
    }
    const perStep = Math.max(1, Math.round(block / length));
    // The losses are summed on the backend and read once an epoch (a read per step would wait for each).
    let total: tf.Scalar = tf.scalar(0);
    let windows = 0;
    for (let k = 0; k < starts.length; k += perStep) {
      const batch = starts.slice(k, k + perStep);
      const cost = this.optimizer.minimize(() => this.loss(batch, length), true, this.variables)!;
      const next = tf.add(total, tf.mul(cost, batch.length * length)) as tf.Scalar;
      tf.dispose([total, cost]);
      total = next;
      windows += batch.length * length;
    }
    const sum = (await total.data())[0]!;
    total.dispose();
    return sum / windows;
  }

  /** The loss over windows first..first+count-1, without training. */
  async evaluate(first: number, count: number): Promise<number> {
    const loss = tf.tidy(() => this.loss([first], count));
    const value = (await loss.data())[0]!;
    loss.dispose();
    return value;
  }

  dispose(): void {
    tf.dispose([this.x, this.y, ...this.variables]);
    this.optimizer.dispose();
  }
}
