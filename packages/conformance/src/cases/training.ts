import { Adafactor, AdamW, clipGradNorm, clipGradValue, Lion, SGD, type DType, type Optimizer, type Tensor } from '@peftjs/core';
import type { CaseContext, ConformanceCase } from '../types.js';
import { assertClose } from '../util/compare.js';
import { disposeAll, fromValues, read } from '../util/tensors.js';

// A few optimizer steps (and gradient clipping) on the backend under test against the same steps on
// the CPU reference in float64. Only public ops and async reads, so every backend can run it.

const STEPS = 6;
const SHAPES = [[3, 4], [5], [2, 2, 3]] as const;

function stream(seed: number, n: number, scale = 1): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    // keep away from 0 so Lion's sign() cannot flip on rounding
    const u = (s / 2 ** 32) * 2 - 1;
    return scale * (u >= 0 ? u + 0.05 : u - 0.05);
  });
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

type MakeOptimizer = (groups: Tensor[][]) => Optimizer<{ lr: number }>;

/** Runs STEPS steps with two parameter groups and returns every parameter's values. */
async function trajectory(dtype: DType, make: MakeOptimizer): Promise<Float64Array[]> {
  const params = SHAPES.map((shape, i) => fromValues(stream(10 + i, size(shape), 0.8), shape, dtype, true));
  const optimizer = make([[params[0], params[1]], [params[2]]]);
  try {
    for (let step = 0; step < STEPS; step++) {
      params.forEach((p, i) => (p.grad = fromValues(stream(100 * step + i, p.size, 1 + step * 0.3), p.shape, dtype)));
      optimizer.step();
    }
    return await Promise.all(params.map((p) => read(p)));
  } finally {
    optimizer.dispose();
    disposeAll(params);
  }
}

function optimizerCase(name: string, make: MakeOptimizer): [string, (ctx: CaseContext) => Promise<void>] {
  return [
    `${name}: ${STEPS} steps, two parameter groups, match the reference`,
    async (ctx) => {
      const got = await trajectory('float32', make);
      const want = await ctx.onReference(() => trajectory('float64', make));
      got.forEach((values, i) => assertClose(`${name} parameter ${i}`, values, want[i], ctx.tolerances.reduction, SHAPES[i]));
    },
  ];
}

async function clipped(dtype: DType, clip: (ps: Tensor[]) => Tensor | void): Promise<Float64Array[]> {
  const params = SHAPES.map((shape) => fromValues(new Array<number>(size(shape)).fill(0), shape, dtype, true));
  params.forEach((p, i) => (p.grad = fromValues(stream(7 + i, p.size, 3), p.shape, dtype)));
  try {
    const norm = clip(params);
    const out = await Promise.all(params.map((p) => read(p.grad!)));
    if (norm) out.push(await read(norm));
    norm?.dispose();
    return out;
  } finally {
    disposeAll(params);
  }
}

function clipCase(name: string, clip: (ps: Tensor[]) => Tensor | void): [string, (ctx: CaseContext) => Promise<void>] {
  return [
    name,
    async (ctx) => {
      const got = await clipped('float32', clip);
      const want = await ctx.onReference(() => clipped('float64', clip));
      got.forEach((values, i) =>
        assertClose(`${name}: ${i < SHAPES.length ? `gradient ${i}` : 'total norm'}`, values, want[i], ctx.tolerances.reduction),
      );
    },
  ];
}

const group = <H>(groups: Tensor[][], second: Partial<H>) => [{ params: groups[0] }, { params: groups[1], options: second }];

const cases: [string, (ctx: CaseContext) => Promise<void>][] = [
  optimizerCase('SGD with momentum', (g) => new SGD(group(g, { lr: 0.2 }), { lr: 0.05, momentum: 0.9, weightDecay: 0.01 })),
  optimizerCase('SGD with Nesterov momentum', (g) => new SGD(group(g, { lr: 0.2 }), { lr: 0.05, momentum: 0.9, nesterov: true })),
  optimizerCase('AdamW', (g) => new AdamW(group(g, { lr: 0.05 }), { lr: 0.01, weightDecay: 0.1 })),
  optimizerCase('Lion', (g) => new Lion(group(g, { lr: 0.003 }), { lr: 0.001, weightDecay: 0.1 })),
  optimizerCase('Adafactor', (g) => new Adafactor(group(g, { lr: 0.05, weightDecay: 0.1 }))),
  clipCase('clipGradNorm (L2) scales every gradient by the total norm', (ps) => clipGradNorm(ps, 1)),
  clipCase('clipGradNorm (inf) uses the largest element', (ps) => clipGradNorm(ps, 0.5, Infinity)),
  clipCase('clipGradValue clamps each element', (ps) => clipGradValue(ps, 1.2)),
];

export const trainingCases: ConformanceCase[] = cases.map(([name, run]) => ({ suite: 'training', name, run }));
