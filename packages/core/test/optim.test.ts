import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { AdamW, SGD, setBackend, tensor, type Optimizer, type Tensor } from '@peftjs/core';
import { beforeAll, describe, expect, it } from 'vitest';
import '@peftjs/backend-cpu';

// The optimizers against TensorFlow.js's own implementations, fed the same gradient sequence.
const STEPS = 25;
const START = [0.5, -1.25, 2, 0.1, -0.3, 1.7];

/** A reproducible gradient per step (independent of the parameters, so both sides see the same). */
function gradients(): number[][] {
  let s = 12345;
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  return Array.from({ length: STEPS }, () => START.map(() => next()));
}

async function ours(make: (p: Tensor) => Optimizer<{ lr: number }>): Promise<number[][]> {
  const p = tensor(START, { requiresGrad: true });
  const optimizer = make(p);
  const trace: number[][] = [];
  for (const g of gradients()) {
    p.grad = tensor(g);
    optimizer.step();
    trace.push([...(await p.data())]);
  }
  optimizer.dispose();
  p.dispose();
  return trace;
}

function theirs(optimizer: tf.Optimizer, beforeStep: (v: tf.Variable) => void = () => {}): number[][] {
  const v = tf.variable(tf.tensor1d(START), true, `p${Math.random()}`);
  const trace: number[][] = [];
  for (const g of gradients()) {
    beforeStep(v);
    optimizer.applyGradients({ [v.name]: tf.tensor1d(g) });
    trace.push([...v.dataSync()]);
  }
  optimizer.dispose();
  v.dispose();
  return trace;
}

function expectClose(got: number[][], want: number[][]): void {
  got.forEach((row, step) =>
    row.forEach((x, i) => expect(Math.abs(x - want[step][i]), `step ${step + 1}, element ${i}`).toBeLessThan(1e-5)),
  );
}

describe('optimizers against TensorFlow.js', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    await setBackend('cpu');
  });

  it('SGD', async () => expectClose(await ours((p) => new SGD([p], { lr: 0.1 })), theirs(tf.train.sgd(0.1))));

  it('SGD with momentum', async () =>
    expectClose(await ours((p) => new SGD([p], { lr: 0.05, momentum: 0.9 })), theirs(tf.train.momentum(0.05, 0.9))));

  it('SGD with Nesterov momentum', async () =>
    expectClose(await ours((p) => new SGD([p], { lr: 0.05, momentum: 0.9, nesterov: true })), theirs(tf.train.momentum(0.05, 0.9, true))));

  it('AdamW without weight decay is Adam', async () =>
    expectClose(await ours((p) => new AdamW([p], { lr: 0.01, weightDecay: 0 })), theirs(tf.train.adam(0.01, 0.9, 0.999, 1e-8))));

  it('AdamW decays the weights before the Adam step (decoupled)', async () => {
    const lr = 0.01;
    const wd = 0.1;
    const decay = (v: tf.Variable) => v.assign(tf.mul(v, 1 - lr * wd));
    expectClose(await ours((p) => new AdamW([p], { lr, weightDecay: wd })), theirs(tf.train.adam(lr, 0.9, 0.999, 1e-8), decay));
  });
});
