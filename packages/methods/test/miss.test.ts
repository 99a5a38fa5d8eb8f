import { tensor, tidy, type Linear, type Tensor } from '@peftjs/core';
import { describe, expect, it } from 'vitest';
import { MissConfig, MissLayer, getPeftModel } from '../src/index.js';
import { goldenCases } from './golden.js';
import { SmallNet, maxAbsDiff, useCpuBackend, values } from './unit.js';

goldenCases(/miss/);

describe('MiSS config', () => {
  it('validates fields and names them', () => {
    expect(() => new MissConfig({ initWeights: 'pissa' as never })).toThrow(
      /MissConfig: initWeights \(init_weights\) must be true, false, 'bat' or 'mini', got "pissa"/,
    );
    expect(() => new MissConfig({ miniR: 0 })).toThrow(/MissConfig: miniR must be >= 1, got 0/);
    expect(() => new MissConfig({ missDropout: -0.1 })).toThrow(/MissConfig: missDropout must be >= 0/);
    expect(new MissConfig({ mini_r: 4, init_weights: 'mini' } as never).toJSON()).toMatchObject({
      peft_type: 'MISS',
      mini_r: 4,
      init_weights: 'mini',
      miss_dropout: 0,
    });
  });
});

describe('MiSS layer', () => {
  useCpuBackend();

  const run = async (m: { forward(x: Tensor): unknown }, x: Tensor) => {
    const y = tidy(() => m.forward(x) as Tensor);
    const v = await values(y);
    y.dispose();
    return v;
  };
  const input = () =>
    tensor(
      Array.from({ length: 16 }, (_, i) => Math.cos(i)),
      { shape: [2, 8], dtype: 'float64' },
    );
  const setBlock = (layer: MissLayer, data: (i: number) => number) => {
    const p = layer.missBlock.at('default');
    const v = tensor(
      Array.from({ length: p.size }, (_, i) => data(i)),
      { shape: p.shape, dtype: 'float64' },
    );
    p.assign(v);
    v.dispose();
  };

  it("'mini' repeats a [r, miniR] block across the outputs: ΔW[o, k] = block[k mod r, o mod miniR]", async () => {
    const peft = getPeftModel(new SmallNet(), new MissConfig({ targetModules: ['up'], r: 3, miniR: 4, initWeights: 'mini' }));
    const layer = peft.getBaseModel().getSubmodule('up') as MissLayer;
    expect(layer.missBlock.at('default').shape).toEqual([3, 4]);
    expect(peft.getNbTrainableParameters().trainable).toBe(12);
    setBlock(layer, (i) => i + 1);
    const delta = layer.deltaWeight('default');
    const d = await values(delta);
    delta.dispose();
    for (let o = 0; o < 12; o++) for (let k = 0; k < 8; k++) expect(d[o * 8 + k]).toBe((k % 3) * 4 + (o % 4) + 1);
    const x = input();
    const out = await run(peft, x);
    await peft.mergeAdapter();
    expect(maxAbsDiff(await run(peft, x), out)).toBeLessThan(1e-13);
    x.dispose();
    peft.dispose();
  });

  it("'bat' merges and unmerges (through (I + B)⁻¹)", async () => {
    const peft = getPeftModel(new SmallNet(), new MissConfig({ targetModules: ['up', 'down'], r: 4, initWeights: 'bat' }));
    for (const name of ['up', 'down']) setBlock(peft.getBaseModel().getSubmodule(name) as MissLayer, (i) => Math.sin(i) / 2);
    const base = (peft.getBaseModel().getSubmodule('up') as MissLayer).baseLayer as Linear;
    const w = await values(base.weight);
    const x = input();
    const out = await run(peft, x);
    await peft.mergeAdapter();
    expect(maxAbsDiff(await run(peft, x), out)).toBeLessThan(1e-13);
    peft.unmergeAdapter();
    expect(maxAbsDiff(await values(base.weight), w)).toBeLessThan(1e-13);
    x.dispose();
    peft.dispose();
  });

  it('drops adapter inputs while training only', async () => {
    const peft = getPeftModel(new SmallNet(), new MissConfig({ targetModules: ['up'], r: 2, missDropout: 0.5 }));
    setBlock(peft.getBaseModel().getSubmodule('up') as MissLayer, (i) => i / 10);
    const x = input();
    const evalOut = await run(peft.eval(), x);
    const trainOut = await run(peft.train(), x);
    expect(maxAbsDiff(trainOut, evalOut)).toBeGreaterThan(1e-3);
    peft.eval();
    await peft.mergeAdapter();
    expect(maxAbsDiff(await run(peft, x), evalOut)).toBeLessThan(1e-13);
    x.dispose();
    peft.dispose();
  });
});
