import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Lambda, Linear, Sequential, manualSeed, randn, relu, setBackend, tensor } from '@peftjs/core';
import { beforeAll, describe, expect, it } from 'vitest';
import '@peftjs/backend-cpu';

describe('modules', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    await setBackend('cpu');
  });

  it('Linear computes x Wᵀ + b like TensorFlow.js, with PyTorch-style init bounds', async () => {
    manualSeed(7);
    const layer = new Linear(5, 3);
    const x = randn([4, 5]);
    const y = layer.forward(x);
    const w = [...(await layer.weight.data())];
    const b = [...(await layer.bias!.data())];
    const want = tf.add(tf.matMul(tf.tensor2d([...(await x.data())], [4, 5]), tf.tensor2d(w, [3, 5]), false, true), tf.tensor1d(b));
    const got = await y.data();
    want.dataSync().forEach((v, i) => expect(Math.abs(got[i] - v)).toBeLessThan(1e-6));
    expect(Math.max(...w.map(Math.abs), ...b.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(5));
    expect(() => layer.forward(randn([2, 4]))).toThrow('Linear: expected input [..., 5], got [2,4]');
    [x, y].forEach((t) => t.dispose());
    layer.dispose();
  });

  it('names parameters with dotted paths and loads state dicts strictly, all or nothing', async () => {
    const model = new Sequential(new Linear(2, 3), new Lambda(relu), new Linear(3, 1, { bias: false }));
    expect([...model.stateDict().keys()]).toEqual(['0.weight', '0.bias', '2.weight']);
    const before = [...(await model.stateDict().get('0.weight')!.data())];
    const state = {
      '0.weight': tensor([
        [1, 2],
        [3, 4],
        [5, 6],
      ]),
      '0.bias': tensor([1, 1, 1]),
      '2.weight': tensor([[1, 2]]),
    };
    expect(() => model.loadStateDict(state)).toThrow('loadStateDict: 2.weight has shape [1,2], the module expects [1,3]');
    expect([...(await model.stateDict().get('0.weight')!.data())]).toEqual(before);
    expect(() => model.loadStateDict({ '0.weight': state['0.weight'] })).toThrow('missing keys [0.bias, 2.weight]');
    const extra = tensor([0]);
    const report = model.loadStateDict({ '0.weight': state['0.weight'], extra }, { strict: false });
    expect(report).toEqual({ missingKeys: ['0.bias', '2.weight'], unexpectedKeys: ['extra'] });
    expect([...(await model.stateDict().get('0.weight')!.data())]).toEqual([1, 2, 3, 4, 5, 6]);
    [...Object.values(state), extra].forEach((t) => t.dispose());
    model.dispose();
  });
});
