/**
 * The PEFT methods `--method` can name: every method registered with @peftjs/methods (by its
 * peft_type in lower case), plus `dora` (LoRA with weight decomposition, as PEFT spells it:
 * LoraConfig(use_dora=True)). Each gets a config for GPT-2 sequence classification.
 */
import { getPeftMethod, registeredPeftTypes, type PeftConfig } from '@peftjs/core';
import '@peftjs/methods';

/** GPT-2's Conv1D layers: the attention's qkv and output projections, the MLP's two layers. */
export const GPT2_TARGETS = ['c_attn', 'c_proj', 'c_fc'];

interface Preset {
  /** The name in the table. */
  readonly label: string;
  readonly peftType: string;
  /** Fields of the method's config (only those the config class has are used). */
  readonly fields: Record<string, unknown>;
  /** Learning rate of the run (LoRA's was tuned on the default demo size; the others are starting points). */
  readonly lr: number;
}

/** Settings of the methods this demo knows; any other registered method gets the generic ones. */
const PRESETS: Record<string, Preset> = {
  lora: { label: 'LoRA', peftType: 'LORA', fields: { r: 8, loraAlpha: 16 }, lr: 5e-3 },
  dora: { label: 'DoRA', peftType: 'LORA', fields: { r: 8, loraAlpha: 16, useDora: true }, lr: 5e-3 },
  // PEFT's defaults for GPT-2: the qkv projection and the MLP's output, which is also the feed-forward layer
  ia3: { label: 'IA3', peftType: 'IA3', fields: { targetModules: ['c_attn', 'mlp.c_proj'], feedforwardModules: ['mlp.c_proj'] }, lr: 1e-2 },
};

/** A method no preset knows trains at this rate. */
const GENERIC_LR = 5e-3;

/** The names `--method` accepts: registered methods (and dora where LoRA is), sorted. */
export function availableMethods(): string[] {
  const types = registeredPeftTypes();
  const names = types.map((t) => t.toLowerCase());
  if (types.includes('LORA')) names.push('dora');
  return [...new Set(names)].sort();
}

export interface MethodSetup {
  readonly label: string;
  readonly config: PeftConfig;
  readonly lr: number;
}

/**
 * The config of `--method name` for GPT2ForSequenceClassification: its Conv1D layers as targets
 * (stored [in, out], so fan_in_fan_out), the `score` head trained in full and saved with the
 * adapter (modules_to_save), task type SEQ_CLS, the base model's name, then the method's own preset.
 */
export function methodSetup(name: string, baseModelNameOrPath: string | null = null): MethodSetup {
  const preset = PRESETS[name];
  const peftType = preset?.peftType ?? name.toUpperCase();
  const method = getPeftMethod(peftType);
  const fields = new Set(method.configClass.fields.map((f) => f.name));
  const wanted: Record<string, unknown> = {
    taskType: 'SEQ_CLS',
    baseModelNameOrPath,
    targetModules: GPT2_TARGETS,
    fanInFanOut: true,
    modulesToSave: ['score'],
    ...preset?.fields,
  };
  const init = Object.fromEntries(Object.entries(wanted).filter(([k]) => k === 'taskType' || k === 'baseModelNameOrPath' || fields.has(k)));
  return { label: preset?.label ?? peftType, config: new method.configClass(init), lr: preset?.lr ?? GENERIC_LR };
}
