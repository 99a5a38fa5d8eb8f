import { tensor, tidy, type Linear, type Tensor } from '@peftjs/core';
import { describe, expect, it, vi } from 'vitest';
import { HRAConfig, HRALayer, getPeftModel, gramSchmidt, parseAdapterFiles, saveAdapterFiles } from '../src/index.js';
import { goldenCases } from './golden.js';
import { SmallNet, maxAbsDiff, useCpuBackend, values } from './unit.js';

goldenCases(/hra/);

describe('HRA config', () => {
  it('validates fields and names them; apply_GS keeps its name on disk', () => {
    expect(() => new HRAConfig({ r: 0 })).toThrow(/HRAConfig: r must be >= 1, got 0/);
    expect(() => new HRAConfig({ targetModules: '.*proj', layersToTransform: [0] })).toThrow(
      /HRAConfig: layersToTransform cannot be used when targetModules is a regex string/,
    );
    expect(() => new HRAConfig({ bias: 'lora_only' as never })).toThrow(/HRAConfig: bias must be one of "none", "all", "hra_only"/);
    const c = new HRAConfig({ apply_GS: true } as never);
    expect(c.applyGS).toBe(true);
    expect(c.toJSON()).toMatchObject({ peft_type: 'HRA', apply_GS: true, r: 8 });
  });
});

describe('HRA layer', () => {
  useCpuBackend();

  const model = (config: Record<string, unknown>) =>
    getPeftModel(new SmallNet(), new HRAConfig({ targetModules: ['up', 'down'], ...config }));
  const x = () =>
    tensor(
      Array.from({ length: 24 }, (_, i) => Math.sin(i + 1)),
      { shape: [3, 8], dtype: 'float64' },
    );
  const run = async (m: { forward(x: Tensor): unknown }, input: Tensor) => {
    const y = tidy(() => m.forward(input) as Tensor);
    const v = await values(y);
    y.dispose();
    return v;
  };

  it('starts with reflections in equal pairs (the identity), as PEFT', async () => {
    const peft = model({ r: 4 });
    const u = await values((peft.getBaseModel().getSubmodule('up') as HRALayer).hraU.at('default'));
    for (let row = 0; row < 8; row++) {
      expect(u[row * 4]).toBe(u[row * 4 + 1]);
      expect(u[row * 4 + 2]).toBe(u[row * 4 + 3]);
    }
    const input = x();
    const base = await peft.disableAdapter(() => run(peft, input));
    expect(maxAbsDiff(await run(peft, input), base)).toBeLessThan(1e-14);
    input.dispose();
    peft.dispose();
  });

  it('an odd r cannot start as the identity: PEFT warns and starts random', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const peft = model({ r: 3 });
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/HRA: the symmetric initialisation needs an even r, got 3/));
    warn.mockRestore();
    const input = x();
    const base = await peft.disableAdapter(() => run(peft, input));
    expect(maxAbsDiff(await run(peft, input), base)).toBeGreaterThan(1e-3);
    input.dispose();
    peft.dispose();
  });

  it('one reflection along e₀ negates the first column of W (hand-checked)', async () => {
    const peft = model({ r: 1, initWeights: false, targetModules: ['up'] });
    const layer = peft.getBaseModel().getSubmodule('up') as HRALayer;
    const e0 = tensor([3, 0, 0, 0, 0, 0, 0, 0], { shape: [8, 1], dtype: 'float64' });
    layer.hraU.at('default').assign(e0);
    e0.dispose();
    const w = await values((layer.baseLayer as Linear).weight);
    await peft.mergeAdapter();
    const merged = await values((layer.baseLayer as Linear).weight);
    expect(merged).toEqual(w.map((v, i) => (i % 8 === 0 ? -v : v)));
    peft.dispose();
  });

  for (const applyGS of [false, true]) {
    it(`merging keeps the row norms of W and the output, and unmerges back (applyGS ${applyGS})`, async () => {
      const peft = model({ r: 4, initWeights: false, applyGS });
      const base = (peft.getBaseModel().getSubmodule('up') as HRALayer).baseLayer as Linear;
      const norms = async () => {
        const v = await values(base.weight);
        return Array.from({ length: 12 }, (_, i) => Math.hypot(...v.slice(i * 8, i * 8 + 8)));
      };
      const [w, n] = [await values(base.weight), await norms()];
      const input = x();
      const out = await run(peft, input);
      await peft.mergeAdapter();
      expect(maxAbsDiff(await norms(), n)).toBeLessThan(1e-13);
      expect(maxAbsDiff(await run(peft, input), out)).toBeLessThan(1e-13);
      peft.unmergeAdapter();
      expect(maxAbsDiff(await values(base.weight), w)).toBeLessThan(1e-13);
      input.dispose();
      peft.dispose();
    });
  }

  it('Gram–Schmidt gives orthonormal columns', async () => {
    const u = tensor([1, 2, 0, 1, 1, 1, 3, 0, 1, 0, 1, 2], { shape: [4, 3], dtype: 'float64' });
    const q = gramSchmidt(u);
    const v = await values(q);
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) {
        let dot = 0;
        for (let k = 0; k < 4; k++) dot += v[k * 3 + a]! * v[k * 3 + b]!;
        expect(Math.abs(dot - (a === b ? 1 : 0))).toBeLessThan(1e-14);
      }
    }
    u.dispose();
    q.dispose();
  });

  it("saves hra_u under PEFT's name", async () => {
    const peft = model({ r: 2 });
    const files = await saveAdapterFiles(peft);
    expect(JSON.parse(files.config)).toMatchObject({ peft_type: 'HRA', r: 2, apply_GS: false });
    const { state } = parseAdapterFiles(files);
    expect([...state].map(([k, t]) => [k, t.shape])).toEqual([
      ['base_model.model.down.hra_u', [12, 2]],
      ['base_model.model.up.hra_u', [8, 2]],
    ]);
    for (const t of state.values()) t.dispose();
    peft.dispose();
  });
});
