/**
 * The PEFT methods `--method` can name: every method registered with @peftjs/methods (by its
 * peft_type in lower case), plus `dora` (LoRA with weight decomposition, as PEFT spells it:
 * LoraConfig(use_dora=True)). Each gets a config for GPT-2 sequence classification; whether a
 * method can adapt this model is asked of the method itself, on a one-layer copy of the model.
 */
import type { Module } from '@peftjs/core';
import { getPeftMethod, getPeftModel, registeredPeftTypes, type PeftConfig, type PeftModel } from '@peftjs/methods';
import { GPT2Config, GPT2ForSequenceClassification } from '@peftjs/models';

/** GPT-2's Conv1D layers: the attention's qkv and output projections, the MLP's two layers. */
export const GPT2_TARGETS = ['c_attn', 'c_proj', 'c_fc'];

interface Preset {
  readonly peftType: string;
  /** Fields of the method's config (only those the config class has are used). */
  readonly fields: Record<string, unknown>;
  /** Learning rate of the run (LoRA's was tuned on the default demo size; the others are starting points). */
  readonly lr?: number;
  /** Throws when the PEFT model lacks what the method must add (a field the framework accepts but ignores). */
  readonly verify?: (peft: PeftModel) => void;
  /** Why this demo does not run the method. */
  readonly notRun?: string;
}

/** Settings of the methods this demo knows; any other registered method gets the generic ones. */
const PRESETS: Record<string, Preset> = {
  lora: { peftType: 'LORA', fields: { r: 8, loraAlpha: 16 }, lr: 4e-3 },
  dora: {
    peftType: 'LORA',
    fields: { r: 8, loraAlpha: 16, useDora: true },
    lr: 4e-3,
    verify: (peft) => {
      if (![...peft.namedParameters()].some(([name]) => name.includes('lora_magnitude_vector'))) {
        throw new Error(
          'LoraConfig accepts useDora but the LoRA layers add no lora_magnitude_vector: DoRA is not implemented by @peftjs/methods yet',
        );
      }
    },
  },
  // PEFT's defaults for GPT-2: the qkv projection and the MLP's output, which is also the feed-forward layer
  ia3: { peftType: 'IA3', fields: { targetModules: ['c_attn', 'mlp.c_proj'], feedforwardModules: ['mlp.c_proj'] }, lr: 1e-2 },
  ln_tuning: { peftType: 'LN_TUNING', fields: { targetModules: ['ln_1', 'ln_2', 'ln_f'] } },
  // the vectors must divide every adapted dimension (128, 384 and 512 here)
  vblora: { peftType: 'VBLORA', fields: { vectorLength: 64 } },
  adalora: {
    peftType: 'ADALORA',
    fields: {},
    notRun:
      'AdaLoRA reallocates ranks after each backward pass (updateAndAllocate, before the gradients are cleared), which the Trainer loop of this demo does not call',
  },
};

/** Names for the table, as the methods' papers write them. */
const LABELS: Record<string, string> = {
  lora: 'LoRA',
  dora: 'DoRA',
  ia3: 'IA3',
  loha: 'LoHa',
  lokr: 'LoKr',
  vera: 'VeRA',
  adalora: 'AdaLoRA',
  boft: 'BOFT',
  oft: 'OFT',
  hra: 'HRA',
  ln_tuning: 'LN tuning',
  fourierft: 'FourierFT',
  c3a: 'C3A',
  bone: 'Bone',
  miss: 'MiSS',
  road: 'RoAd',
  delora: 'DeLoRA',
  waveft: 'WaveFT',
  randlora: 'RandLoRA',
  shira: 'SHiRA',
  vblora: 'VB-LoRA',
  prompt_tuning: 'prompt tuning',
  prefix_tuning: 'prefix tuning',
  p_tuning: 'P-tuning',
  adaption_prompt: 'adaption prompt',
};

/** A method no preset gives a learning rate trains at this one. */
const GENERIC_LR = 5e-3;

/** The names `--method` may take: registered methods (and dora where LoRA is), sorted. */
export function methodNames(): string[] {
  const types = registeredPeftTypes();
  const names = types.map((t) => t.toLowerCase());
  if (types.includes('LORA')) names.push('dora');
  return [...new Set(names)].sort();
}

export interface MethodSetup {
  readonly name: string;
  readonly label: string;
  readonly config: PeftConfig;
  readonly lr: number;
}

/**
 * The config of `--method name` for GPT2ForSequenceClassification: its Conv1D layers as targets
 * (stored [in, out], so fan_in_fan_out), the `score` head trained in full and saved with the
 * adapter (modules_to_save), 8 virtual tokens for prompt learning, task type SEQ_CLS, the base
 * model's name, then the method's own preset.
 * Fields the method's config lacks, or has but does not implement, are left out.
 */
export function methodSetup(name: string, baseModelNameOrPath: string | null = null): MethodSetup {
  const preset = PRESETS[name];
  const method = getPeftMethod(preset?.peftType ?? name.toUpperCase());
  if (preset?.notRun) throw new Error(`demo: --method ${name} is not run by this demo: ${preset.notRun}`);
  const usable = new Set(method.configClass.fields.filter((f) => !f.unsupported).map((f) => f.name));
  const wanted: Record<string, unknown> = {
    targetModules: GPT2_TARGETS,
    fanInFanOut: true,
    modulesToSave: ['score'],
    numVirtualTokens: 8,
    ...preset?.fields,
  };
  const init = Object.fromEntries(Object.entries(wanted).filter(([k]) => usable.has(k)));
  let config: PeftConfig;
  try {
    config = new method.configClass({ taskType: 'SEQ_CLS', baseModelNameOrPath, ...init });
  } catch (e) {
    throw new Error(`demo: --method ${name} cannot be configured for sequence classification: ${(e as Error).message}`);
  }
  return { name, label: LABELS[name] ?? method.peftType, config, lr: preset?.lr ?? GENERIC_LR };
}

/**
 * The PEFT model of `--method name` around `model`; an error says why the method cannot adapt it
 * (then the caller still disposes `model`).
 */
export function applyMethod<M extends Module>(model: M, setup: MethodSetup): PeftModel<M> {
  let peft: PeftModel<M>;
  try {
    peft = getPeftModel(model, setup.config);
  } catch (e) {
    throw new Error(`demo: --method ${setup.name} cannot adapt GPT2ForSequenceClassification: ${(e as Error).message}`);
  }
  try {
    PRESETS[setup.name]?.verify?.(peft);
  } catch (e) {
    peft.dispose();
    throw new Error(`demo: --method ${setup.name}: ${(e as Error).message}`);
  }
  return peft;
}

/**
 * Which methods can adapt a GPT-2 classifier shaped like `config` (tried on a one-layer copy), and
 * why each other one cannot.
 */
export function methodAvailability(config: GPT2Config): { usable: string[]; unusable: Record<string, string> } {
  const usable: string[] = [];
  const unusable: Record<string, string> = {};
  for (const name of methodNames()) {
    const model = new GPT2ForSequenceClassification(GPT2Config.fromJSON({ ...config.toJSON(), n_layer: 1 }));
    try {
      applyMethod(model, methodSetup(name)).dispose();
      usable.push(name);
    } catch (e) {
      unusable[name] = (e as Error).message;
    } finally {
      model.dispose();
    }
  }
  return { usable, unusable };
}
