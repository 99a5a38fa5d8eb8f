/**
 * peft.js on WebGPU against peft.js on the CPU and TensorFlow.js on WebGPU, in one Node process
 * (WebGPU through the `webgpu` package, Dawn):
 *   matmul     float32 n × n @ n × n, GFLOP/s (2n³ / median time of product + read back)
 *   LoRA step  forward + backward + AdamW on a LoRA-wrapped linear stack, ms per step (loss read back)
 * Every result is checked against peft.js on the CPU; a `note:` reports a difference.
 */
import * as tf from '@tensorflow/tfjs-core';
import { matmul, setBackend, tensor, type Tensor } from '@peftjs/core';
import '@peftjs/backend-cpu';
import { noAdapterHelp, rerunWithSoftwareVulkan } from '@peftjs/backend-webgpu/node';
import { installNavigatorGpu } from './gpu-env.js';
import { loraStackValues, peftLoraTrainer, tfjsLoraTrainer, type LoraStackSpec, type LoraTrainer } from './lora-step.js';
import { printTable, time, type TimingOptions } from './timing.js';
import { maxRelDiff, randomMatrix } from './values.js';

const DEFAULT_SIZES = [128, 256, 512];
const LORA_SPEC: LoraStackSpec = { layers: 4, dim: 256, rank: 8, alpha: 16, batch: 64 };
const CHECKED_STEPS = 3;

const PEFT_WEBGPU = 'peft.js webgpu';
const PEFT_CPU = 'peft.js cpu';
const TFJS_WEBGPU = 'tfjs-webgpu';
const NAMES = [PEFT_WEBGPU, PEFT_CPU, TFJS_WEBGPU];

/** Two significant digits for small numbers, two decimals otherwise (software GPUs give tiny values). */
const fmt = (x: number) => (x < 1 ? x.toPrecision(2) : x.toFixed(2));

const TIMING: TimingOptions = { warmup: 3, warmupMs: 500, runs: 9, budgetMs: 4000 };

/** A timed matmul: `run` computes one product and reads it back (a GPU's work is then done). */
interface MatmulRun {
  run(): Promise<Float32Array>;
  dispose(): void;
}

async function peftMatmul(backend: string, n: number, a: Float32Array, b: Float32Array): Promise<MatmulRun> {
  await setBackend(backend);
  const ta = tensor(a, { shape: [n, n] });
  const tb = tensor(b, { shape: [n, n] });
  return {
    async run() {
      const c: Tensor = matmul(ta, tb);
      const values = (await c.data()) as Float32Array;
      c.dispose();
      return values;
    },
    dispose: () => [ta, tb].forEach((t) => t.dispose()),
  };
}

function tfjsMatmul(n: number, a: Float32Array, b: Float32Array): MatmulRun {
  const ta = tf.tensor2d(a, [n, n]);
  const tb = tf.tensor2d(b, [n, n]);
  return {
    async run() {
      const c = tf.matMul(ta, tb);
      const values = (await c.data()) as Float32Array;
      c.dispose();
      return values;
    },
    dispose: () => tf.dispose([ta, tb]),
  };
}

async function benchMatmulSizes(sizes: readonly number[], notes: string[]): Promise<void> {
  const rows: string[][] = [];
  for (const n of sizes) {
    const a = randomMatrix(n * n, 1);
    const b = randomMatrix(n * n, 2);
    const gflops: Record<string, number> = {};
    let expected: Float32Array | null = null;
    for (const name of [PEFT_CPU, PEFT_WEBGPU, TFJS_WEBGPU]) {
      const bench = name === TFJS_WEBGPU ? tfjsMatmul(n, a, b) : await peftMatmul(name === PEFT_CPU ? 'cpu' : 'webgpu', n, a, b);
      let last: Float32Array | null = null;
      const timing = await time(async () => {
        last = await bench.run();
      }, TIMING);
      bench.dispose();
      gflops[name] = (2 * n ** 3) / (timing.ms * 1e6);
      if (expected === null) expected = last!;
      else if (maxRelDiff(last!, expected) > 1e-4)
        notes.push(`matmul n=${n}: ${name} differs from ${PEFT_CPU} by ${maxRelDiff(last!, expected).toExponential(2)} (relative)`);
    }
    rows.push([
      String(n),
      ...NAMES.map((c) => fmt(gflops[c])),
      `${fmt(gflops[PEFT_WEBGPU] / gflops[PEFT_CPU])}x`,
      `${fmt(gflops[PEFT_WEBGPU] / gflops[TFJS_WEBGPU])}x`,
    ]);
  }
  console.log('\nfloat32 matmul, n × n @ n × n, GFLOP/s (2n³ / median time of one product and its read-back)');
  printTable(['n', ...NAMES, 'webgpu/cpu', 'webgpu/tfjs-webgpu'], rows);
}

async function benchLoraStep(notes: string[]): Promise<void> {
  const spec = LORA_SPEC;
  const values = loraStackValues(spec);
  const ms: Record<string, number> = {};
  let expected: number[] | null = null;
  for (const name of [PEFT_CPU, PEFT_WEBGPU, TFJS_WEBGPU]) {
    const trainer: LoraTrainer =
      name === TFJS_WEBGPU ? tfjsLoraTrainer(spec, values) : await peftLoraTrainer(name === PEFT_CPU ? 'cpu' : 'webgpu', spec, values);
    const losses: number[] = [];
    for (let i = 0; i < CHECKED_STEPS; i++) losses.push(await trainer.step());
    const timing = await time(() => trainer.step(), TIMING);
    trainer.dispose();
    ms[name] = timing.ms;
    if (expected === null) expected = losses;
    else if (maxRelDiff(losses, expected) > 1e-4) {
      notes.push(
        `LoRA step: ${name}'s first ${CHECKED_STEPS} losses [${losses.map((l) => l.toPrecision(6))}] differ from ${PEFT_CPU}'s [${expected.map((l) => l.toPrecision(6))}]`,
      );
    }
  }
  const { layers, dim, rank, batch } = spec;
  console.log(
    `\nLoRA training step: ${layers} frozen ${dim} × ${dim} linear layers with LoRA r = ${rank}, batch ${batch}, MSE; ` +
      'forward + backward + AdamW, ms per step (median, loss read back each step); same weights, batch and updates everywhere',
  );
  printTable(
    ['', ...NAMES, 'webgpu/cpu', 'webgpu/tfjs-webgpu'],
    [['ms/step', ...NAMES.map((c) => fmt(ms[c])), `${fmt(ms[PEFT_CPU] / ms[PEFT_WEBGPU])}x`, `${fmt(ms[TFJS_WEBGPU] / ms[PEFT_WEBGPU])}x`]],
  );
}

export async function benchWebGPU(args: readonly string[]): Promise<void> {
  const sizes = args.length > 0 ? args.map(Number) : DEFAULT_SIZES;
  if (sizes.some((s) => !Number.isInteger(s) || s < 1)) throw new Error(`webgpu: sizes must be positive integers, got ${args.join(' ')}`);
  const gpu = await installNavigatorGpu();
  const adapter = await gpu.requestAdapter();
  if (!adapter) {
    // without a GPU driver: once more in a child pointed at SwiftShader, when it is installed
    const exitCode = rerunWithSoftwareVulkan();
    if (exitCode !== null) {
      process.exitCode = exitCode;
      return;
    }
    throw new Error(`webgpu: no WebGPU adapter: ${noAdapterHelp()}`);
  }
  await import('@peftjs/backend-webgpu');
  await import('@tensorflow/tfjs-backend-webgpu');
  tf.enableProdMode();
  if (!(await tf.setBackend('webgpu'))) throw new Error('webgpu: TensorFlow.js could not start its webgpu backend');
  const info = adapter.info;
  console.log(
    `WebGPU adapter: ${info.vendor} ${info.architecture} ${info.description}`.trim() +
      `; Node ${process.version}, tfjs ${tf.version_core}; ratios above 1x mean peft.js webgpu is faster`,
  );
  const notes: string[] = [];
  await benchMatmulSizes(sizes, notes);
  await benchLoraStep(notes);
  for (const note of notes) console.log(`note: ${note}`);
}
