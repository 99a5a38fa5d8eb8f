import { bernoulli, dropout, Generator, manualSeed, ones, rand, randn, type Tensor } from '@peftjs/core';
import type { CaseContext, ConformanceCase } from '../types.js';
import { assertClose, assertEqual, check } from '../util/compare.js';
import { disposeAll, read, readAndDispose } from '../util/tensors.js';

function moments(v: Float64Array): { mean: number; variance: number; min: number; max: number } {
  let s = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const x of v) {
    s += x;
    min = Math.min(min, x);
    max = Math.max(max, x);
  }
  const mean = s / v.length;
  let q = 0;
  for (const x of v) q += (x - mean) ** 2;
  return { mean, variance: q / v.length, min, max };
}

/** |value − expected| within `sigmas` standard errors (deterministic for a fixed seed, so no flakiness). */
function near(label: string, value: number, expected: number, bound: number): void {
  check(Math.abs(value - expected) <= bound, `${label}: ${value.toFixed(5)}, expected ${expected} ± ${bound}`);
}

const N = 20_000;

const cases: [string, (ctx: CaseContext) => Promise<void>][] = [
  [
    'rand is reproducible for a seed and advances otherwise',
    async () => {
      manualSeed(42);
      const a = await readAndDispose(rand([1000]));
      const c = await readAndDispose(rand([1000]));
      manualSeed(42);
      const b = await readAndDispose(rand([1000]));
      assertEqual('rand after the same seed', b, a);
      check(
        a.some((x, i) => x !== c[i]),
        'rand: a second call repeated the first one',
      );
    },
  ],
  [
    'rand moments and range',
    async () => {
      manualSeed(1);
      const m = moments(await readAndDispose(rand([N], { low: -2, high: 3 })));
      check(m.min >= -2 && m.max < 3, `rand: values outside [-2, 3): min ${m.min}, max ${m.max}`);
      near('rand mean', m.mean, 0.5, 0.05); // σ/√N ≈ 0.01
      near('rand variance', m.variance, 25 / 12, 0.08);
    },
  ],
  [
    'randn moments (odd size)',
    async () => {
      manualSeed(2);
      const m = moments(await readAndDispose(randn([N + 1])));
      near('randn mean', m.mean, 0, 0.04); // σ/√N ≈ 0.007
      near('randn variance', m.variance, 1, 0.05);
      const s = moments(await readAndDispose(randn([N], { mean: 3, std: 0.5 })));
      near('randn(mean 3, std 0.5) mean', s.mean, 3, 0.02);
      near('randn(mean 3, std 0.5) variance', s.variance, 0.25, 0.0125);
    },
  ],
  [
    'bernoulli frequency',
    async () => {
      manualSeed(3);
      const v = await readAndDispose(bernoulli([N], 0.3));
      check(
        v.every((x) => x === 0 || x === 1),
        'bernoulli: values other than 0 and 1',
      );
      near('bernoulli(0.3) frequency', moments(v).mean, 0.3, 0.02); // σ/√N ≈ 0.0032
      assertEqual('bernoulli(0)', await readAndDispose(bernoulli([50], 0)), new Float64Array(50));
      assertEqual('bernoulli(1)', await readAndDispose(bernoulli([50], 1)), new Float64Array(50).fill(1));
    },
  ],
  [
    'dropout masks, scales, is reproducible and passes the mask back',
    async () => {
      const x = ones([N]);
      x.requiresGrad = true;
      const ys: Tensor[] = [];
      try {
        manualSeed(4);
        const y = dropout(x, 0.25);
        ys.push(y);
        const v = await read(y);
        check(
          v.every((e) => e === 0 || Math.abs(e - 1 / 0.75) < 1e-6),
          'dropout: kept values must be scaled by 1/(1-p)',
        );
        near('dropout zero fraction', v.filter((e) => e === 0).length / N, 0.25, 0.02);
        manualSeed(4);
        const again = dropout(x, 0.25);
        ys.push(again);
        assertEqual('dropout with the same seed', await read(again), v);
        const seed = ones([N]);
        ys.push(seed);
        y.backward({ gradient: seed });
        assertClose('dropout gradient (mask / (1-p))', await read(x.grad!), v, 1e-6);
        ys.push(dropout(x, 0.25, false), dropout(x, 0));
        assertEqual('dropout in eval mode', await read(ys[3]), new Float64Array(N).fill(1));
        assertEqual('dropout with p = 0', await read(ys[4]), new Float64Array(N).fill(1));
        ys.push(dropout(x, 1));
        assertEqual('dropout with p = 1', await read(ys[5]), new Float64Array(N));
      } finally {
        disposeAll(ys, x);
      }
    },
  ],
  [
    'a Generator gives the stream of manualSeed',
    async () => {
      const g = new Generator(5);
      const a = await readAndDispose(rand([10], { generator: g }));
      const b = await readAndDispose(randn([9], { generator: g }));
      manualSeed(5);
      assertEqual('rand with a Generator', a, await readAndDispose(rand([10])));
      assertEqual('randn with a Generator', b, await readAndDispose(randn([9])));
    },
  ],
  [
    'float64 random draws',
    async (ctx) => {
      if (!ctx.supportsFloat64) ctx.skip(`the ${ctx.backend.name} backend does not support float64`);
      manualSeed(6);
      const u = moments(await readAndDispose(rand([N], { dtype: 'float64' })));
      near('rand float64 mean', u.mean, 0.5, 0.02);
      const n = moments(await readAndDispose(randn([N], { dtype: 'float64' })));
      near('randn float64 variance', n.variance, 1, 0.05);
    },
  ],
];

export const randomCases: ConformanceCase[] = cases.map(([name, run]) => ({ suite: 'random', name, run }));
