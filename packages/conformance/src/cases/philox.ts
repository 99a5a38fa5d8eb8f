import { bernoulli, Generator, normalFromWords, philoxBlocks, philoxWords, rand, randn, uniformFromWord, type Tensor } from '@peftjs/core';
import type { CaseContext, ConformanceCase } from '../types.js';
import { assertClose, assertEqual } from '../util/compare.js';
import { readAndDispose } from '../util/tensors.js';

type Draw = (g: Generator) => Tensor;

interface StreamCase {
  name: string;
  draw: Draw;
  /** The documented stream (random/philox.ts) in JavaScript, for the CPU reference. */
  expected?: (key: [number, number], counter: number, size: number) => number[];
  /** randn may use another log/cos on a GPU: compared with tolerances.philoxNormal instead of bit for bit. */
  normal?: boolean;
}

const SEED = 0x1234_5678_9abcn;

function stream(key: [number, number], counter: number, size: number): Uint32Array {
  const words = new Uint32Array(Math.ceil((size + 1) / 4) * 4);
  return philoxWords(key, [counter % 2 ** 32, Math.floor(counter / 2 ** 32)], words);
}

const uniformExpected = (key: [number, number], counter: number, size: number) =>
  Array.from(stream(key, counter, size).subarray(0, size), (w) => Math.fround(uniformFromWord(w)));

const normalExpected = (key: [number, number], counter: number, size: number) => {
  const w = stream(key, counter, size);
  return Array.from({ length: size }, (_, i) => Math.fround(normalFromWords(w[i - (i % 2)], w[i - (i % 2) + 1], i % 2 === 1)));
};

const bernoulliExpected = (p: number) => (key: [number, number], counter: number, size: number) =>
  Array.from(stream(key, counter, size).subarray(0, size), (w) => (uniformFromWord(w) < p ? 1 : 0));

const STREAMS: StreamCase[] = [
  { name: 'rand float32', draw: (g) => rand([1001], { generator: g }), expected: uniformExpected },
  { name: 'rand float32, size 1', draw: (g) => rand([1], { generator: g }), expected: uniformExpected },
  { name: 'randn float32, odd size', draw: (g) => randn([7, 11], { generator: g }), expected: normalExpected, normal: true },
  { name: 'bernoulli float32', draw: (g) => bernoulli([5, 13], 0.37, { generator: g }), expected: bernoulliExpected(0.37) },
  { name: 'rand with low and high', draw: (g) => rand([64], { low: -3, high: 5, generator: g }) },
  { name: 'randn with mean and std', draw: (g) => randn([64], { mean: 2, std: 0.5, generator: g }), normal: true },
];

/** Where each draw starts: the seed's first counter, after other draws, and across the 32-bit counter carry. */
const STARTS: [string, (g: Generator) => void][] = [
  ['from the seed', () => {}],
  ['after other draws', (g) => g.next(13, 'uniform')],
  ['across the 32-bit counter boundary', (g) => g.setState({ key: g.getState().key, counter: 2 ** 32 - 2 })],
];

async function compareStream(ctx: CaseContext, s: StreamCase, start: (g: Generator) => void): Promise<void> {
  const generator = () => {
    const g = new Generator(0).manualSeed(SEED);
    start(g);
    return g;
  };
  const gRef = generator();
  const { key, counter } = gRef.getState();
  const want = await ctx.onReference(() => readAndDispose(s.draw(gRef)));
  if (s.expected)
    assertEqual(`${s.name} on the CPU reference vs the documented Philox stream`, want, s.expected(key, counter, want.length));
  const got = await ctx.onBackend(() => readAndDispose(s.draw(generator())));
  const label = `${s.name} on ${ctx.backend.name} vs the CPU reference`;
  if (s.normal && ctx.tolerances.philoxNormal > 0) assertClose(label, got, want, ctx.tolerances.philoxNormal);
  else assertEqual(label, got, want);
}

export const philoxCases: ConformanceCase[] = STREAMS.flatMap((s) =>
  STARTS.map(([where, start]): ConformanceCase => ({
    suite: 'philox',
    name: `${s.name} ${where}`,
    run: (ctx) => compareStream(ctx, s, start),
  })),
);

/** The generator consumes whole blocks per call, as documented. */
export const philoxCounterCase: ConformanceCase = {
  suite: 'philox',
  name: 'calls consume whole 4-word blocks',
  run: async () => {
    const g = new Generator(1);
    g.next(5, 'uniform');
    g.next(3, 'normal');
    assertEqual('counter', [g.getState().counter], [philoxBlocks(5, 'uniform') + philoxBlocks(3, 'normal')]);
  },
};
