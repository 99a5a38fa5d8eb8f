import { Linear, tensor, tidy, type Tensor } from '@peftjs/core';
import { describe, expect, it } from 'vitest';
import {
  OFTConfig,
  OFTLayer,
  OFTRotationModule,
  adapterStateDict,
  getPeftModel,
  nearestDivisor,
  peftModelFromFiles,
  saveAdapterFiles,
} from '../src/index.js';
import { goldenCases } from './golden.js';
import { SmallNet, matmulFlat, maxAbsDiff, useCpuBackend, values } from './unit.js';

goldenCases(/oft/);

describe('OFT config', () => {
  it('validates fields and names them', () => {
    expect(() => new OFTConfig({ r: 4, oftBlockSize: 4 })).toThrow(
      /OFTConfig: give either r or oftBlockSize \(oft_block_size\), not both.*r = 4, oftBlockSize = 4/,
    );
    expect(() => new OFTConfig({ r: 0, oftBlockSize: 0 })).toThrow(/OFTConfig: one of r and oftBlockSize/);
    expect(() => new OFTConfig({ bias: 'lora_only' as never })).toThrow(/OFTConfig: bias must be one of "none", "all", "oft_only"/);
    expect(() => new OFTConfig({ numCayleyNeumannTerms: 0 })).toThrow(/OFTConfig: numCayleyNeumannTerms must be >= 1, got 0/);
    expect(() => new OFTConfig({ moduleDropout: 1.5 })).toThrow(/OFTConfig: moduleDropout must be <= 1/);
    expect(() => new OFTConfig({ layersPattern: 'layers' })).toThrow(/OFTConfig: layersPattern needs layersToTransform/);
    const c = new OFTConfig({ oft_block_size: 8, use_cayley_neumann: false } as never);
    expect([c.oftBlockSize, c.useCayleyNeumann, c.numCayleyNeumannTerms, c.r, c.eps]).toEqual([8, false, 5, 0, 6e-5]);
    expect(c.toJSON()).toMatchObject({ peft_type: 'OFT', oft_block_size: 8, use_cayley_neumann: false, block_share: false, coft: false });
  });

  it('adjusts a block size that does not divide the layer like PEFT (nearest divisor, lower on a tie)', () => {
    expect([5, 6, 7, 3, 16, 20, 1].map((v) => nearestDivisor(16, v))).toEqual([4, 4, 8, 2, 16, 16, 1]);
    expect(nearestDivisor(12, 5)).toBe(4);
  });
});

describe('OFT layer', () => {
  useCpuBackend();

  const model = (config: Record<string, unknown>) =>
    getPeftModel(new SmallNet(), new OFTConfig({ targetModules: ['up', 'down'], ...config }));
  const input = () =>
    tensor(
      Array.from({ length: 3 * 8 }, (_, i) => Math.sin(i)),
      { shape: [3, 8], dtype: 'float64' },
    );
  const run = async (m: { forward(x: Tensor): unknown }, x: Tensor) => {
    const y = tidy(() => m.forward(x) as Tensor);
    const v = await values(y);
    y.dispose();
    return v;
  };

  it('with the exact Cayley transform, R is orthogonal and merging keeps every row norm of W', async () => {
    const peft = model({ oftBlockSize: 4, useCayleyNeumann: false, initWeights: false });
    const layer = peft.getBaseModel().getSubmodule('up') as OFTLayer;
    const rotation = layer.oftR.at('default');
    const r = rotation.rotationBlocks();
    expect(r.shape).toEqual([2, 4, 4]);
    const rv = await values(r);
    for (let m = 0; m < 2; m++) {
      const block = rv.slice(m * 16, (m + 1) * 16);
      const rtr = matmulFlat(block, block, 4, true);
      for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) expect(Math.abs(rtr[i * 4 + j]! - (i === j ? 1 : 0))).toBeLessThan(1e-13);
    }
    r.dispose();
    const rowNorms = async (w: Tensor) => {
      const v = await values(w);
      return Array.from({ length: w.shape[0]! }, (_, i) => Math.hypot(...v.slice(i * w.shape[1]!, (i + 1) * w.shape[1]!)));
    };
    const base = layer.baseLayer as Linear;
    const before = await rowNorms(base.weight);
    const x = input();
    const out = await run(peft, x);
    await peft.mergeAdapter();
    expect(maxAbsDiff(await rowNorms(base.weight), before)).toBeLessThan(1e-13);
    expect(maxAbsDiff(await run(peft, x), out)).toBeLessThan(1e-13);
    peft.unmergeAdapter();
    expect(maxAbsDiff(await rowNorms(base.weight), before)).toBeLessThan(1e-13);
    expect(maxAbsDiff(await run(peft, x), out)).toBeLessThan(1e-13);
    x.dispose();
    peft.dispose();
  });

  it('unmerges the Cayley–Neumann rotation with a true inverse (it is only nearly orthogonal)', async () => {
    const peft = model({ oftBlockSize: 4, initWeights: false });
    const base = (peft.getBaseModel().getSubmodule('down') as OFTLayer).baseLayer as Linear;
    const w = await values(base.weight);
    await peft.mergeAdapter();
    expect(maxAbsDiff(await values(base.weight), w)).toBeGreaterThan(1e-3);
    peft.unmergeAdapter();
    expect(maxAbsDiff(await values(base.weight), w)).toBeLessThan(1e-13);
    peft.dispose();
  });

  it('starts as the identity, and blockShare keeps one block for all', async () => {
    const x = input();
    const peft = model({ r: 4, oftBlockSize: 0, blockShare: true });
    const want = await peft.disableAdapter(() => run(peft, x));
    expect(maxAbsDiff(await run(peft, x), want)).toBe(0);
    const layer = peft.getBaseModel().getSubmodule('down') as OFTLayer;
    expect(layer.oftR.at('default').weight.shape).toEqual([1, 3]);
    expect([layer.r.get('default'), layer.oftBlockSize.get('default')]).toEqual([4, 3]);
    // up: 8 inputs in 4 blocks of 2 (1 number), down: 12 inputs in 4 blocks of 3 (3 numbers)
    expect(peft.getNbTrainableParameters().trainable).toBe(1 + 3);
    x.dispose();
    peft.dispose();
  });

  it('shared blocks rotate every block alike', async () => {
    const rotation = new OFTRotationModule(
      { blocks: 2, blockSize: 3, coft: false, eps: 0, blockShare: true, useCayleyNeumann: false, numCayleyNeumannTerms: 5 },
      'float64',
    );
    rotation.reset(false);
    const x = tensor([1, 2, 3, 1, 2, 3], { shape: [1, 6], dtype: 'float64' });
    const y = rotation.forward(x);
    const v = await values(y);
    expect(maxAbsDiff(v.slice(0, 3), v.slice(3))).toBe(0);
    expect(Math.hypot(...v.slice(0, 3))).toBeCloseTo(Math.hypot(1, 2, 3), 13);
    x.dispose();
    y.dispose();
    rotation.dispose();
  });

  it('COFT projects each block of Q into the ball of radius eps/√rows', async () => {
    const rotation = new OFTRotationModule(
      { blocks: 4, blockSize: 4, coft: true, eps: 0.01, blockShare: false, useCayleyNeumann: true, numCayleyNeumannTerms: 5 },
      'float64',
    );
    rotation.reset(false);
    const r = rotation.rotationBlocks();
    const w = await values(rotation.weight);
    for (let row = 0; row < 4; row++) {
      const frobenius = Math.SQRT2 * Math.hypot(...w.slice(row * 6, (row + 1) * 6));
      expect(frobenius).toBeCloseTo(0.01 / 2, 12);
    }
    r.dispose();
    rotation.dispose();
  });

  it('multiplicative dropout makes ⌊p·blocks⌋ blocks the identity while training, none in eval', async () => {
    const rotation = new OFTRotationModule(
      { blocks: 4, blockSize: 2, coft: false, eps: 0, blockShare: false, useCayleyNeumann: true, numCayleyNeumannTerms: 5 },
      'float64',
    );
    rotation.reset(false);
    const x = tensor([1, 2, 3, 4, 5, 6, 7, 8], { shape: [1, 8], dtype: 'float64' });
    const unchanged = async (y: Tensor) => {
      const v = await values(y);
      y.dispose();
      return [0, 1, 2, 3].filter((b) => v[2 * b] === 2 * b + 1 && v[2 * b + 1] === 2 * b + 2).length;
    };
    expect(await unchanged(rotation.forward(x, 0.5))).toBe(2);
    expect(await unchanged(rotation.forward(x, 0.75))).toBe(3);
    expect(await unchanged(rotation.forward(x, 0))).toBe(0);
    x.dispose();
    rotation.dispose();
  });

  it('saves the packed parameters (and the biases with oft_only) and reloads them', async () => {
    const base = new SmallNet();
    const copy = base.clone();
    const peft = getPeftModel(
      base,
      new OFTConfig({ targetModules: ['up', 'down'], oftBlockSize: 4, initWeights: false, bias: 'oft_only' }),
    );
    for (const p of peft.trainableParameters().filter((t) => t.shape.length === 1)) {
      const shifted = tidy(() => p.add(0.5));
      p.assign(shifted);
      shifted.dispose();
    }
    const files = await saveAdapterFiles(peft);
    expect(JSON.parse(files.config)).toMatchObject({ peft_type: 'OFT', bias: 'oft_only', oft_block_size: 4, r: 0 });
    const reloaded = peftModelFromFiles(copy, files);
    expect([...adapterStateDict(reloaded, 'default').keys()].sort()).toEqual([
      'base_model.model.down.base_layer.bias',
      'base_model.model.down.oft_R.weight',
      'base_model.model.up.base_layer.bias',
      'base_model.model.up.oft_R.weight',
    ]);
    const x = input();
    // adapter files load as float32 (loadSafetensors' default), so the float64 model differs by rounding
    expect(maxAbsDiff(await run(reloaded, x), await run(peft, x))).toBeLessThan(1e-6);
    x.dispose();
    reloaded.dispose();
    peft.dispose();
  });
});
