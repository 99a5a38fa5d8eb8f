import { tensor, tidy, type Linear, type Tensor } from '@peftjs/core';
import { describe, expect, it } from 'vitest';
import { BOFTConfig, BOFTLayer, blockButterflyPerm, boftShape, getPeftModel } from '../src/index.js';
import { goldenCases } from './golden.js';
import { SmallNet, matmulFlat, maxAbsDiff, useCpuBackend, values } from './unit.js';

goldenCases(/boft/);

describe('BOFT config and butterfly', () => {
  it('validates fields and names them', () => {
    expect(() => new BOFTConfig({ boftBlockSize: 4, boftBlockNum: 2 })).toThrow(
      /BOFTConfig: give either boftBlockSize or boftBlockNum, not both.*boftBlockSize = 4, boftBlockNum = 2/,
    );
    expect(() => new BOFTConfig({ boftBlockSize: 0 })).toThrow(/BOFTConfig: one of boftBlockSize \(boft_block_size\) and boftBlockNum/);
    expect(() => new BOFTConfig({ boftNButterflyFactor: 0 })).toThrow(/BOFTConfig: boftNButterflyFactor must be >= 1, got 0/);
    expect(() => new BOFTConfig({ bias: 'oft_only' as never })).toThrow(/BOFTConfig: bias must be one of "none", "all", "boft_only"/);
    expect(new BOFTConfig({ boft_block_num: 4, boft_block_size: 0 } as never).toJSON()).toMatchObject({
      peft_type: 'BOFT',
      boft_block_num: 4,
      boft_block_size: 0,
      boft_n_butterfly_factor: 1,
    });
  });

  it("makes PEFT's butterfly permutations (factor 0 the identity, then even runs before odd runs)", () => {
    // 16 features, 4 blocks of 4, three factors: windows of 4, 8, 16 reordered in runs of 2
    const perms = [0, 1, 2].map((i) => blockButterflyPerm(16, 4 / 2 ** i, 2, 2));
    expect(perms[0]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(perms[1]).toEqual([0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15]);
    expect(perms[2]).toEqual([0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15]);
    expect(blockButterflyPerm(8, 4, 1, 0)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('checks block sizes against the layer like PEFT', () => {
    expect(boftShape(16, 4, 0, 3, 'q')).toEqual({ blockSize: 4, blockNum: 4, extraFactors: 2 });
    expect(boftShape(16, 0, 8, 2, 'q')).toEqual({ blockSize: 2, blockNum: 8, extraFactors: 1 });
    expect(() => boftShape(16, 5, 0, 1, 'q')).toThrow(
      /BOFT: cannot adapt 'q' \(in_features 16\): boftBlockSize 5 does not divide in_features/,
    );
    expect(() => boftShape(16, 4, 0, 4, 'q')).toThrow(/boftBlockSize 4 × 2\^\(boftNButterflyFactor − 1\) = 32 must divide in_features/);
    expect(() => boftShape(12, 3, 0, 2, 'q')).toThrow(/must be even/);
  });
});

describe('BOFT layer', () => {
  useCpuBackend();

  const model = (config: Record<string, unknown>) => getPeftModel(new SmallNet(), new BOFTConfig({ targetModules: ['up'], ...config }));
  const rotationValues = async (layer: BOFTLayer, dropout = 0) => {
    const m = layer.rotation('default', dropout);
    const v = await values(m);
    m.dispose();
    return v;
  };

  it('multiplies butterfly factors into one orthogonal, dense rotation', async () => {
    const peft = model({ boftBlockSize: 2, boftNButterflyFactor: 3, initWeights: false });
    const layer = peft.getBaseModel().getSubmodule('up') as BOFTLayer;
    expect(layer.boftR.at('default').shape).toEqual([3, 4, 2, 2]);
    const m = await rotationValues(layer);
    const mtm = matmulFlat(m, m, 8, true);
    for (let i = 0; i < 8; i++) for (let j = 0; j < 8; j++) expect(Math.abs(mtm[i * 8 + j]! - (i === j ? 1 : 0))).toBeLessThan(1e-13);
    // three factors connect every input with every output; one factor stays block-diagonal
    expect(m.filter((v) => v === 0)).toHaveLength(0);
    peft.dispose();
    const single = model({ boftBlockSize: 2, initWeights: false });
    const one = await rotationValues(single.getBaseModel().getSubmodule('up') as BOFTLayer);
    expect(one.filter((v) => v === 0)).toHaveLength(64 - 4 * 4);
    single.dispose();
  });

  it('merges into s ⊙ W·Mᵀ, gives the same output, and unmerges back', async () => {
    const peft = model({ boftBlockSize: 2, boftNButterflyFactor: 2, initWeights: false });
    const base = (peft.getBaseModel().getSubmodule('up') as BOFTLayer).baseLayer as Linear;
    const w = await values(base.weight);
    const x = tensor(
      Array.from({ length: 16 }, (_, i) => Math.cos(i)),
      { shape: [2, 8], dtype: 'float64' },
    );
    const run = async () => {
      const y = tidy(() => peft.forward(x) as Tensor);
      const v = await values(y);
      y.dispose();
      return v;
    };
    const out = await run();
    await peft.mergeAdapter();
    expect(maxAbsDiff(await run(), out)).toBeLessThan(1e-13);
    peft.unmergeAdapter();
    expect(maxAbsDiff(await values(base.weight), w)).toBeLessThan(1e-13);
    expect(maxAbsDiff(await run(), out)).toBeLessThan(1e-13);
    x.dispose();
    peft.dispose();
  });

  it('multiplicative dropout turns ⌊p·blocks⌋ blocks of one factor into the identity', async () => {
    const peft = model({ boftBlockSize: 2, initWeights: false });
    const layer = peft.getBaseModel().getSubmodule('up') as BOFTLayer;
    const m = await rotationValues(layer, 0.5);
    const isIdentityBlock = (k: number) => [0, 1].every((i) => [0, 1].every((j) => m[(2 * k + i) * 8 + 2 * k + j] === (i === j ? 1 : 0)));
    expect([0, 1, 2, 3].filter(isIdentityBlock)).toHaveLength(2);
    peft.dispose();
  });
});
