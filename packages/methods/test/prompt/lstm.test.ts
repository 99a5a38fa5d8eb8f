import '@peftjs/backend-cpu';
import { manualSeed, memory, noGrad, setBackend, tensor, type Tensor } from '@peftjs/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { LSTM } from '../../src/p-tuning/lstm.js';
import { PromptEncoder } from '../../src/p-tuning/prompt-encoder.js';

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** One LSTM step of PyTorch's documented equations, scalars (input 1, hidden 1). */
function step(x: number, h: number, c: number, w: { ih: number[]; hh: number[]; b: number[] }): [number, number] {
  const z = [0, 1, 2, 3].map((k) => w.ih[k] * x + w.hh[k] * h + w.b[k]);
  const cNext = sigmoid(z[1]) * c + sigmoid(z[0]) * Math.tanh(z[2]);
  return [sigmoid(z[3]) * Math.tanh(cNext), cNext];
}

function set(lstm: LSTM, name: string, values: number[]): void {
  const p = lstm.stateDict().get(name)!;
  noGrad(() => {
    const t = tensor(values, { shape: p.shape, dtype: 'float64' });
    p.assign(t);
    t.dispose();
  });
}

describe('LSTM (P-tuning lstm_head)', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  it("has PyTorch's parameter names and shapes", () => {
    const lstm = new LSTM(6, 4, { numLayers: 2, bidirectional: true });
    expect(Object.fromEntries([...lstm.stateDict()].map(([k, t]) => [k, t.shape]))).toEqual({
      weight_ih_l0: [16, 6],
      weight_hh_l0: [16, 4],
      bias_ih_l0: [16],
      bias_hh_l0: [16],
      weight_ih_l0_reverse: [16, 6],
      weight_hh_l0_reverse: [16, 4],
      bias_ih_l0_reverse: [16],
      bias_hh_l0_reverse: [16],
      weight_ih_l1: [16, 8],
      weight_hh_l1: [16, 4],
      bias_ih_l1: [16],
      bias_hh_l1: [16],
      weight_ih_l1_reverse: [16, 8],
      weight_hh_l1_reverse: [16, 4],
      bias_ih_l1_reverse: [16],
      bias_hh_l1_reverse: [16],
    });
    const enc = new PromptEncoder({
      numVirtualTokens: 3,
      tokenDim: 6,
      encoderHiddenSize: 4,
      encoderReparameterizationType: 'LSTM',
      encoderNumLayers: 1,
    });
    expect([...enc.stateDict().keys()].filter((k) => !k.startsWith('lstm_head.'))).toEqual([
      'embedding.weight',
      'mlp_head.0.weight',
      'mlp_head.0.bias',
      'mlp_head.2.weight',
      'mlp_head.2.bias',
    ]);
    expect(enc.stateDict().get('mlp_head.0.weight')!.shape).toEqual([8, 8]);
    expect(() => new PromptEncoder({ numVirtualTokens: 3, tokenDim: 6, encoderReparameterizationType: 'GRU' as never })).toThrow(
      `PromptEncoder: encoder_reparameterization_type must be 'MLP' or 'LSTM', got "GRU"`,
    );
    lstm.dispose();
    enc.dispose();
  });

  it("follows PyTorch's equations step by step in both directions (scalar LSTM, hand-set weights)", async () => {
    manualSeed(1);
    const lstm = new LSTM(1, 1, { bidirectional: true, dtype: 'float64' });
    const fwd = { ih: [0.5, -0.3, 0.8, 0.1], hh: [0.2, 0.4, -0.6, 0.7], b: [0.05, 0.3, -0.1, 0.2] };
    const rev = { ih: [-0.4, 0.6, 0.3, -0.2], hh: [0.1, -0.5, 0.9, 0.3], b: [0.1, -0.2, 0.15, 0.05] };
    for (const [w, suffix] of [
      [fwd, '_l0'],
      [rev, '_l0_reverse'],
    ] as const) {
      set(lstm, `weight_ih${suffix}`, w.ih);
      set(lstm, `weight_hh${suffix}`, w.hh);
      set(lstm, `bias_ih${suffix}`, w.b);
      set(lstm, `bias_hh${suffix}`, [0, 0, 0, 0]);
    }
    const xs = [1.5, -0.7, 0.3];
    const before = memory().numTensors;
    const x = tensor(xs, { shape: [1, 3, 1], dtype: 'float64' });
    const out: Tensor = lstm.forward(x);
    expect(out.shape).toEqual([1, 3, 2]);
    const got = await out.data();
    let [h, c] = [0, 0];
    const forward = xs.map((v) => ([h, c] = step(v, h, c, fwd))[0]);
    [h, c] = [0, 0];
    const backward = [...xs]
      .reverse()
      .map((v) => ([h, c] = step(v, h, c, rev))[0])
      .reverse();
    for (let t = 0; t < 3; t++) {
      expect(got[2 * t]).toBeCloseTo(forward[t], 14);
      expect(got[2 * t + 1]).toBeCloseTo(backward[t], 14);
    }
    x.dispose();
    out.dispose();
    expect(memory().numTensors).toBe(before);
    lstm.dispose();
  });
});
