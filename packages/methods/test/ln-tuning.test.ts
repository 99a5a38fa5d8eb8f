import { tensor, tidy, type LayerNorm, type Tensor } from '@peftjs/core';
import { describe, expect, it } from 'vitest';
import { LNTuningConfig, LNTuningLayer, getPeftModel, type PeftModel } from '../src/index.js';
import { goldenCases } from './golden.js';
import { SmallNet, maxAbsDiff, useCpuBackend, values } from './unit.js';

goldenCases(/ln_tuning/);

describe('LN tuning config', () => {
  it('has only the fields PEFT has', () => {
    expect(() => new LNTuningConfig({ layersToTransform: [0] } as never)).toThrow(/LNTuningConfig: unknown field layersToTransform/);
    const c = new LNTuningConfig({ target_modules: ['norm'] } as never);
    expect(c.layersPattern).toBeNull();
    expect(Object.keys(c.toJSON()).sort()).toEqual([
      'auto_mapping',
      'base_model_name_or_path',
      'exclude_modules',
      'inference_mode',
      'modules_to_save',
      'peft_type',
      'revision',
      'target_modules',
      'task_type',
    ]);
  });
});

describe('LN tuning layer', () => {
  useCpuBackend();

  const input = () =>
    tensor(
      Array.from({ length: 24 }, (_, i) => Math.sin(i) * 3),
      { shape: [3, 8], dtype: 'float64' },
    );
  const run = async (m: { forward(x: Tensor): unknown }, x: Tensor) => {
    const y = tidy(() => m.forward(x) as Tensor);
    const v = await values(y);
    y.dispose();
    return v;
  };
  /** Sets the copy of adapter `name` to weight = 1 + k·i/10, bias = k/10. */
  const train = (peft: PeftModel, name: string, k: number) => {
    const copy = (peft.getBaseModel().getSubmodule('norm') as LNTuningLayer).lnTuningLayers.at(name) as LayerNorm;
    for (const [t, f] of [
      [copy.weight!, (i: number) => 1 + (k * i) / 10],
      [copy.bias!, () => k / 10],
    ] as const) {
      const v = tensor(
        Array.from({ length: 8 }, (_, i) => f(i)),
        { shape: [8], dtype: 'float64' },
      );
      t.assign(v);
      v.dispose();
    }
  };

  it('runs the trained copy; merging swaps it into the base and unmerging swaps back', async () => {
    const peft = getPeftModel(new SmallNet(), new LNTuningConfig({ targetModules: ['norm'] }));
    expect(peft.getNbTrainableParameters().trainable).toBe(16);
    const layer = peft.getBaseModel().getSubmodule('norm') as LNTuningLayer;
    const base = layer.baseLayer as LayerNorm;
    const x = input();
    const before = await run(peft, x);
    train(peft, 'default', 1);
    const after = await run(peft, x);
    expect(maxAbsDiff(after, before)).toBeGreaterThan(1e-2);
    expect(maxAbsDiff(await peft.disableAdapter(() => run(peft, x)), before)).toBe(0);
    await peft.mergeAdapter();
    expect(await values(base.bias!)).toEqual(new Array(8).fill(0.1));
    expect(await values((layer.lnTuningLayers.at('default') as LayerNorm).bias!)).toEqual(new Array(8).fill(0));
    expect(await run(peft, x)).toEqual(after);
    peft.unmergeAdapter();
    expect(await values(base.bias!)).toEqual(new Array(8).fill(0));
    expect(await run(peft, x)).toEqual(after);
    const model = await peft.mergeAndUnload();
    expect(await run(model, x)).toEqual(after);
    x.dispose();
    model.dispose();
  });

  it('takes one adapter at a time, and a different one per batch row', async () => {
    const peft = getPeftModel(new SmallNet(), new LNTuningConfig({ targetModules: ['norm'] }));
    peft.addAdapter('other', new LNTuningConfig({ targetModules: ['norm'] }));
    train(peft, 'default', 1);
    train(peft, 'other', 2);
    const x = input();
    const first = await run(peft, x);
    peft.setAdapter('other');
    const second = await run(peft, x);
    const base = await peft.disableAdapter(() => run(peft, x));
    peft.eval();
    const y = tidy(() => peft.forwardWithAdapters(['default', 'other', '__base__'], x) as Tensor);
    const mixed = await values(y);
    y.dispose();
    expect(mixed).toEqual([...first.slice(0, 8), ...second.slice(8, 16), ...base.slice(16)]);
    peft.setAdapter(['default', 'other']);
    expect(() => peft.forward(x)).toThrow(/LNTuningLayer: LN tuning runs one adapter at a time, got \[default, other\]/);
    await expect(peft.mergeAdapter()).rejects.toThrow(/LNTuningLayer: LN tuning merges one adapter at a time/);
    x.dispose();
    peft.dispose();
  });
});
