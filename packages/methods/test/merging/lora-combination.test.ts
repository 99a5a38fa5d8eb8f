import '@peftjs/backend-cpu';
import { dispose, memory, setBackend, tensor, type Tensor } from '@peftjs/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { svd } from '../../src/linalg/index.js';
import { combineLora, combineLoraAdapters, combineLoraExact, type LoraPiece } from '../../src/merging/index.js';
import { diag, identity, matmul, maxAbs, maxAbsDiff, randomMat, toMat, transpose, type Mat } from '../linalg/host-math.js';

beforeAll(async () => {
  await setBackend('cpu');
});

const t64 = (m: Mat, shape = [m.rows, m.cols]) => tensor(m.data, { shape, dtype: 'float64' });
const scale = (m: Mat, s: number): Mat => ({ ...m, data: m.data.map((x) => x * s) });
const plus = (a: Mat, b: Mat): Mat => ({ ...a, data: a.data.map((x, i) => x + b.data[i]) });

/** Adapters with A (r, in), B (out, r) and the exact weighted delta Σ wᵢ sᵢ Bᵢ Aᵢ. */
function adapters(specs: { r: number; scaling: number; weight: number; seed: number }[], out = 6, inDim = 5) {
  const mats = specs.map((s) => ({ A: randomMat(s.r, inDim, s.seed), B: randomMat(out, s.r, s.seed + 100), ...s }));
  const pieces: LoraPiece[] = mats.map((m) => ({ A: t64(m.A), B: t64(m.B), scaling: m.scaling, weight: m.weight }));
  const exact = mats.map((m) => scale(matmul(m.B, m.A), m.weight * m.scaling)).reduce(plus);
  return { mats, pieces, exact, release: () => dispose(pieces.flatMap((p) => [p.A, p.B])) };
}

async function productOf(c: { A: Tensor; B: Tensor }): Promise<Mat> {
  const [A, B] = [await toMat(c.A), await toMat(c.B)];
  return matmul({ ...B, rows: c.B.shape[0], cols: c.B.shape[1] }, { ...A, rows: c.A.shape[0], cols: A.data.length / c.A.shape[0] });
}

describe('combineLora', () => {
  it('cat stacks wᵢsᵢAᵢ and Bᵢ: exactly the weighted sum of the deltas', async () => {
    const before = memory().numTensors;
    const { pieces, exact, release } = adapters([
      { r: 2, scaling: 2, weight: 0.7, seed: 1 },
      { r: 3, scaling: 0.5, weight: -1.5, seed: 2 },
    ]);
    const c = await combineLora(pieces, { combinationType: 'cat' });
    expect([c.rank, c.A.shape, c.B.shape]).toEqual([5, [5, 5], [6, 5]]);
    expect(maxAbsDiff(await productOf(c), exact)).toBeLessThan(1e-14);
    dispose([c.A, c.B]);
    release();
    expect(memory().numTensors).toBe(before);
  });

  it('linear mixes A with sign(ws)·√|ws| and B with √|ws|: exact for one adapter (negative weights too), cross terms for several', async () => {
    const one = adapters([{ r: 3, scaling: 2, weight: -0.5, seed: 3 }]);
    const c1 = await combineLora(one.pieces, { combinationType: 'svd' }); // a single adapter always goes linear, as PEFT
    expect(c1.combinationType).toBe('linear');
    expect(maxAbsDiff(await productOf(c1), one.exact)).toBeLessThan(1e-14);
    expect(maxAbsDiff(await toMat(c1.A), scale(one.mats[0].A, -1))).toBeLessThan(1e-15);
    dispose([c1.A, c1.B]);
    one.release();

    const two = adapters([
      { r: 2, scaling: 2, weight: 0.7, seed: 4 },
      { r: 2, scaling: 1, weight: 0.3, seed: 5 },
    ]);
    const c2 = await combineLora(two.pieces, { combinationType: 'linear' });
    const [sa, sb] = [Math.sqrt(1.4), Math.sqrt(0.3)];
    const wantA = plus(scale(two.mats[0].A, sa), scale(two.mats[1].A, sb));
    const wantB = plus(scale(two.mats[0].B, sa), scale(two.mats[1].B, sb));
    expect(maxAbsDiff(await toMat(c2.A), wantA)).toBeLessThan(1e-15);
    expect(maxAbsDiff(await toMat(c2.B), wantB)).toBeLessThan(1e-15);
    // B'A' = Σᵢ Σⱼ √(cᵢcⱼ) Bᵢ Aⱼ ≠ Σ cᵢ Bᵢ Aᵢ
    const cross = plus(scale(matmul(two.mats[0].B, two.mats[1].A), sa * sb), scale(matmul(two.mats[1].B, two.mats[0].A), sa * sb));
    expect(maxAbsDiff(await productOf(c2), plus(two.exact, cross))).toBeLessThan(1e-14);
    expect(maxAbsDiff(await productOf(c2), two.exact)).toBeGreaterThan(0.1);
    dispose([c2.A, c2.B]);
    two.release();
  });

  it("svd is the best rank-k approximation of Σ wᵢsᵢ²BᵢAᵢ (PEFT's double scaling), or of Σ wᵢsᵢBᵢAᵢ with deltaScaling 'once'", async () => {
    const { mats, pieces, exact, release } = adapters([
      { r: 2, scaling: 2, weight: 0.7, seed: 6 },
      { r: 2, scaling: 0.5, weight: 0.3, seed: 7 },
    ]);
    const peftDelta = mats.map((m) => scale(matmul(m.B, m.A), m.weight * m.scaling * m.scaling)).reduce(plus);
    for (const [deltaScaling, target] of [
      ['peft', peftDelta],
      ['once', exact],
    ] as const) {
      const c = await combineLora(pieces, { combinationType: 'svd', svdRank: 3, deltaScaling });
      expect(c.rank).toBe(3);
      // reference: the full SVD of the dense matrix, truncated to 3
      const dense = t64(target);
      const { U, S, Vh } = await svd(dense);
      const [u, s, vh] = [await toMat(U), await S.data(), await toMat(Vh)];
      const k3 = matmul(
        matmul(
          { rows: 6, cols: 3, data: Float64Array.from({ length: 18 }, (_, i) => u.data[Math.floor(i / 3) * 6 + (i % 3)]) },
          diag(s, 3, 3),
        ),
        { rows: 3, cols: 5, data: vh.data.slice(0, 15) },
      );
      expect(maxAbsDiff(await productOf(c), k3)).toBeLessThan(1e-13 * maxAbs(target));
      // A = Vh_k: orthonormal rows
      const a = await toMat(c.A);
      expect(maxAbsDiff(matmul(a, transpose(a)), identity(3))).toBeLessThan(1e-14);
      dispose([c.A, c.B, dense, U, S, Vh]);
    }
    release();
  });

  it('svd past the rank of the sum pads B with zero columns and A with orthonormal rows', async () => {
    const { pieces, exact, release } = adapters([
      { r: 1, scaling: 1, weight: 1, seed: 8 },
      { r: 1, scaling: 1, weight: 1, seed: 9 },
    ]);
    const c = await combineLora(pieces, { combinationType: 'svd', svdRank: 4 });
    expect(maxAbsDiff(await productOf(c), exact)).toBeLessThan(1e-14);
    const [a, b] = [await toMat(c.A), await toMat(c.B)];
    expect(maxAbsDiff(matmul(a, transpose(a)), identity(4))).toBeLessThan(1e-14);
    for (let i = 0; i < 6; i++) expect([b.data[i * 4 + 2], b.data[i * 4 + 3]]).toEqual([0, 0]);
    dispose([c.A, c.B]);
    release();
  });

  it('svdClamp clips both factors at ± the quantile of their entries (linear interpolation)', async () => {
    const { pieces, release } = adapters([
      { r: 2, scaling: 1, weight: 1, seed: 10 },
      { r: 2, scaling: 1, weight: 0.5, seed: 11 },
    ]);
    const plain = await combineLora(pieces, { combinationType: 'svd' });
    const clamped = await combineLora(pieces, { combinationType: 'svd', svdClamp: 0.9 });
    const [a, b] = [await plain.A.data(), await plain.B.data()];
    const all = [...b, ...a].sort((x, y) => x - y);
    const pos = 0.9 * (all.length - 1);
    const hi = all[Math.floor(pos)] + (pos - Math.floor(pos)) * (all[Math.floor(pos) + 1] - all[Math.floor(pos)]);
    const clip = (x: number) => Math.min(Math.max(x, -hi), hi);
    expect([...(await clamped.A.data())]).toEqual([...a].map(clip));
    expect([...(await clamped.B.data())]).toEqual([...b].map(clip));
    expect([...a, ...b].some((x) => Math.abs(x) > hi)).toBe(true);
    dispose([plain.A, plain.B, clamped.A, clamped.B]);
    release();
  });

  it('keeps convolution layouts: A (r, in, kh, kw), B (out, r, 1, 1)', async () => {
    const A = [randomMat(2, 3 * 2 * 2, 12), randomMat(2, 3 * 2 * 2, 13)];
    const B = [randomMat(4, 2, 14), randomMat(4, 2, 15)];
    const pieces = A.map((a, i) => ({ A: t64(a, [2, 3, 2, 2]), B: t64(B[i], [4, 2, 1, 1]), scaling: 1, weight: 1 }));
    for (const combinationType of ['cat', 'linear', 'svd', 'ties_svd'] as const) {
      const c = await combineLora(pieces, { combinationType, density: 0.5 });
      const r = combinationType === 'cat' ? 4 : 2;
      expect([c.A.shape, c.B.shape]).toEqual([
        [r, 3, 2, 2],
        [4, r, 1, 1],
      ]);
      dispose([c.A, c.B]);
    }
    const exact = await combineLoraExact(pieces);
    expect(maxAbsDiff(await productOf(exact), plus(matmul(B[0], A[0]), matmul(B[1], A[1])))).toBeLessThan(1e-14);
    dispose([exact.A, exact.B, ...pieces.flatMap((p) => [p.A, p.B])]);
  });

  it('combineLoraExact gives Σ wᵢsᵢBᵢAᵢ at rank Σrᵢ, and its best approximation at a lower rank', async () => {
    const { pieces, exact, release } = adapters([
      { r: 2, scaling: 4, weight: 0.6, seed: 16 },
      { r: 1, scaling: 0.25, weight: -2, seed: 17 },
    ]);
    const full = await combineLoraExact(pieces);
    expect(full.rank).toBe(3);
    expect(maxAbsDiff(await productOf(full), exact)).toBeLessThan(1e-14);
    const cat = await combineLoraExact(pieces, { method: 'cat' });
    expect(maxAbsDiff(await productOf(cat), exact)).toBeLessThan(1e-14);
    const low = await combineLoraExact(pieces, { rank: 1 });
    const { U, S, Vh } = await svd(t64(exact));
    const [u, s, vh] = [await toMat(U), await S.data(), await toMat(Vh)];
    const best = Float64Array.from({ length: 30 }, (_, i) => u.data[Math.floor(i / 5) * 6] * s[0] * vh.data[i % 5]);
    expect(maxAbsDiff(await productOf(low), { rows: 6, cols: 5, data: best })).toBeLessThan(1e-14);
    dispose([full.A, full.B, cat.A, cat.B, low.A, low.B, U, S, Vh]);
    release();
  });

  it('rejects what PEFT cannot combine, with the reason', async () => {
    const { pieces, release } = adapters([
      { r: 2, scaling: 1, weight: 1, seed: 18 },
      { r: 3, scaling: 1, weight: 1, seed: 19 },
    ]);
    await expect(combineLora(pieces, { combinationType: 'linear' })).rejects.toThrow(
      'combineLora: linear needs adapters of equal rank, got ranks [2, 3]; use cat or an svd type',
    );
    await expect(combineLora(pieces, { combinationType: 'ties' })).rejects.toThrow(
      'combineLora: density must be a number in (0, 1], got undefined',
    );
    await expect(combineLora(pieces, { combinationType: 'svd', svdRank: 6 })).rejects.toThrow(
      'combineLora: svdRank 6 exceeds min(out, in) = 5',
    );
    await expect(combineLora(pieces, { combinationType: 'svd', svdClamp: 2 })).rejects.toThrow(
      'svdClamp must be a quantile in [0, 1], got 2',
    );
    await expect(combineLora(pieces, { combinationType: 'mean' as never })).rejects.toThrow('combineLora: unknown combinationType mean');
    await expect(combineLora([{ ...pieces[0], B: pieces[1].B }])).rejects.toThrow(
      'combineLora: pieces[0] needs A (r, in, ...) and B (out, r, 1...) with the same r, got A [2,5] and B [6,3]',
    );
    const narrow = t64(randomMat(3, 4, 1));
    await expect(combineLora([pieces[0], { ...pieces[1], A: narrow }], { combinationType: 'cat' })).rejects.toThrow(
      "combineLora: pieces[1] has A [3,4] and B [6,3], which do not fit pieces[0]'s A [2,5] and B [6,2]",
    );
    narrow.dispose();
    await expect(combineLora([{ ...pieces[0], scaling: Number.NaN }])).rejects.toThrow(
      'combineLora: pieces[0].scaling must be a finite number, got NaN',
    );
    await expect(combineLora([])).rejects.toThrow('combineLora: give at least one LoRA piece');
    release();
  });
});

describe('combineLoraAdapters', () => {
  it('combines module by module, pads modules some adapters lack, and names the new rank', async () => {
    const before = memory().numTensors;
    const m = (seed: number, r: number) => ({ A: t64(randomMat(r, 5, seed)), B: t64(randomMat(6, r, seed + 1)) });
    const [q1, v1, q2] = [m(20, 2), m(22, 2), m(24, 2)];
    const one = new Map([
      ['base_model.model.q.lora_A.weight', q1.A],
      ['base_model.model.q.lora_B.weight', q1.B],
      ['base_model.model.v.lora_A.weight', v1.A],
      ['base_model.model.v.lora_B.weight', v1.B],
    ]);
    const two = new Map([
      ['base_model.model.q.lora_A.weight', q2.A],
      ['base_model.model.q.lora_B.weight', q2.B],
    ]);
    const cat = await combineLoraAdapters(
      [
        { tensors: one, scaling: 2, weight: 1 },
        { tensors: two, scaling: 1, weight: 0.5 },
      ],
      { combinationType: 'cat' },
    );
    expect(cat.rank).toBe(4);
    expect([...cat.tensors.keys()]).toEqual([...one.keys()]);
    expect(cat.tensors.get('base_model.model.v.lora_A.weight')!.shape).toEqual([4, 5]);
    const vA = await cat.tensors.get('base_model.model.v.lora_A.weight')!.data();
    expect([...vA.slice(10)]).toEqual(new Array(10).fill(0)); // rows 2..3 padded
    const linear = await combineLoraAdapters(
      [
        { tensors: one, scaling: (module) => (module.endsWith('.q') ? 2 : 1), weight: 1 },
        { tensors: two, scaling: 1, weight: 0.5 },
      ],
      { combinationType: 'linear' },
    );
    expect(linear.rank).toBe(2);
    // v only exists in the first adapter: A·sign·√(1·1), B·√1
    expect([...(await linear.tensors.get('base_model.model.v.lora_A.weight')!.data())]).toEqual([...(await v1.A.data())]);
    dispose([...cat.tensors.values(), ...linear.tensors.values()]);
    await expect(combineLoraAdapters([{ tensors: new Map([['x.lora_magnitude_vector', q1.A]]), scaling: 1, weight: 1 }])).rejects.toThrow(
      'combineLoraAdapters: adapters[0] has x.lora_magnitude_vector; only LoRA A and B factors can be combined',
    );
    dispose([q1, v1, q2].flatMap((x) => [x.A, x.B]));
    expect(memory().numTensors).toBe(before);
  });
});
