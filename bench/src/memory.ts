/**
 * `npm run bench -- memory`: what LoRA training of a Llama-architecture model costs in memory on
 * the CPU backend, with SmolLM2-135M's and Qwen2.5-0.5B's configurations (random weights), LoRA
 * r 16 on every linear layer but the head, AdamW, the sliced LM-head loss (returnLogits: false)
 * in every mode. Modes: float32; gradient checkpointing; an NF4 base; NF4 with checkpointing. Each
 * run is a fresh child process, so its peak RSS is its own; beside it, the backend's buffer
 * high-water mark, the step time, and what weights, LoRA state and activations need by arithmetic.
 * The NF4 base is built as a quantized load builds it (nf4Base): the float model never exists whole.
 *
 *   npm run bench -- memory [--configs smollm2-135m,qwen2.5-0.5b] [--batch 4] [--seq 512]
 *                           [--modes float32,checkpointing,nf4,nf4+checkpointing] [--steps 2]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  AdamW,
  Linear,
  fill,
  initEmptyWeights,
  isMeta,
  manualSeed,
  memory,
  quantizeModel,
  randn,
  resetPeakMemory,
  setBackend,
  tensor,
  tidy,
  type Module,
} from '@peftjs/core';
import '@peftjs/backend-cpu';
import { LlamaConfig, LlamaForCausalLM } from '@peftjs/models';
import { LoraConfig, getPeftModel } from '@peftjs/methods';

/** The two configurations (HF config.json values), Llama architecture. */
const CONFIGS: Record<string, ConstructorParameters<typeof LlamaConfig>[0]> = {
  'smollm2-135m': {
    vocabSize: 49152,
    hiddenSize: 576,
    intermediateSize: 1536,
    numHiddenLayers: 30,
    numAttentionHeads: 9,
    numKeyValueHeads: 3,
    maxPositionEmbeddings: 8192,
    ropeTheta: 100000,
    rmsNormEps: 1e-5,
    tieWordEmbeddings: true,
  },
  'qwen2.5-0.5b': {
    vocabSize: 151936,
    hiddenSize: 896,
    intermediateSize: 4864,
    numHiddenLayers: 24,
    numAttentionHeads: 14,
    numKeyValueHeads: 2,
    maxPositionEmbeddings: 32768,
    ropeTheta: 1000000,
    rmsNormEps: 1e-6,
    tieWordEmbeddings: true,
  },
};
const MODES = ['float32', 'checkpointing', 'nf4', 'nf4+checkpointing'] as const;
type Mode = (typeof MODES)[number];
const RANK = 16;

interface RunSpec {
  config: string;
  mode: Mode;
  batch: number;
  seq: number;
  steps: number;
}
interface RunResult {
  spec: RunSpec;
  peakRssBytes?: number;
  peakBufferBytes?: number;
  weightBytes?: number;
  loraStateBytes?: number;
  stepSeconds?: number;
}

/** Bytes by arithmetic: the weights as stored, LoRA's parameters with their gradients and AdamW's two moments, activations. */
function arithmetic(c: LlamaConfig, spec: RunSpec): { weights: number; lora: number; activations: number } {
  const { hiddenSize: h, intermediateSize: i, numHiddenLayers: layers, vocabSize: v, numAttentionHeads: heads } = c;
  const kv = c.kvHeads * c.attentionHeadDim;
  const linear = layers * (h * h + 2 * h * kv + h * h + 3 * h * i);
  const nf4 = spec.mode.startsWith('nf4');
  // NF4: 4 bits a weight plus double-quantized absmax (8 bits per 64 weights, float32 per 256 blocks)
  const weights = (nf4 ? linear * (0.5 + 1 / 64 + 4 / (64 * 256)) : linear * 4) + (v * h + (2 * layers + 1) * h) * 4;
  const loraParams = layers * RANK * (h + h + (h + kv) * 2 + (h + h) + 2 * (h + i) + (i + h));
  const lora = loraParams * 4 * 4;
  // activations kept for backward per layer, float32: ~12 hidden-sized, 5 intermediate-sized and
  // 3 score-sized tensors a token (composed attention keeps scores, their scaled and softmaxed forms)
  const tokens = spec.batch * spec.seq;
  const perLayer = 4 * (tokens * (12 * h + 5 * i) + 3 * spec.batch * heads * spec.seq * spec.seq);
  const ckpt = spec.mode.endsWith('checkpointing');
  const activations = ckpt ? layers * tokens * h * 4 + perLayer : layers * perLayer;
  return { weights, lora, activations };
}

/** The child runs with --expose-gc. */
const collectGarbage = (): void => (globalThis as { gc?: () => void }).gc?.();

/**
 * The NF4 base the way a quantized load builds it: the model is made without weights
 * (initEmptyWeights), then one decoder layer at a time gets random float weights and core's
 * quantizeModel replaces its Linears by NF4 QuantizedLinears, freeing each float weight; the
 * embeddings and norms get their init last. The float model never exists whole, so the peak is
 * the quantized model plus one layer's float weights.
 */
async function nf4Base(config: LlamaConfig): Promise<LlamaForCausalLM> {
  const model = initEmptyWeights(() => new LlamaForCausalLM(config));
  const std = config.initializerRange;
  // random values straight into each parameter (HF's init: normal matrices; the vectors, which in
  // this bias-free Llama are the norms' weights, at one)
  const fillIn = (m: Module) => {
    for (const [, p] of m.namedParameters()) {
      if (!isMeta(p)) continue;
      // straight into a backend buffer: the CPU's random kernel needs no scratch of the tensor's size
      const value = p.rank === 1 ? fill(p.shape, 1) : randn(p.shape, { std });
      p.assign(value);
      value.dispose();
    }
  };
  for (const [, layer] of model.getSubmodule('model.layers').namedChildren()) {
    for (const [, m] of layer.namedModules()) if (m instanceof Linear) fillIn(m);
    const report = await quantizeModel(layer, { bits: 4, quantType: 'nf4' });
    if (report.quantized.length !== 7) throw new Error(`memory: expected 7 quantized Linears a layer, got ${report.quantized.join(', ')}`);
    // the freed float weights and their host copies are garbage V8 collects late; collect them
    // now, or the build's garbage (about 1.6 GiB for the 0.5B configuration) sets the peak RSS
    collectGarbage();
  }
  // the embeddings (tied to the head) and the norms
  for (const [, m] of model.namedModules()) fillIn(m);
  collectGarbage();
  return model;
}

async function child(spec: RunSpec): Promise<RunResult> {
  await setBackend('cpu');
  manualSeed(0);
  const config = new LlamaConfig(CONFIGS[spec.config]);
  const base = spec.mode.startsWith('nf4') ? await nf4Base(config) : new LlamaForCausalLM(config);
  if (spec.mode.endsWith('checkpointing')) base.gradientCheckpointingEnable();
  const weightBytes = memory().numBytes;
  const model = getPeftModel(base, new LoraConfig({ r: RANK, loraAlpha: 32, targetModules: 'all-linear', loraDropout: 0 }));
  model.train();
  const params = model.parameters().filter((p) => p.requiresGrad);
  const loraParams = params.reduce((n, p) => n + p.size, 0);
  const opt = new AdamW(params, { lr: 1e-4 });
  const ids = Int32Array.from({ length: spec.batch * spec.seq }, (_, k) => (k * 7919) % config.vocabSize);
  const inputIds = tensor(ids, { shape: [spec.batch, spec.seq], dtype: 'int32' });
  collectGarbage();
  resetPeakMemory();
  const times: number[] = [];
  for (let s = 0; s < spec.steps; s++) {
    const t0 = performance.now();
    const loss = tidy(() => model.forward({ inputIds, labels: inputIds, returnLogits: false }).loss!);
    loss.backward();
    opt.step();
    opt.zeroGrad();
    await loss.data();
    loss.dispose();
    times.push((performance.now() - t0) / 1000);
  }
  const later = times.length > 1 ? times.slice(1) : times;
  return {
    spec,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    peakBufferBytes: memory().peakBytes,
    weightBytes,
    loraStateBytes: loraParams * 16,
    stepSeconds: later.reduce((a, b) => a + b, 0) / later.length,
  };
}

function option(args: readonly string[], name: string, fallback: string): string {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] ? args[at + 1] : fallback;
}

const gb = (n: number | undefined) => (n === undefined ? '—' : `${(n / 2 ** 30).toFixed(2)}`);

export async function benchMemory(args: readonly string[]): Promise<void> {
  const configs = option(args, 'configs', Object.keys(CONFIGS).join(',')).split(',');
  const modes = option(args, 'modes', MODES.join(',')).split(',') as Mode[];
  const batch = Number(option(args, 'batch', '4'));
  const seq = Number(option(args, 'seq', '512'));
  const steps = Number(option(args, 'steps', '2'));
  for (const c of configs)
    if (!(c in CONFIGS)) throw new RangeError(`memory: unknown config ${c} (known: ${Object.keys(CONFIGS).join(', ')})`);
  for (const m of modes) if (!MODES.includes(m)) throw new RangeError(`memory: unknown mode ${m} (known: ${MODES.join(', ')})`);
  console.log(`LoRA r ${RANK} on all linear layers, AdamW, batch ${batch} × ${seq}, CPU backend, sliced LM-head loss; GiB`);
  console.log(
    '| config | mode | peak RSS | buffer high-water | weights (measured / arithmetic) | LoRA state | activations (high-water − weights − LoRA / arithmetic) | step s |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const config of configs) {
    for (const mode of modes) {
      const spec: RunSpec = { config, mode, batch, seq, steps };
      // one run at a time, each in its own process
      const out = spawnSync(
        process.execPath,
        [...process.execArgv, '--expose-gc', fileURLToPath(import.meta.url), '--child', JSON.stringify(spec)],
        { encoding: 'utf8', maxBuffer: 1 << 24 },
      );
      const line = out.stdout.trim().split('\n').pop() ?? '';
      let r: RunResult;
      try {
        r = JSON.parse(line) as RunResult;
      } catch {
        console.log(`| ${config} | ${mode} | failed: ${(out.stderr || line).trim().split('\n').slice(-3).join(' ')} |`);
        continue;
      }
      const a = arithmetic(new LlamaConfig(CONFIGS[config]), spec);
      const act = r.peakBufferBytes! - r.weightBytes! - r.loraStateBytes!;
      console.log(
        `| ${config} | ${mode} | ${gb(r.peakRssBytes)} | ${gb(r.peakBufferBytes)} | ${gb(r.weightBytes)} / ${gb(a.weights)} | ${gb(r.loraStateBytes)} / ${gb(a.lora)} | ${gb(act)} / ${gb(a.activations)} | ${r.stepSeconds!.toFixed(2)} |`,
      );
    }
  }
}

if (process.argv[2] === '--child') {
  const result = await child(JSON.parse(process.argv[3]!) as RunSpec);
  console.log(JSON.stringify(result));
}
