/**
 * `npm run bench -- <name> [args...]`: runs one benchmark by name (see README.md).
 */
import { benchCpuProfile } from './cpu-profile.js';
import { benchCuda } from './cuda.js';
import { benchGenerate } from './generate.js';
import { benchLora } from './lora.js';
import { benchMatmul } from './matmul.js';
import { benchMemory } from './memory.js';
import { benchTrain } from './train.js';
import { benchWebGPU } from './webgpu.js';

const benches: Record<string, { readonly about: string; readonly run: (args: readonly string[]) => Promise<void> }> = {
  'cpu-profile': { about: 'GPT-2-like training step on the CPU backend: tokens/s and time by kernel', run: benchCpuProfile },
  lora: { about: 'LoRA fine-tuning tokens/s (byte-gpt2, SmolLM2-135M-sized Llama) against the same LoRA in PyTorch', run: benchLora },
  cuda: {
    about: 'peft.js CUDA vs PyTorch on the same GPU: GEMM GFLOP/s (fp32, TF32, bf16) and a GPT-2 125M LoRA step (needs a GPU)',
    run: benchCuda,
  },
  generate: {
    about: 'tokens/s of greedy decoding with the KV cache on byte-gpt2 (prompt 64 + 64 new, batch 1 and 8) against PyTorch',
    run: benchGenerate,
  },
  matmul: { about: 'float32 matmul GFLOP/s at n = 256, 512, 1024 (or the sizes given)', run: benchMatmul },
  memory: {
    about:
      'LoRA training memory (peak RSS, buffer high-water, step time) of SmolLM2-135M and Qwen2.5-0.5B configs: float32, checkpointing, NF4',
    run: benchMemory,
  },
  train: { about: 'GPT-2 training tokens/s (full fine-tuning, AdamW) against PyTorch on the CPU', run: benchTrain },
  webgpu: {
    about: 'peft.js WebGPU vs CPU vs tfjs-webgpu: matmul GFLOP/s at n = 128, 256, 512 (or the sizes given) and a LoRA training step',
    run: benchWebGPU,
  },
};

const [name, ...args] = process.argv.slice(2);
const bench = name === undefined ? undefined : benches[name];
if (bench === undefined) {
  console.log(name === undefined ? 'usage: npm run bench -- <name> [args...]' : `unknown benchmark: ${name}`);
  for (const [key, { about }] of Object.entries(benches)) console.log(`  ${key.padEnd(10)} ${about}`);
  process.exitCode = name === undefined ? 0 : 1;
} else {
  await bench.run(args);
}
