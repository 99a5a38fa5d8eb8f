/**
 * Float32 matmul C = A · B of square n × n matrices: GFLOP/s (2n³ flops per product) of
 *   peft.js ref   `matmul` on the CPU backend's reference kernels (plain loops, float64 accumulation)
 *   peft.js fast  `matmul` on the default CPU backend (WebAssembly SIMD on packed panels, every core)
 *   peft.js 1t    the same on one thread (CpuBackend({ threads: 1 }))
 *   tfjs-cpu      @tensorflow/tfjs-core with @tensorflow/tfjs-backend-cpu (plain JS, one thread)
 *   ort           onnxruntime-node on a one-node MatMul model, default threads and one thread
 * all on the same inputs in the same process, each checked against the fast kernel's result.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as ort from 'onnxruntime-node';
import { matmul, registerBackend, setBackend, tensor, type Tensor } from '@peftjs/core';
import { CpuBackend } from '@peftjs/backend-cpu';
import { matmulModel } from './onnx.js';
import { printTable, time, type TimingOptions } from './timing.js';
import { maxRelDiff, randomMatrix } from './values.js';

const DEFAULT_SIZES = [256, 512, 1024];

interface Contender {
  readonly name: string;
  /** Prepares inputs for size n; returns the timed call and a way to read its last result. */
  setup(
    n: number,
    a: Float32Array,
    b: Float32Array,
  ): Promise<{
    run: () => unknown;
    result: () => Promise<Float32Array>;
    dispose: () => Promise<void> | void;
  }>;
}

/** peft.js through its public op API on a registered backend (the CPU backend with or without its fast path). */
function peft(name: string, backend: string): Contender {
  return {
    name,
    async setup(n, a, b) {
      await setBackend(backend);
      const ta = tensor(a, { shape: [n, n] });
      const tb = tensor(b, { shape: [n, n] });
      let last: Tensor | null = null;
      const run = () => {
        last?.dispose();
        last = matmul(ta, tb);
      };
      return {
        run,
        result: async () => (await last!.data()) as Float32Array,
        dispose: () => [ta, tb, last].forEach((t) => t?.dispose()),
      };
    },
  };
}

registerBackend('cpu-reference', () => new CpuBackend({ fast: false }));
registerBackend('cpu-1t', () => new CpuBackend({ threads: 1 }));
const peftReference = peft('peft.js ref', 'cpu-reference');
const peftFast = peft('peft.js fast', 'cpu');
const peftOneThread = peft('peft.js 1t', 'cpu-1t');

const tfjsCpu: Contender = {
  name: 'tfjs-cpu',
  async setup(n, a, b) {
    const ta = tf.tensor2d(a, [n, n]);
    const tb = tf.tensor2d(b, [n, n]);
    let last: tf.Tensor | null = null;
    const run = () => {
      last?.dispose();
      last = tf.matMul(ta, tb);
      return last.dataSync(); // the CPU backend computes eagerly; this only hands the values back
    };
    return {
      run,
      result: async () => Float32Array.from(await last!.data()),
      dispose: () => tf.dispose([ta, tb, ...(last ? [last] : [])]),
    };
  },
};

function onnxRuntime(threads: number | null): Contender {
  return {
    name: threads === null ? 'ort' : `ort ${threads}t`,
    async setup(n, a, b) {
      const options: ort.InferenceSession.SessionOptions = { executionProviders: ['cpu'], graphOptimizationLevel: 'all' };
      if (threads !== null) options.intraOpNumThreads = threads;
      const session = await ort.InferenceSession.create(matmulModel(n, n, n), options);
      const feeds = { A: new ort.Tensor('float32', a, [n, n]), B: new ort.Tensor('float32', b, [n, n]) };
      let last: Float32Array | null = null;
      const run = async () => {
        const { Y } = await session.run(feeds);
        last = Y.data as Float32Array;
      };
      return { run, result: async () => last!, dispose: () => session.release() };
    },
  };
}

function timingFor(n: number): TimingOptions {
  // 1024 takes seconds for the plain loops: fewer runs under a time budget
  return n >= 1024 ? { warmup: 1, warmupMs: 500, runs: 5, budgetMs: 4000 } : { warmup: 2, warmupMs: 500, runs: 9, budgetMs: 3000 };
}

export async function benchMatmul(args: readonly string[]): Promise<void> {
  tf.enableProdMode(); // no debug checks or Node banner: tfjs at its fastest
  await tf.setBackend('cpu');
  const sizes = args.length > 0 ? args.map(Number) : DEFAULT_SIZES;
  if (sizes.some((s) => !Number.isInteger(s) || s < 1)) throw new Error(`matmul: sizes must be positive integers, got ${args.join(' ')}`);
  const contenders = [peftReference, peftFast, peftOneThread, tfjsCpu, onnxRuntime(null), onnxRuntime(1)];

  console.log(
    `float32 matmul, n × n @ n × n, GFLOP/s (2n³ / median time); Node ${process.version}, onnxruntime ${ort.env.versions.common}, tfjs ${tf.version_core}`,
  );
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const n of sizes) {
    const a = randomMatrix(n * n, 1);
    const b = randomMatrix(n * n, 2);
    const gflops: Record<string, number> = {};
    let expected: Float32Array | null = null;
    // the fast kernel first, so every other result is checked against it
    for (const contender of [peftFast, ...contenders.filter((c) => c !== peftFast)]) {
      const bench = await contender.setup(n, a, b);
      const timing = await time(bench.run, timingFor(n));
      gflops[contender.name] = (2 * n ** 3) / (timing.ms * 1e6);
      const result = await bench.result();
      if (contender === peftFast) expected = Float32Array.from(result);
      await bench.dispose();
      if (expected !== null && contender !== peftFast) {
        const diff = maxRelDiff(result, expected);
        if (diff > 1e-4) notes.push(`n=${n}: ${contender.name} differs from peft.js fast by ${diff.toExponential(2)} (relative)`);
      }
      if (timing.runs < timingFor(n).runs) notes.push(`n=${n}: ${contender.name} timed ${timing.runs} run(s) (time budget)`);
    }
    const fast = gflops[peftFast.name];
    rows.push([
      String(n),
      ...contenders.map((c) => gflops[c.name].toFixed(2)),
      `${(fast / gflops[tfjsCpu.name]).toFixed(1)}x`,
      `${(fast / gflops['ort']).toFixed(2)}x`,
      `${(gflops[peftOneThread.name] / gflops['ort 1t']).toFixed(2)}x`,
    ]);
  }
  printTable(['n', ...contenders.map((c) => c.name), 'fast/tfjs', 'fast/ort', '1t/ort 1t'], rows);
  for (const note of notes) console.log(`note: ${note}`);
}
