import { Conv1D, Linear, Module, manualSeed, memory, readSafetensors, tensor, tidy, type Tensor } from '@peftjs/core';
import { locateGoldenDir } from '@peftjs/conformance';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VeraConfig, getPeftModel, parseAdapterFiles, peftModelFromFiles, saveAdapterFiles, veraProjections } from '../src/index.js';
import { maxAbsDiff, useCpuBackend } from './cpu.js';
import { goldenCases } from './golden.js';

goldenCases(/vera/);

class Net extends Module {
  constructor() {
    super();
    this.registerModule('fc', new Linear(8, 6));
    this.registerModule('wide', new Linear(6, 12));
    this.registerModule('c', new Conv1D(4, 12));
  }
  forward(x: Tensor): Tensor {
    const h = this.child<Linear>('fc').forward(x);
    return this.child<Conv1D>('c').forward(this.child<Linear>('wide').forward(h));
  }
}

describe('VeRA', () => {
  useCpuBackend();

  it("replays PyTorch's generator: vera_A and vera_B equal PEFT's for projection_prng_key 0", async () => {
    const { dir } = await locateGoldenDir();
    const file = readSafetensors(await readFile(join(dir, 'peft/vera/peft_state.safetensors'))).tensors;
    const { a, b } = veraProjections(0, 4, 16, 32, 'float32');
    expect(Array.from(await a.data())).toEqual(Array.from(file.get('base_model.vera_A.default')!.data as Float32Array));
    expect(Array.from(await b.data())).toEqual(Array.from(file.get('base_model.vera_B.default')!.data as Float32Array));
    a.dispose();
    b.dispose();
  });

  it('config: PEFT 0.18.1 defaults, no exclude_modules; bias other than none is refused by name', () => {
    const json = new VeraConfig({ targetModules: ['q'] }).toJSON();
    expect(json).toMatchObject({
      r: 256,
      projection_prng_key: 0,
      save_projection: true,
      vera_dropout: 0,
      d_initial: 0.1,
      bias: 'none',
      init_weights: true,
    });
    expect('exclude_modules' in json).toBe(false);
    expect(() => new VeraConfig({ bias: 'all' })).toThrow(/VeraConfig: bias is not supported by peft.js/);
    expect(() => new VeraConfig({ r: 0 })).toThrow(/VeraConfig: r must be >= 1/);
  });

  it('shares one projection pair sized to the largest target (Linear and Conv1D), and slices it per layer', async () => {
    manualSeed(3);
    const start = memory().numTensors;
    const peft = getPeftModel(new Net(), new VeraConfig({ r: 2, targetModules: ['fc', 'wide', 'c'], initWeights: false }));
    const shared = [...peft.namedParameters()].filter(([, p]) => p.requiresGrad).map(([n, p]) => `${n} ${JSON.stringify(p.shape)}`);
    expect(shared.sort()).toEqual([
      'base_model.model.c.vera_lambda_b.default [4]',
      'base_model.model.c.vera_lambda_d.default [2]',
      'base_model.model.fc.vera_lambda_b.default [6]',
      'base_model.model.fc.vera_lambda_d.default [2]',
      'base_model.model.wide.vera_lambda_b.default [12]',
      'base_model.model.wide.vera_lambda_d.default [2]',
    ]);
    const state = peft.stateDict();
    expect(state.get('base_model.vera_A.default')!.shape).toEqual([2, 12]);
    expect(state.get('base_model.vera_B.default')!.shape).toEqual([12, 2]);
    // merging (Conv1D's weight is [in, out]) gives the adapter's output
    const x = tensor(
      Array.from({ length: 16 }, (_, i) => Math.cos(i)),
      { shape: [2, 8] },
    );
    const y = tidy(() => peft.forward(x) as Tensor);
    await peft.mergeAdapter();
    const merged = tidy(() => peft.forward(x) as Tensor);
    expect(await maxAbsDiff(merged, y)).toBeLessThan(1e-5);
    for (const t of [x, y, merged]) t.dispose();
    // unloading frees the shared projections with the layers
    const model = await peft.mergeAndUnload();
    model.dispose();
    expect(memory().numTensors).toBe(start);
  });

  it('without save_projection the file holds only the vectors, and loading makes the projections again', async () => {
    manualSeed(4);
    const peft = getPeftModel(
      new Net(),
      new VeraConfig({ r: 2, targetModules: ['fc'], initWeights: false, saveProjection: false, projectionPrngKey: 11 }),
    );
    const files = await saveAdapterFiles(peft);
    const parsed = parseAdapterFiles(files);
    expect([...parsed.state.keys()].sort()).toEqual(['base_model.model.fc.vera_lambda_b', 'base_model.model.fc.vera_lambda_d']);
    for (const t of parsed.state.values()) t.dispose();
    const x = tensor(
      Array.from({ length: 8 }, (_, i) => i / 8),
      { shape: [1, 8] },
    );
    const want = tidy(() => peft.forward(x) as Tensor);
    const fresh = new Net();
    fresh.loadStateDict(
      new Map(
        [...peft.getBaseModel().stateDict()].filter(([k]) => !k.includes('vera_')).map(([k, t]) => [k.replace('.base_layer', ''), t]),
      ),
    );
    const before = memory().numTensors;
    const loaded = peftModelFromFiles(fresh, files);
    const got = tidy(() => loaded.forward(x) as Tensor);
    expect(await maxAbsDiff(got, want)).toBe(0);
    got.dispose();
    loaded.dispose();
    expect(memory().numTensors).toBeLessThanOrEqual(before);
    for (const t of [x, want]) t.dispose();
    peft.dispose();
  });

  it('refuses a second adapter with another seed', () => {
    const peft = getPeftModel(new Net(), new VeraConfig({ r: 2, targetModules: ['fc'] }));
    expect(() => peft.addAdapter('other', new VeraConfig({ r: 2, targetModules: ['fc'], projectionPrngKey: 1 }))).toThrow(
      /projectionPrngKey must be the same/,
    );
    peft.addAdapter('second', new VeraConfig({ r: 2, targetModules: ['wide'] }));
    peft.deleteAdapter('second');
    expect([...peft.stateDict().keys()].filter((k) => k.includes('second'))).toEqual([]);
    peft.dispose();
  });
});
