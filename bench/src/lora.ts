/**
 * LoRA fine-tuning throughput, the project's headline CPU figure: tokens/s of
 *   peft.js   getPeftModel(model, LoraConfig) on the CPU backend
 *   PyTorch   the same LoRA written in plain PyTorch (python/lora_train.py), one thread and every core
 * for two models: the committed byte-level GPT-2 (LoRA on every Conv1D) and a Llama with
 * SmolLM2-135M's configuration (random weights, LoRA on all linear layers). Both sides start from
 * the same base weights and adapter (saved by peft.js) and train on the same batches with AdamW;
 * their loss curves must agree.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AdamW, getBackend, manualSeed, noGrad, setBackend, tensor, type Tensor } from '@peftjs/core';
import '@peftjs/backend-cpu';
import { GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM, type ModelOutput, type PreTrainedModelWith } from '@peftjs/models';
import { fromPretrained, savePretrained } from '@peftjs/models/node';
import { LoraConfig, getPeftModel, type PeftModel } from '@peftjs/methods';
import { savePretrained as saveAdapter } from '@peftjs/methods/node';
import { ensurePyTorch, runPythonJson } from './pytorch.js';
import { positiveInt, reportTraining, textBatches, timePeftSteps, type TrainResult, type TrainSetup } from './training.js';

const PYTHON_SCRIPT = fileURLToPath(new URL('../python/lora_train.py', import.meta.url));
const BYTE_GPT2_DIR = fileURLToPath(new URL('../../apps/examples/models/byte-gpt2', import.meta.url));
const LR = 1e-3;
const WEIGHT_DECAY = 0.01;
const BATCHES = 4;

/** SmolLM2-135M's configuration (HuggingFaceTB/SmolLM2-135M config.json); `layers` may shrink it. */
export function smolLM2Config(layers: number): LlamaConfig {
  return new LlamaConfig({
    vocabSize: 49152,
    hiddenSize: 576,
    intermediateSize: 1536,
    numHiddenLayers: layers,
    numAttentionHeads: 9,
    numKeyValueHeads: 3,
    maxPositionEmbeddings: 8192,
    rmsNormEps: 1e-5,
    ropeTheta: 100000,
    tieWordEmbeddings: true,
    initializerRange: 0.041666666666666664,
    bosTokenId: 0,
    eosTokenId: 0,
  });
}

interface Case {
  readonly label: string;
  readonly arch: 'gpt2' | 'llama';
  readonly setup: TrainSetup;
  readonly torchSetup: TrainSetup;
  readonly model: () => Promise<PreTrainedModelWith<ModelOutput>>;
  readonly lora: LoraConfig;
}

async function peftLora(
  peft: PeftModel<PreTrainedModelWith<ModelOutput>>,
  batches: readonly Tensor[],
  setup: TrainSetup,
): Promise<TrainResult> {
  const forward = (ids: Tensor) => peft.forward({ inputIds: ids, labels: ids });
  const initialLoss = await noGrad(() => forward(batches[0]).loss!).item();
  const optimizer = new AdamW(peft.trainableParameters(), { lr: LR, weightDecay: WEIGHT_DECAY });
  try {
    return await timePeftSteps(
      (ids) => {
        const { loss } = forward(ids);
        optimizer.zeroGrad();
        loss!.backward();
        optimizer.step();
        return loss!;
      },
      initialLoss,
      batches,
      setup,
      Math.min(8, availableParallelism()),
    );
  } finally {
    optimizer.dispose();
  }
}

interface TorchOutput extends TrainResult {
  torch: string;
}

async function runCase(c: Case, torchAvailable: boolean): Promise<void> {
  manualSeed(0);
  const model = await c.model();
  const dir = mkdtempSync(join(tmpdir(), 'peftjs-bench-lora-'));
  try {
    await savePretrained(model, dir);
    const peft = getPeftModel(model, c.lora);
    mkdirSync(join(dir, 'adapter'));
    await saveAdapter(peft, join(dir, 'adapter'));
    const data = textBatches(BATCHES, c.setup);
    writeFileSync(join(dir, 'batches.bin'), data);
    writeFileSync(join(dir, 'bench.json'), JSON.stringify({ batches: BATCHES, ...c.setup, lr: LR, weightDecay: WEIGHT_DECAY }));
    const { batchSize, seqLen } = c.setup;
    const perBatch = batchSize * seqLen;
    const batches = Array.from({ length: BATCHES }, (_, i) =>
      tensor(data.subarray(i * perBatch, (i + 1) * perBatch), { shape: [batchSize, seqLen], dtype: 'int32' }),
    );
    const { trainable, all } = peft.getNbTrainableParameters();
    console.log(
      `\n${c.label}: ${(all / 1e6).toFixed(1)}M parameters, ${trainable.toLocaleString('en-US')} trainable (LoRA r ${c.lora.r}, alpha ${c.lora.loraAlpha}); ` +
        `batch ${batchSize} × ${seqLen} tokens; AdamW lr ${LR}, weight decay ${WEIGHT_DECAY}`,
    );
    console.log(`peft.js (${getBackend()} backend): ${c.setup.warmup} warm-up + ${c.setup.steps} timed steps...`);
    const results: TrainResult[] = [await peftLora(peft, batches, c.setup)];
    batches.forEach((b) => b.dispose());
    peft.dispose();
    if (torchAvailable) {
      const cores = availableParallelism();
      for (const threads of cores > 1 ? [cores, 1] : [1]) {
        const s = c.torchSetup;
        console.log(`PyTorch, ${threads} thread(s): ${s.warmup} warm-up + ${s.steps} timed steps...`);
        const out = runPythonJson<TorchOutput>(PYTHON_SCRIPT, [c.arch, dir, String(threads), String(s.warmup), String(s.steps)]);
        results.push({ ...out, name: `PyTorch ${out.threads}t` });
      }
    }
    reportTraining(results);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchLora(args: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      model: { type: 'string', default: 'all' },
      'llama-layers': { type: 'string', default: '30' },
      warmup: { type: 'string', default: '1' },
      steps: { type: 'string', default: '4' },
      'llama-steps': { type: 'string', default: '4' },
      'torch-steps': { type: 'string', default: '20' },
      'torch-llama-steps': { type: 'string', default: '4' },
    },
  });
  const int = (flag: keyof typeof values) => positiveInt('lora', values[flag] as string, flag);
  const which = values.model;
  if (!['all', 'gpt2', 'llama'].includes(which)) throw new RangeError(`lora: --model must be all, gpt2 or llama, got ${which}`);
  const warmup = int('warmup');
  const gpt2Setup: TrainSetup = { batchSize: 8, seqLen: 128, warmup, steps: int('steps') };
  const llamaSetup: TrainSetup = { batchSize: 4, seqLen: 128, warmup, steps: int('llama-steps') };
  const layers = int('llama-layers');
  const cases: Case[] = [
    {
      label: 'byte-gpt2 (apps/examples/models/byte-gpt2)',
      arch: 'gpt2',
      setup: gpt2Setup,
      torchSetup: { ...gpt2Setup, steps: int('torch-steps') },
      model: async () => fromPretrained<GPT2LMHeadModel>(BYTE_GPT2_DIR),
      lora: new LoraConfig({
        r: 8,
        loraAlpha: 16,
        loraDropout: 0,
        targetModules: ['c_attn', 'c_proj', 'c_fc'],
        fanInFanOut: true,
        initLoraWeights: false,
      }),
    },
    {
      label: `Llama, SmolLM2-135M configuration${layers === 30 ? '' : ` with ${layers} layers`} (random weights)`,
      arch: 'llama',
      setup: llamaSetup,
      torchSetup: { ...llamaSetup, steps: int('torch-llama-steps') },
      model: async () => new LlamaForCausalLM(smolLM2Config(layers)),
      lora: new LoraConfig({
        r: 16,
        loraAlpha: 32,
        loraDropout: 0,
        targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'],
        initLoraWeights: false,
      }),
    },
  ].filter((c) => which === 'all' || c.arch === which) as Case[];

  await setBackend('cpu');
  console.log(
    `LoRA fine-tuning, Node ${process.version}, ${availableParallelism()} core(s); initLoraWeights false (random A and B, so both train from the first step)`,
  );
  const unavailable = ensurePyTorch();
  if (unavailable !== null) console.log(`PyTorch skipped: ${unavailable}`);
  for (const c of cases) await runCase(c, unavailable === null);
}
