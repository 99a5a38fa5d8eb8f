/**
 * peft.js on CUDA against PyTorch on the same GPU (needs an NVIDIA GPU, its driver, and the addon
 * built with nvcc; elsewhere it says so and measures nothing):
 *   GEMM       n × n @ n × n at n = 1024, 2048, 4096 (or the sizes given), GFLOP/s of peft.js's own
 *              kernels (float32 tiles; TF32 and bfloat16 on tensor cores), of cuBLAS through the
 *              addon, and of torch.matmul (cuBLAS) for float32, TF32 and bfloat16
 *   LoRA step  GPT-2 125M (12 layers, 768 wide, random weights), batch 8 × 512, LoRA r = 8 on c_attn,
 *              AdamW: ms per step of peft.js against PyTorch + HF PEFT on the same weights and batches
 * Checks: the tensor-core kernels against their portable twin, and both frameworks' loss before training.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AdamW, manualSeed, noGrad, setBackend, tensor, tidy, type Tensor } from '@peftjs/core';
import { createCudaBackend, type CudaBackend, type GemmFormat, type GemmPath } from '@peftjs/backend-cuda';
import { GPT2Config, GPT2LMHeadModel } from '@peftjs/models';
import { savePretrained } from '@peftjs/models/node';
import { getPeftModel, LoraConfig } from '@peftjs/methods';
import { ensurePyTorch, runPythonJson } from './pytorch.js';
import { printTable } from './timing.js';
import { maxRelDiff, randomMatrix } from './values.js';

const PEERS = fileURLToPath(new URL('../python/cuda_peers.py', import.meta.url));
const FORMATS: readonly GemmFormat[] = ['float32', 'tf32', 'bfloat16'];
const GPT2_125M = { vocabSize: 50257, nPositions: 1024, nEmbd: 768, nLayer: 12, nHead: 12 };
const LORA = { r: 8, alpha: 16, lr: 1e-4 };

const median = (v: number[]) => [...v].sort((x, y) => x - y)[v.length >> 1];
const fmt = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(0));

/** Median ms of one product on `path`: queued `runs` at a time between synchronizations. */
function timeGemm(backend: CudaBackend, format: GemmFormat, n: number, path: GemmPath): { ms: number; kernel: string } | null {
  const gemm = backend.gemm(format, n, n, n, randomMatrix(n * n, 1), randomMatrix(n * n, 2));
  try {
    let kernel = gemm.run(path);
    gemm.synchronize();
    const samples: number[] = [];
    for (let s = 0; s < 5; s++) {
      const start = performance.now();
      for (let r = 0; r < 5; r++) kernel = gemm.run(path);
      gemm.synchronize();
      samples.push((performance.now() - start) / 5);
    }
    return { ms: median(samples), kernel };
  } catch {
    return null; // this path does not exist here (cuBLAS not loaded, or the format not on it)
  } finally {
    gemm.dispose();
  }
}

/** The fastest own kernel against its portable twin on the same operands: max relative difference. */
async function twinDiff(backend: CudaBackend, format: GemmFormat, n: number): Promise<number> {
  const gemm = backend.gemm(format, n, n, n, randomMatrix(n * n, 3), randomMatrix(n * n, 4));
  gemm.run('fastest');
  const fast = await gemm.read();
  gemm.run('portable');
  const twin = await gemm.read();
  gemm.dispose();
  return maxRelDiff(fast, twin);
}

async function benchGemm(backend: CudaBackend, sizes: readonly number[], notes: string[]): Promise<void> {
  const torch = runPythonJson<{ torch: string; device: string; ms: Record<string, Record<GemmFormat, number>> }>(PEERS, [
    'gemm',
    ...sizes.map(String),
  ]);
  const rows: string[][] = [];
  for (const n of sizes) {
    const flops = 2 * n ** 3;
    const gf = (ms: number | undefined) => (ms === undefined ? undefined : flops / (ms * 1e6));
    for (const format of FORMATS) {
      const own = timeGemm(backend, format, n, 'fastest');
      const cublas = format === 'bfloat16' ? null : timeGemm(backend, format, n, 'cublas');
      const peer = gf(torch.ms[String(n)][format]);
      const ownGf = gf(own?.ms);
      rows.push([
        String(n),
        format,
        `${fmt(ownGf)} (${own?.kernel ?? '–'})`,
        fmt(gf(cublas?.ms)),
        fmt(peer),
        ownGf && peer ? `${((ownGf / peer) * 100).toFixed(0)}%` : '–',
      ]);
      if (format !== 'float32') {
        const diff = await twinDiff(backend, format, Math.min(n, 1024));
        if (diff > 1e-3)
          notes.push(`${format} n=${Math.min(n, 1024)}: the tensor-core kernel differs from its portable twin by ${diff.toExponential(2)}`);
        else
          notes.push(
            `${format}: tensor-core kernel equals its portable twin within ${diff.toExponential(2)} (relative, n=${Math.min(n, 1024)})`,
          );
      }
    }
  }
  console.log(`\nGEMM n × n @ n × n, GFLOP/s (median of 5 batches of 5 products); PyTorch ${torch.torch} on ${torch.device}`);
  printTable(['n', 'operands', 'peft.js own (kernel)', 'peft.js cuBLAS', 'torch.matmul', 'own/torch'], rows);
}

async function benchLora(batch: number, seq: number, steps: number, notes: string[]): Promise<void> {
  await setBackend('cuda');
  manualSeed(0);
  const config = new GPT2Config({ ...GPT2_125M, residPdrop: 0, embdPdrop: 0, attnPdrop: 0 });
  const model = new GPT2LMHeadModel(config);
  const dir = mkdtempSync(join(tmpdir(), 'peftjs-cuda-bench-'));
  try {
    await savePretrained(model, dir);
    const count = 4;
    const ids = new Int32Array(count * batch * seq);
    let s = 7;
    for (let i = 0; i < ids.length; i++) ids[i] = (s = (Math.imul(s, 1103515245) + 12345) >>> 0) % GPT2_125M.vocabSize;
    writeFileSync(join(dir, 'batches.bin'), ids);
    writeFileSync(join(dir, 'bench.json'), JSON.stringify({ batches: count, batchSize: batch, seqLen: seq, ...LORA }));
    const batches = Array.from({ length: count }, (_, i) =>
      tensor(ids.subarray(i * batch * seq, (i + 1) * batch * seq), { shape: [batch, seq], dtype: 'int32' }),
    );
    const peft = getPeftModel(
      model,
      new LoraConfig({ r: LORA.r, loraAlpha: LORA.alpha, targetModules: ['c_attn'], loraDropout: 0, fanInFanOut: true }),
    );
    const optimizer = new AdamW(peft.trainableParameters(), { lr: LORA.lr, weightDecay: 0 });
    const lossOf = (x: Tensor) => peft.forward({ inputIds: x, labels: x }).loss!;
    const initialLoss = await noGrad(() => lossOf(batches[0])).item();
    const times: number[] = [];
    for (let i = 0; i < steps + 2; i++) {
      const x = batches[i % count];
      const start = performance.now();
      const loss = tidy(() => {
        const loss = lossOf(x);
        optimizer.zeroGrad();
        loss.backward();
        optimizer.step();
        return loss;
      });
      await loss.item();
      loss.dispose();
      if (i >= 2) times.push(performance.now() - start);
    }
    batches.forEach((b) => b.dispose());
    const torch = runPythonJson<{ torch: string; stepMs: number; initialLoss: number }>(PEERS, ['lora', dir, '2', String(steps)]);
    const ours = median(times);
    console.log(
      `\nLoRA training step, GPT-2 125M (random weights), batch ${batch} × ${seq}, LoRA r = ${LORA.r} on c_attn, AdamW; ms per step (median)`,
    );
    printTable(
      ['', 'peft.js cuda', `PyTorch ${torch.torch} + PEFT`, 'speed-up'],
      [['ms/step', ours.toFixed(1), torch.stepMs.toFixed(1), `${(torch.stepMs / ours).toFixed(2)}x`]],
    );
    const diff = Math.abs(initialLoss - torch.initialLoss) / Math.abs(torch.initialLoss);
    notes.push(
      `loss before training: peft.js ${initialLoss.toFixed(5)}, PyTorch ${torch.initialLoss.toFixed(5)} (${diff < 1e-4 ? 'same' : 'DIFFERENT'}, relative ${diff.toExponential(1)})`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchCuda(args: readonly string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      batch: { type: 'string', default: '8' },
      seq: { type: 'string', default: '512' },
      steps: { type: 'string', default: '10' },
      'no-lora': { type: 'boolean' },
    },
  });
  let backend: CudaBackend;
  try {
    backend = await createCudaBackend();
  } catch (err) {
    console.log(
      'cuda: this benchmark needs an NVIDIA GPU (compute capability 8.0 or newer) with its driver, and the addon built with nvcc.',
    );
    console.log(`  here: ${err instanceof Error ? err.message : String(err)}`);
    console.log('  nothing was measured.');
    return;
  }
  const why = ensurePyTorch();
  if (why) {
    console.log(`cuda: the peers need PyTorch with CUDA (and transformers + peft for the LoRA step): ${why}`);
    return;
  }
  console.log(`peft.js cuda on ${backend.info.device}; GEMM: ${backend.info.gemm}`);
  const notes: string[] = [];
  const sizes = positionals.length ? positionals.map(Number) : [1024, 2048, 4096];
  await benchGemm(backend, sizes, notes);
  if (!values['no-lora']) await benchLora(Number(values.batch), Number(values.seq), Number(values.steps), notes);
  for (const n of notes) console.log(`note: ${n}`);
}
