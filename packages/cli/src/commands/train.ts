import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AdamW, DataLoader, ProgressCallback, Trainer, getLinearScheduleWithWarmup, manualSeed } from '@peftjs/core';
import '@peftjs/core/node';
import { dataCollatorForLanguageModeling, dataCollatorWithPadding } from '@peftjs/data';
import { configFromJSON, getPeftModel, type PeftConfig } from '@peftjs/methods';
import { savePretrained } from '@peftjs/methods/node';
import { existingFile, fraction, list, nonNegativeInt, parseFlags, positiveInt, positiveNumber, required } from '../args.js';
import { useBackend } from '../backend.js';
import { readDataset, splitHeldOut } from '../data.js';
import { CliError } from '../errors.js';
import { loadCausalLM, loadClassifier, loadTokenizer, readModelConfig } from '../load.js';
import { writeLossCurve } from '../loss-curve.js';

export const TRAIN_USAGE = `peftjs train --model DIR --data FILE.jsonl|FILE.txt --out DIR [options]
  --method NAME        PEFT method (default lora), or --config adapter_config.json for any registered method
  --r N --alpha N      LoRA rank and alpha (default 8 and 2·r)
  --target a,b         target modules (default: the method's defaults for the model)
  --task T             causal-lm or classification (default: classification when the .jsonl rows have "label")
  --steps N            optimizer steps (default 100)   --batch N (default 8)   --seq N tokens (default 64)
  --lr X               AdamW learning rate (default 2e-3)   --seed N (default 0)
  --eval-split X       share of the examples held out for evaluation (default 0.1)
  --save-steps N       checkpoint every N steps into DIR/checkpoint-N (default: the end only)
  --resume             continue from the latest checkpoint in --out
  --backend cpu|webgpu`;

const FLAGS = {
  model: { type: 'string' },
  data: { type: 'string' },
  out: { type: 'string' },
  method: { type: 'string' },
  config: { type: 'string' },
  r: { type: 'string' },
  alpha: { type: 'string' },
  target: { type: 'string' },
  task: { type: 'string' },
  steps: { type: 'string' },
  batch: { type: 'string' },
  seq: { type: 'string' },
  lr: { type: 'string' },
  seed: { type: 'string' },
  'eval-split': { type: 'string' },
  'save-steps': { type: 'string' },
  resume: { type: 'boolean' },
  backend: { type: 'string' },
  quiet: { type: 'boolean' },
} as const;

/** The PEFT config from --config or from --method and its flags (HF PEFT's JSON names). */
async function peftConfig(
  values: { config?: string; method?: string; r?: string; alpha?: string; target?: string },
  taskType: string,
  modelType: unknown,
): Promise<PeftConfig> {
  let json: Record<string, unknown>;
  if (values.config !== undefined) {
    if (values.method !== undefined) throw new CliError('pass either --config or --method, not both');
    existingFile(values.config, 'config');
    try {
      json = JSON.parse(await readFile(values.config, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new CliError(`--config ${values.config}: not valid JSON (${(err as Error).message})`);
    }
  } else {
    json = { peft_type: (values.method ?? 'lora').toUpperCase().replace(/-/g, '_') };
  }
  json.task_type ??= taskType;
  if (values.r !== undefined) json.r = positiveInt(values.r, 'r', 8);
  else if (values.config === undefined && json.peft_type === 'LORA') json.r = 8;
  if (values.alpha !== undefined) json.lora_alpha = positiveNumber(values.alpha, 'alpha', 16);
  else if (values.config === undefined && json.peft_type === 'LORA') json.lora_alpha = 2 * (json.r as number);
  // GPT-2's layers are Conv1D (weights stored [in, out]): PEFT's LoRA and IA3 need fan_in_fan_out there
  if (modelType === 'gpt2' && (json.peft_type === 'LORA' || json.peft_type === 'IA3')) json.fan_in_fan_out ??= true;
  const targets = list(values.target);
  if (targets) json.target_modules = targets;
  try {
    return configFromJSON(json);
  } catch (err) {
    const what = values.config !== undefined ? `--config ${values.config}` : `--method ${values.method ?? 'lora'}`;
    throw new CliError(`${what}: ${(err as Error).message}`);
  }
}

/** The checkpoint with the highest step in `out`, or null. */
async function latestCheckpoint(out: string): Promise<string | null> {
  const entries = await readdir(out).catch(() => [] as string[]);
  const steps = entries
    .map((e) => /^checkpoint-(\d+)$/.exec(e))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]));
  return steps.length === 0 ? null : join(out, `checkpoint-${Math.max(...steps)}`);
}

export async function train(args: readonly string[], log: (line: string) => void): Promise<void> {
  const { values } = parseFlags(args, FLAGS);
  const modelDir = required(values.model, 'model');
  const dataPath = existingFile(required(values.data, 'data'), 'data');
  const out = required(values.out, 'out');
  const steps = positiveInt(values.steps, 'steps', 100);
  const batchSize = positiveInt(values.batch, 'batch', 8);
  const seq = positiveInt(values.seq, 'seq', 64);
  const lr = positiveNumber(values.lr, 'lr', 2e-3);
  const seed = nonNegativeInt(values.seed, 'seed', 0);
  const evalSplit = fraction(values['eval-split'], 'eval-split', 0.1);
  const saveSteps = values['save-steps'] === undefined ? undefined : positiveInt(values['save-steps'], 'save-steps', 1);
  const modelConfig = await readModelConfig(modelDir);
  const resume = values.resume ? await latestCheckpoint(out) : null;
  if (values.resume && !resume) throw new CliError(`--resume: ${out} holds no checkpoint-N folder to resume from`);
  if (
    !values.resume &&
    (await readdir(out).catch(() => [] as string[])).some((e) => e === 'adapter_config.json' || e.startsWith('checkpoint-'))
  ) {
    throw new CliError(`--out ${out} already holds a trained adapter or checkpoints; pass --resume to continue, or another folder`);
  }

  const tokenizer = await loadTokenizer(modelDir);
  const data = await readDataset(dataPath, tokenizer, seq, values.task);
  const { train: trainSet, held } = splitHeldOut(data.examples, evalSplit);
  const padTokenId =
    tokenizer.padTokenId ?? tokenizer.eosTokenId ?? (typeof modelConfig.eos_token_id === 'number' ? modelConfig.eos_token_id : 0);
  const config = await peftConfig(values, data.task === 'classification' ? 'SEQ_CLS' : 'CAUSAL_LM', modelConfig.model_type);
  const backend = await useBackend(values.backend);
  manualSeed(seed);
  const base =
    data.task === 'classification' ? await loadClassifier(modelDir, data.labels.length, padTokenId) : await loadCausalLM(modelDir);
  let peft;
  try {
    peft = getPeftModel(base, config);
  } catch (err) {
    throw new CliError(`--${values.config !== undefined ? 'config' : 'target'}: ${(err as Error).message}`);
  }
  const { trainable, all } = peft.getNbTrainableParameters();
  log(
    `${config.peftType} on ${modelConfig.model_type ?? 'model'} (${backend}): ${trainable.toLocaleString('en-US')} trainable of ${all.toLocaleString('en-US')} parameters; ` +
      `${data.task}, ${trainSet.length} training and ${held.length} held-out examples`,
  );

  const collateFn =
    data.task === 'classification' ? dataCollatorWithPadding({ padTokenId }) : dataCollatorForLanguageModeling({ padTokenId });
  const trainLoader = new DataLoader(trainSet, { batchSize, shuffle: true, seed, collateFn });
  const evalLoader = held.length > 0 ? new DataLoader(held, { batchSize, collateFn }) : undefined;
  const optimizer = new AdamW(peft.trainableParameters(), { lr, weightDecay: 0 });
  const scheduler = getLinearScheduleWithWarmup(optimizer, Math.round(0.1 * steps), steps);
  const trainer = new Trainer({
    model: peft,
    optimizer,
    scheduler,
    trainLoader,
    evalLoader,
    maxSteps: steps,
    loggingSteps: 1,
    evalSteps: evalLoader ? Math.max(1, Math.floor(steps / 5)) : undefined,
    saveSteps: saveSteps ?? steps,
    outputDir: out,
    resumeFromCheckpoint: resume ?? undefined,
    callbacks: values.quiet ? [] : [new ProgressCallback({ stream: process.stderr })],
  });
  if (resume) log(`resuming from ${resume}`);
  try {
    await trainer.train();
  } finally {
    optimizer.dispose();
  }
  peft.eval();
  await savePretrained(peft, out);
  await writeLossCurve(join(out, 'loss.png'), trainer.state.logHistory, `${config.peftType} fine-tuning (${data.task})`);
  const evals = trainer.state.logHistory.filter((e) => e.evalLoss !== undefined);
  const last = evals.at(-1)?.evalLoss;
  log(
    `saved the adapter to ${out} (adapter_config.json, adapter_model.safetensors) and the loss curves to ${join(out, 'loss.png')}` +
      (last !== undefined ? `; held-out loss ${last.toFixed(4)}` : ''),
  );
  peft.dispose();
}
