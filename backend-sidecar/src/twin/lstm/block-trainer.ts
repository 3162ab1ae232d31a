import { tf } from './tf-backend.ts';
import type { FeatureMatrix } from '../../features/index.ts';
import type { NetworkShape } from './artifacts.ts';
import { Recurrence, type RecurrenceShape } from './recurrence.ts';

/** The recurrent half as one op whose gradient the loops of `Recurrence` compute. */
export function recurrenceOp(shape: RecurrenceShape) {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [projected, recurrent] = args as [tf.Tensor, tf.Tensor];
    const run = new Recurrence(shape, projected.dataSync() as Float32Array, recurrent.dataSync() as Float32Array);
    return {
      value: tf.tensor2d(run.forward(), [run.count, shape.units]),
      gradFunc: (dy) => {
        const grads = run.backward((dy as tf.Tensor).dataSync());
        const rows = grads.hidden.length / shape.units;
        const hidden = tf.tensor2d(grads.hidden, [rows, shape.units]);
        const gates = tf.tensor2d(grads.gates, [rows, 4 * shape.units]);
        return [tf.tensor(grads.projected, projected.shape), tf.matMul(hidden, gates, true, false)];
      },
    };
  });
}

/**
 * Trains the twin's LSTM with tfjs ops rather than the layers API, on runs of consecutive windows:
 * the 16 windows of a run share all but 31 of their 256 rows, so each row is multiplied by the input
 * kernel once per run (one matrix product for the whole batch) instead of once per window and step;
 * the recurrent part runs in plain loops (`Recurrence`). A batch is a few runs from random places,
 * so batches stay well mixed. The maths (gates i, f, c, o; sigmoid and tanh; then the dense layer) is the layers
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
    const projected = tf.add(tf.matMul(rows, kernel), bias);
    const h = recurrenceOp({ runs, length, steps, units })(projected, recurrent) as tf.Tensor2D;
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
