/**
 * Training throughput of a small GPT-2-like model on the CPU backend, with the time spent in each
 * kernel. The model is built from core ops only: embedding, layerNorm, Linear, causal
 * scaledDotProductAttention, gelu, crossEntropy, AdamW.
 *
 *   npm run bench -- cpu-profile [--ref] [--shapes] [--steps N] [--layers L] [--embd C] [--heads H] [--ctx T] [--batch B]
 *                                [--backend-module path/to/index.ts] [--lora [--llama [--llama-layers L]]]
 *
 * --lora profiles a LoRA step instead (lora-profile.ts): byte-gpt2's shape with LoRA r 8 on every
 * Conv1D, or with --llama a Llama with SmolLM2-135M's configuration and LoRA r 16 on all linears.
 *
 * --backend-module takes `CpuBackend` from another build of the backend (an older version, to
 * compare in one sitting). Besides wall time the step is timed in this process's CPU time, which a
 * machine busy with other work disturbs much less.
 */
import {
  AdamW,
  add,
  crossEntropy,
  defaultGenerator,
  embedding,
  gelu,
  layerNorm,
  Linear,
  Module,
  ones,
  parameter,
  randn,
  registerBackend,
  reshape,
  scaledDotProductAttention,
  setBackend,
  slice,
  tensor,
  type Tensor,
  tidy,
  transpose,
  zeros,
} from '@peftjs/core';
import { CpuBackend } from '@peftjs/backend-cpu';
import { pathToFileURL } from 'node:url';
import { loraProfileModel } from './lora-profile.js';
import { printTable } from './timing.js';

interface Config {
  readonly layers: number;
  readonly embd: number;
  readonly heads: number;
  readonly ctx: number;
  readonly batch: number;
  readonly vocab: number;
}

class Block extends Module {
  private readonly attn: Linear;
  private readonly proj: Linear;
  private readonly fc: Linear;
  private readonly fcProj: Linear;

  constructor(private readonly config: Config) {
    super();
    const c = config.embd;
    for (const name of ['ln1', 'ln2']) {
      this.registerParameter(`${name}.weight`, parameter(ones([c])));
      this.registerParameter(`${name}.bias`, parameter(zeros([c])));
    }
    this.attn = this.registerModule('attn', new Linear(c, 3 * c));
    this.proj = this.registerModule('proj', new Linear(c, c));
    this.fc = this.registerModule('fc', new Linear(c, 4 * c));
    this.fcProj = this.registerModule('fcProj', new Linear(4 * c, c));
  }

  forward(x: Tensor): Tensor {
    const { batch: b, ctx: t, embd: c, heads: h } = this.config;
    const d = c / h;
    const qkv = this.attn.forward(layerNorm(x, [c], this.get('ln1.weight'), this.get('ln1.bias')));
    const [q, k, v] = [0, 1, 2].map((i) => transpose(reshape(slice(qkv, 2, i * c, (i + 1) * c), [b, t, h, d]), 1, 2));
    const y = reshape(transpose(scaledDotProductAttention(q, k, v, { isCausal: true }), 1, 2), [b, t, c]);
    const x1 = add(x, this.proj.forward(y));
    const m = this.fcProj.forward(gelu(this.fc.forward(layerNorm(x1, [c], this.get('ln2.weight'), this.get('ln2.bias')))));
    return add(x1, m);
  }
}

class TinyGPT extends Module {
  private readonly blocks: Block[];

  constructor(private readonly config: Config) {
    super();
    const { vocab, ctx, embd } = config;
    this.registerParameter('wte', parameter(randn([vocab, embd], { std: 0.02 })));
    this.registerParameter('wpe', parameter(randn([ctx, embd], { std: 0.01 })));
    this.registerParameter('lnf.weight', parameter(ones([embd])));
    this.registerParameter('lnf.bias', parameter(zeros([embd])));
    this.blocks = Array.from({ length: config.layers }, (_, i) => this.registerModule(`h${i}`, new Block(config)));
  }

  forward(tokens: Tensor): Tensor {
    return tokens;
  }

  loss(tokens: Tensor, targets: Tensor, positions: Tensor): Tensor {
    const { embd, vocab } = this.config;
    let x = add(embedding(tokens, this.get('wte')!), embedding(positions, this.get('wpe')!));
    for (const block of this.blocks) x = block.forward(x);
    x = layerNorm(x, [embd], this.get('lnf.weight'), this.get('lnf.bias'));
    const logits = x.matmul(this.get('wte')!, { transposeB: true });
    return crossEntropy(reshape(logits, [-1, vocab]), reshape(targets, [-1]));
  }
}

type KernelFn = (args: unknown) => void;

interface Timed {
  ms: number;
  /** This process's CPU time (all threads), which other work on a busy machine disturbs much less. */
  cpuMs: number;
  calls: number;
  /** Elements written (the first output's size), to tell a slow loop from a big tensor. */
  elements: number;
}

function outputSize(args: unknown): number {
  const a = args as Record<string, { layout?: { shape: number[] } } | undefined>;
  const out = a.out ?? a.dst ?? a.dx ?? a.dlogits ?? a.loss;
  return out?.layout ? out.layout.shape.reduce((x, y) => x * y, 1) : 0;
}

/** Wraps every kernel of `backend` so each call's wall time is added to `times` under its name. */
function instrument(backend: CpuBackend, times: Map<string, Timed>, shapes: boolean): void {
  const wrapped: Record<string, KernelFn> = {};
  for (const [name, kernel] of Object.entries(backend.kernels as Record<string, KernelFn>)) {
    wrapped[name] = (args: unknown) => {
      const start = performance.now();
      const cpuStart = process.cpuUsage();
      kernel(args);
      const ms = performance.now() - start;
      const cpu = process.cpuUsage(cpuStart);
      // split the families by op so the breakdown says which ones cost
      const op = (args as { op?: string }).op;
      const key = shapes && name === 'matmul' ? matmulKey(args as MatmulArgs) : op === undefined ? name : `${name}:${op}`;
      const entry = times.get(key) ?? { ms: 0, cpuMs: 0, calls: 0, elements: 0 };
      entry.ms += ms;
      entry.cpuMs += (cpu.user + cpu.system) / 1000;
      entry.calls++;
      entry.elements += outputSize(args);
      times.set(key, entry);
    };
  }
  (backend as unknown as { kernels: Record<string, KernelFn> }).kernels = wrapped;
}

type MatmulArgs = { a: { layout: { shape: number[] } }; b: { layout: { shape: number[] } }; transA: boolean; transB: boolean };

/** `matmul 32×[128×32]·[32×128]ᵀ`: batch, then each operand's stored matrix shape, ᵀ where transposed. */
function matmulKey({ a, b, transA, transB }: MatmulArgs): string {
  const mat = (shape: number[], t: boolean) => `[${shape.slice(-2).join('×')}]${t ? 'ᵀ' : ''}`;
  const batch = a.layout.shape.slice(0, -2).reduce((x, y) => x * y, 1);
  return `matmul ${batch > 1 ? `${batch}×` : ''}${mat(a.layout.shape, transA)}·${mat(b.layout.shape, transB)}`;
}

function option(args: readonly string[], name: string, fallback: number): number {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
}

export async function benchCpuProfile(args: readonly string[]): Promise<void> {
  const config: Config = {
    layers: option(args, 'layers', 4),
    embd: option(args, 'embd', 128),
    heads: option(args, 'heads', 4),
    ctx: option(args, 'ctx', 128),
    batch: option(args, 'batch', 8),
    vocab: 257,
  };
  const steps = option(args, 'steps', 6);
  const fast = !args.includes('--ref');
  const times = new Map<string, Timed>();
  const at = args.indexOf('--backend-module');
  const Backend: typeof CpuBackend = at >= 0 ? (await import(pathToFileURL(args[at + 1]).href)).CpuBackend : CpuBackend;
  const threads = args.includes('--threads') ? option(args, 'threads', 1) : undefined;
  const backend = new Backend({ fast, threads });
  instrument(backend, times, args.includes('--shapes'));
  registerBackend('cpu-profile', () => backend, 0);
  await setBackend('cpu-profile');
  defaultGenerator().manualSeed(0);

  const lora = args.includes('--lora') ? await loraProfileModel(args) : null;
  const model = lora?.model ?? new TinyGPT(config);
  const optimizer = new AdamW(lora?.params ?? model.parameters(), { lr: 1e-3 });
  const { batch: b, ctx: t, vocab } = lora?.shape ?? config;
  const data = Int32Array.from({ length: b * (t + 1) }, (_, i) => (i * 7919 + (i >> 3) * 31) % vocab);
  const rows = (from: number) => Int32Array.from({ length: b * t }, (_, i) => data[Math.floor(i / t) * (t + 1) + (i % t) + from]);
  const tokens = tensor(rows(0), { shape: [b, t], dtype: 'int32' });
  const targets = tensor(rows(1), { shape: [b, t], dtype: 'int32' });
  const positions = tensor(
    Int32Array.from({ length: t }, (_, i) => i),
    { shape: [t], dtype: 'int32' },
  );

  const losses: number[] = [];
  const stepMs: number[] = [];
  let cpuMicros = 0;
  for (let step = 0; step < steps + 1; step++) {
    if (step === 1) times.clear(); // step 0 is the warm-up
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    const loss = tidy(() => {
      const l = lora ? lora.loss(tokens) : (model as TinyGPT).loss(tokens, targets, positions);
      l.backward();
      optimizer.step();
      optimizer.zeroGrad();
      return l;
    });
    losses.push(loss.dataSync()[0]);
    loss.dispose();
    if (step > 0) {
      stepMs.push(performance.now() - start);
      const cpu = process.cpuUsage(cpuStart);
      cpuMicros += cpu.user + cpu.system;
    }
  }
  const totalMs = stepMs.reduce((x, y) => x + y, 0);
  const kernelMs = [...times.values()].reduce((x, y) => x + y.ms, 0);
  const perStep = totalMs / steps;
  console.log(
    `cpu-profile (${fast ? 'fast' : 'reference'} kernels${threads === undefined ? '' : `, ${threads} thread(s)`}): ${lora ? lora.label : `${config.layers} layers, n_embd ${config.embd}, ${config.heads} heads`}, ` +
      `context ${t}, batch ${b}, vocabulary ${vocab}, AdamW; ${steps} timed steps after one warm-up`,
  );
  console.log(`loss: ${losses.map((l) => l.toFixed(4)).join(' ')}`);
  const cpuPerStep = cpuMicros / 1000 / steps;
  console.log(
    `step: ${perStep.toFixed(1)} ms, ${((b * t) / (perStep / 1000)).toFixed(0)} tokens/s; ` +
      `CPU time ${cpuPerStep.toFixed(1)} ms, ${((b * t) / (cpuPerStep / 1000)).toFixed(0)} tokens per CPU second; ` +
      `kernels ${((100 * kernelMs) / totalMs).toFixed(1)}% of the time, core and the rest ${((100 * (totalMs - kernelMs)) / totalMs).toFixed(1)}%`,
  );
  const sorted = [...times.entries()].sort((x, y) => y[1].ms - x[1].ms);
  printTable(
    ['kernel', 'ms/step', '% of step', 'CPU ms/step', 'calls/step', 'us/call', 'ns/element'],
    sorted.map(([name, { ms, cpuMs, calls, elements }]) => [
      name,
      (ms / steps).toFixed(2),
      ((100 * ms) / totalMs).toFixed(1),
      (cpuMs / steps).toFixed(2),
      (calls / steps).toFixed(0),
      ((1000 * ms) / calls).toFixed(1),
      elements > 0 ? ((1e6 * ms) / elements).toFixed(2) : '',
    ]),
  );
  model.dispose();
}
