import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensorflow, tf } from './tf-backend.ts';
import { recurrenceOp } from './block-trainer.ts';
import type { RecurrenceShape } from './recurrence.ts';

/** The same recurrence written with tfjs ops, differentiated by tfjs itself: the reference. */
function reference(shape: RecurrenceShape, projected: tf.Tensor2D, recurrent: tf.Tensor2D): tf.Tensor2D {
  const { runs, length, steps, units } = shape;
  const span = length + steps - 1;
  const byRun = tf.reshape(projected, [runs, span, 4 * units]);
  const count = runs * length;
  let h: tf.Tensor2D = tf.zeros([count, units]);
  let c: tf.Tensor2D = tf.zeros([count, units]);
  for (let s = 0; s < steps; s++) {
    const z = tf.add(
      tf.reshape(byRun.slice([0, s, 0], [runs, length, -1]), [count, 4 * units]),
      tf.matMul(h, recurrent)
    );
    const [zi, zf, zg, zo] = tf.split(z, 4, 1);
    c = tf.add(tf.mul(tf.sigmoid(zf!), c), tf.mul(tf.sigmoid(zi!), tf.tanh(zg!)));
    h = tf.mul(tf.sigmoid(zo!), tf.tanh(c));
  }
  return h;
}

test('the recurrence in loops gives the values and gradients that tfjs computes for the same maths', async () => {
  await tensorflow();
  const shape: RecurrenceShape = { runs: 3, length: 5, steps: 6, units: 4 };
  const rows = shape.runs * (shape.length + shape.steps - 1);
  let seed = 7;
  const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 2;
  const projected = tf.tensor2d(Float32Array.from({ length: rows * 16 }, random), [rows, 16]);
  const recurrent = tf.tensor2d(Float32Array.from({ length: 4 * 16 }, random), [4, 16]);
  // A loss that weighs every hidden unit of every window differently, so each gradient entry counts.
  const weights = tf.tensor2d(Float32Array.from({ length: 15 * 4 }, random), [15, 4]);
  const loss = (f: (p: tf.Tensor2D, r: tf.Tensor2D) => tf.Tensor2D) => (p: tf.Tensor, r: tf.Tensor) =>
    tf.sum(tf.mul(f(p as tf.Tensor2D, r as tf.Tensor2D), weights));
  const op = recurrenceOp(shape);
  const ours = tf.valueAndGrads(loss((p, r) => op(p, r) as tf.Tensor2D))([projected, recurrent]);
  const theirs = tf.valueAndGrads(loss((p, r) => reference(shape, p, r)))([projected, recurrent]);
  const close = (a: tf.Tensor, b: tf.Tensor, what: string) => {
    const [x, y] = [a.dataSync(), b.dataSync()];
    assert.equal(x.length, y.length);
    let worst = 0;
    for (let k = 0; k < x.length; k++) worst = Math.max(worst, Math.abs(x[k]! - y[k]!));
    assert.ok(worst < 1e-5, `${what}: largest difference ${worst}`);
  };
  close(ours.value, theirs.value, 'loss');
  close(ours.grads[0]!, theirs.grads[0]!, 'gradient of the projected rows');
  close(ours.grads[1]!, theirs.grads[1]!, 'gradient of the recurrent kernel');
  assert.ok(Math.abs(theirs.grads[1]!.sum().dataSync()[0]!) > 1e-3, 'the gradients are not trivially zero');
});
