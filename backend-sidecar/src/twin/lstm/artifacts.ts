import { createHash } from 'node:crypto';
import type { LstmWeights } from './lstm-step.ts';

/** The twin's network: an LSTM over the last `window` feature rows, then a dense layer. */
export interface NetworkShape {
  window: number;
  units: number;
  inputs: number;
  outputs: number;
}

/** tfjs's own serialisation of a trained model (layers format), as stored beside the metadata. */
export interface NetworkArtifacts {
  modelTopology: object;
  weightSpecs: { name: string; shape: number[]; dtype: string; quantization?: unknown }[];
  weightData: ArrayBuffer;
}

export function checksumOf(artifacts: NetworkArtifacts): string {
  return createHash('sha256').update(new Uint8Array(artifacts.weightData)).digest('hex');
}

/**
 * Plain weights from stored artifacts (what inference loads), read straight from tfjs's weight
 * file layout (float32 tensors one after the other, in manifest order) without loading tfjs.
 */
export function weightsFromArtifacts(artifacts: NetworkArtifacts, shape: NetworkShape): LstmWeights {
  let offset = 0;
  const tensors = artifacts.weightSpecs.map((spec) => {
    if (spec.dtype !== 'float32' || spec.quantization)
      throw new Error(`weight ${spec.name}: ${spec.dtype} is not supported`);
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(artifacts.weightData.slice(offset, offset + 4 * size));
    offset += 4 * size;
    return data;
  });
  if (offset !== artifacts.weightData.byteLength) throw new Error('the weight file does not match its manifest');
  const [kernel, recurrent, bias, denseKernel, denseBias] = tensors;
  const expect = [
    shape.inputs * 4 * shape.units,
    shape.units * 4 * shape.units,
    4 * shape.units,
    shape.units * shape.outputs,
    shape.outputs,
  ];
  tensors.forEach((t, i) => {
    if (t.length !== expect[i])
      throw new Error(`weight ${artifacts.weightSpecs[i]!.name} has ${t.length} values, expected ${expect[i]}`);
  });
  return {
    inputs: shape.inputs,
    units: shape.units,
    outputs: shape.outputs,
    kernel: kernel!,
    recurrent: recurrent!,
    bias: bias!,
    denseKernel: denseKernel!,
    denseBias: denseBias!,
  };
}
