import { add, mul, noGrad, sum, tidy, type DType, type Shape, type Tensor } from '@peftjs/core';
import { inputDType, type InputSpec } from '../util/inputs.js';
import { disposeAll, fromValues, read } from '../util/tensors.js';
import type { OpEntry } from './entry.js';

export interface Output {
  shape: Shape;
  dtype: DType;
  values: Float64Array;
}

/** Makes the entry's inputs on the active backend, float inputs in `float`. */
export function makeInputs(entry: OpEntry, values: readonly Float64Array[], float: DType, withGrad: boolean): Tensor[] {
  return entry.inputs.map((spec, i) => {
    const kind = inputDType(spec);
    const dtype = kind === 'float' ? float : kind;
    return fromValues(values[i], spec.shape, dtype, withGrad && wantsGrad(spec));
  });
}

export function wantsGrad(spec: InputSpec): boolean {
  return inputDType(spec) === 'float' && spec.grad !== false;
}

function asList(out: Tensor | readonly Tensor[]): Tensor[] {
  return Array.isArray(out) ? [...out] : [out as Tensor];
}

/** Runs the entry's function on the active backend and reads its outputs. */
export async function evaluate(entry: OpEntry, values: readonly Float64Array[], float: DType): Promise<Output[]> {
  const inputs = makeInputs(entry, values, float, false);
  let outputs: Tensor[] = [];
  try {
    outputs = noGrad(() => tidy(() => asList(entry.fn(...inputs))));
    const result: Output[] = [];
    for (const o of outputs) result.push({ shape: [...o.shape], dtype: o.dtype, values: await read(o) });
    return result;
  } finally {
    disposeAll(outputs, inputs);
  }
}

/**
 * The gradient of Σ_k ⟨output_k, seed_k⟩ with respect to every input that wants one, by backward
 * on the active backend in `float` (null for other inputs).
 */
export async function analyticGradients(
  entry: OpEntry,
  values: readonly Float64Array[],
  seeds: readonly Float64Array[],
  float: DType,
): Promise<(Float64Array | null)[]> {
  const inputs = makeInputs(entry, values, float, true);
  let outputs: Tensor[] = [];
  const seedTensors: Tensor[] = [];
  try {
    outputs = tidy(() => asList(entry.fn(...inputs)));
    if (outputs.length !== seeds.length) throw new Error(`${entry.name}: ${outputs.length} outputs, expected ${seeds.length}`);
    outputs.forEach((o, k) => {
      if (!o.requiresGrad) throw new Error(`${entry.name}: output ${k} (${o.dtype}) does not require grad; mark the entry grad: false`);
      seedTensors.push(fromValues(seeds[k], o.shape, o.dtype));
    });
    if (outputs.length === 1) {
      outputs[0].backward({ gradient: seedTensors[0] });
    } else {
      const total = tidy(() => outputs.map((o, k) => sum(mul(o, seedTensors[k]))).reduce((a, b) => add(a, b)));
      total.backward();
      total.dispose();
    }
    const grads: (Float64Array | null)[] = [];
    for (let i = 0; i < inputs.length; i++) {
      if (!wantsGrad(entry.inputs[i])) grads.push(null);
      else grads.push(inputs[i].grad ? await read(inputs[i].grad!) : new Float64Array(values[i].length));
    }
    return grads;
  } finally {
    disposeAll(outputs, seedTensors, inputs);
  }
}

/** Σ_k ⟨output_k, seed_k⟩ in float64 arithmetic, from a forward without the graph. */
export async function weightedSum(
  entry: OpEntry,
  values: readonly Float64Array[],
  seeds: readonly Float64Array[],
  float: DType,
): Promise<number> {
  const outputs = await evaluate(entry, values, float);
  let s = 0;
  outputs.forEach((o, k) => {
    for (let j = 0; j < o.values.length; j++) s += o.values[j] * seeds[k][j];
  });
  return s;
}
