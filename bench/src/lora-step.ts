/**
 * One LoRA training step (forward, backward, AdamW) on a stack of frozen linear layers, each with a
 * LoRA adapter: h ← relu(h Wᵀ + b + (alpha/r) · (h Aᵀ) Bᵀ) (no relu after the last), MSE loss.
 * The same weights, batch and update run on peft.js and on TensorFlow.js. Weight decay is 0, where
 * AdamW is Adam, the optimizer TensorFlow.js has.
 */
import * as tf from '@tensorflow/tfjs-core';
// TensorFlow.js registers its gradient functions in its umbrella package (tfjs-core alone has none)
import '@tensorflow/tfjs';
import { AdamW, add, matmul, mseLoss, mul, parameter, relu, setBackend, tensor, tidy, type Tensor } from '@peftjs/core';

export interface LoraStackSpec {
  layers: number;
  dim: number;
  rank: number;
  alpha: number;
  batch: number;
}

export interface LoraStackValues {
  weight: Float32Array[];
  bias: Float32Array[];
  loraA: Float32Array[];
  loraB: Float32Array[];
  x: Float32Array;
  y: Float32Array;
}

export const ADAM = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 };

function uniform(length: number, bound: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 31 - 1) * bound;
  });
}

/**
 * Base weights kaiming-uniform like nn.Linear, A likewise, B small but not zero: an adapter part-way
 * through training, so both A and B get gradients from the first step.
 */
export function loraStackValues(spec: LoraStackSpec): LoraStackValues {
  const { layers, dim, rank, batch } = spec;
  const bound = 1 / Math.sqrt(dim);
  const each = (n: number, b: number, seed: number) => Array.from({ length: layers }, (_, i) => uniform(n, b, seed + 10 * i));
  return {
    weight: each(dim * dim, bound, 1),
    bias: each(dim, bound, 2),
    loraA: each(rank * dim, bound, 3),
    loraB: each(dim * rank, 0.05, 4),
    x: uniform(batch * dim, 1, 5),
    y: uniform(batch * dim, 0.5, 6),
  };
}

/** A prepared training loop: `step()` runs one update and resolves to its loss (read back). */
export interface LoraTrainer {
  step(): Promise<number>;
  dispose(): void;
}

/** peft.js through its public API on the named backend. */
export async function peftLoraTrainer(backend: string, spec: LoraStackSpec, v: LoraStackValues): Promise<LoraTrainer> {
  await setBackend(backend);
  const { dim, rank, batch, layers } = spec;
  const scaling = spec.alpha / spec.rank;
  const constant = (data: Float32Array, shape: number[]) => tensor(data, { shape });
  const weight = v.weight.map((w) => constant(w, [dim, dim]));
  const bias = v.bias.map((b) => constant(b, [dim]));
  const loraA = v.loraA.map((a) => parameter(constant(a, [rank, dim])));
  const loraB = v.loraB.map((b) => parameter(constant(b, [dim, rank])));
  const x = constant(v.x, [batch, dim]);
  const y = constant(v.y, [batch, dim]);
  const optimizer = new AdamW([...loraA, ...loraB], { lr: ADAM.lr, beta1: ADAM.beta1, beta2: ADAM.beta2, eps: ADAM.eps, weightDecay: 0 });
  const forward = (): Tensor => {
    let h = x;
    for (let i = 0; i < layers; i++) {
      const base = add(matmul(h, weight[i], { transposeB: true }), bias[i]);
      const update = matmul(matmul(h, loraA[i], { transposeB: true }), loraB[i], { transposeB: true });
      const out = add(base, mul(update, scaling));
      h = i < layers - 1 ? relu(out) : out;
    }
    return h;
  };
  return {
    async step() {
      const loss = tidy(() => {
        const l = mseLoss(forward(), y);
        optimizer.zeroGrad();
        l.backward();
        optimizer.step();
        return l;
      });
      const value = await loss.item();
      loss.dispose();
      return value;
    },
    dispose() {
      optimizer.zeroGrad();
      for (const t of [...weight, ...bias, ...loraA, ...loraB, x, y]) t.dispose();
    },
  };
}

/** TensorFlow.js on its active backend: A and B are variables, Adam minimises the same loss. */
export function tfjsLoraTrainer(spec: LoraStackSpec, v: LoraStackValues): LoraTrainer {
  const { dim, rank, batch, layers } = spec;
  const scaling = spec.alpha / spec.rank;
  const weight = v.weight.map((w) => tf.tensor2d(w, [dim, dim]));
  const bias = v.bias.map((b) => tf.tensor1d(b));
  const loraA = v.loraA.map((a) => tf.variable(tf.tensor2d(a, [rank, dim])));
  const loraB = v.loraB.map((b) => tf.variable(tf.tensor2d(b, [dim, rank])));
  const x = tf.tensor2d(v.x, [batch, dim]);
  const y = tf.tensor2d(v.y, [batch, dim]);
  const optimizer = tf.train.adam(ADAM.lr, ADAM.beta1, ADAM.beta2, ADAM.eps);
  const loss = (): tf.Scalar => {
    let h: tf.Tensor2D = x;
    for (let i = 0; i < layers; i++) {
      const base = tf.add(tf.matMul(h, weight[i], false, true), bias[i]);
      const update = tf.matMul(tf.matMul(h, loraA[i], false, true), loraB[i], false, true);
      const out = tf.add(base, tf.mul(update, scaling)) as tf.Tensor2D;
      h = i < layers - 1 ? tf.relu(out) : out;
    }
    return tf.losses.meanSquaredError(y, h) as tf.Scalar;
  };
  return {
    async step() {
      const l = optimizer.minimize(loss, true, [...loraA, ...loraB])!;
      const [value] = await l.data();
      l.dispose();
      return value;
    },
    dispose() {
      optimizer.dispose();
      tf.dispose([...weight, ...bias, ...loraA, ...loraB, x, y]);
    },
  };
}
