import { tf } from './tf-backend.ts';
import type { FeatureMatrix } from '../../features/index.ts';
import type { NetworkShape } from './artifacts.ts';

/**
 * One training pass of the twin's LSTM over consecutive windows, written with tfjs ops rather than
 * the layers API: windows j..j+B-1 of a block share all but B+L-1 of their B*L rows, so each row is
 * multiplied by the input kernel once per block (one matrix product) instead of once per window and
 * step; only the recurrent part runs per step. The maths (gates i, f, c, o; sigmoid and tanh; then
 * the dense layer) is the layers LSTM's, so the weights go back into it unchanged.
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

  /** The network's output for windows first..first+count-1 (rows first..first+count+window-2). */
  private forward(first: number, count: number): tf.Tensor2D {
    const { window: steps, units } = this.shape;
    const [kernel, recurrent, bias, denseKernel, denseBias] = this.variables as unknown as [
      tf.Tensor2D,
      tf.Tensor2D,
      tf.Tensor1D,
      tf.Tensor2D,
      tf.Tensor1D,
    ];
    const rows = this.x.slice([first, 0], [count + steps - 1, -1]);
    const projected = tf.add(tf.matMul(rows, kernel), bias);
    let h: tf.Tensor2D = tf.zeros([count, units]);
    let c: tf.Tensor2D = tf.zeros([count, units]);
    for (let s = 0; s < steps; s++) {
      const z = tf.add(projected.slice([s, 0], [count, -1]), tf.matMul(h, recurrent));
      // One sigmoid over all four gates (fewer, larger ops: tfjs's cost here is per op); g takes tanh.
      const [i, f, , o] = tf.split(tf.sigmoid(z), 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      const g = tf.tanh(z.slice([0, 2 * units], [count, units]));
      c = tf.add(tf.mul(f, c), tf.mul(i, g));
      h = tf.mul(o, tf.tanh(c));
    }
    return tf.add(tf.matMul(h, denseKernel), denseBias);
  }

  private loss(first: number, count: number): tf.Scalar {
    return tf.losses.meanSquaredError(this.y.slice([first, 0], [count, -1]), this.forward(first, count)) as tf.Scalar;
  }

  /** One epoch over windows 0..train-1 in blocks of `block` consecutive windows, blocks in random order; the mean loss. */
  async epoch(train: number, block: number, random: () => number): Promise<number> {
    const starts = Array.from({ length: Math.ceil(train / block) }, (_, k) => k * block);
    for (let k = starts.length - 1; k > 0; k--) {
      const j = Math.floor(random() * (k + 1));
      [starts[k], starts[j]] = [starts[j]!, starts[k]!];
    }
    // The losses are summed on the backend and read once an epoch (a read per block would wait for each).
    let total: tf.Scalar = tf.scalar(0);
    for (const first of starts) {
      const count = Math.min(block, train - first);
      const cost = this.optimizer.minimize(() => this.loss(first, count), true, this.variables)!;
      const next = tf.add(total, tf.mul(cost, count)) as tf.Scalar;
      tf.dispose([total, cost]);
      total = next;
    }
    const sum = (await total.data())[0]!;
    total.dispose();
    return sum / train;
  }

  /** The loss over windows first..first+count-1, without training. */
  async evaluate(first: number, count: number): Promise<number> {
    const loss = tf.tidy(() => this.loss(first, count));
    const value = (await loss.data())[0]!;
    loss.dispose();
    return value;
  }

  dispose(): void {
    tf.dispose([this.x, this.y, ...this.variables]);
    this.optimizer.dispose();
  }
}
