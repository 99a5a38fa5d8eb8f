import type { Module } from '@peftjs/core';
import {
  BertConfig,
  BertForSequenceClassification,
  GPT2Config,
  GPT2LMHeadModel,
  GemmaConfig,
  GemmaForCausalLM,
  LlamaConfig,
  LlamaForCausalLM,
  MistralConfig,
  MistralForCausalLM,
  Phi3Config,
  Phi3ForCausalLM,
  Qwen2Config,
  Qwen2ForCausalLM,
  ViTConfig,
  ViTForImageClassification,
} from '@peftjs/models';
import { describe, expect, it } from 'vitest';
import {
  AdaLoraConfig,
  FourierFTConfig,
  IA3Config,
  LNTuningConfig,
  LoraConfig,
  TunerLayer,
  getPeftModel,
  type PeftModel,
} from '../src/index.js';
import { LayeredNet } from './helpers/models.js';
import { useCpuBackend } from './unit.js';

const decoder = {
  vocabSize: 16,
  hiddenSize: 8,
  intermediateSize: 16,
  numHiddenLayers: 2,
  numAttentionHeads: 2,
  numKeyValueHeads: 1,
  maxPositionEmbeddings: 8,
};
const encoder = { hiddenSize: 8, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 16 };

const FAMILIES: Record<string, () => Module> = {
  gpt2: () => new GPT2LMHeadModel(new GPT2Config({ vocabSize: 16, nPositions: 8, nEmbd: 8, nLayer: 2, nHead: 2 })),
  llama: () => new LlamaForCausalLM(new LlamaConfig(decoder)),
  mistral: () => new MistralForCausalLM(new MistralConfig(decoder)),
  qwen2: () => new Qwen2ForCausalLM(new Qwen2Config(decoder)),
  gemma: () => new GemmaForCausalLM(new GemmaConfig({ ...decoder, headDim: 4 })),
  phi3: () => new Phi3ForCausalLM(new Phi3Config(decoder)),
  bert: () => new BertForSequenceClassification(new BertConfig({ ...encoder, vocabSize: 16, maxPositionEmbeddings: 8, numLabels: 2 })),
  vit: () => new ViTForImageClassification(new ViTConfig({ ...encoder, imageSize: 8, patchSize: 4, numChannels: 1, numLabels: 2 })),
};

/** Written out from PEFT's src/peft/utils/constants.py (TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING). */
const PEFT_LORA: Record<string, string[]> = {
  gpt2: ['c_attn'],
  llama: ['q_proj', 'v_proj'],
  mistral: ['q_proj', 'v_proj'],
  qwen2: ['q_proj', 'v_proj'],
  gemma: ['q_proj', 'v_proj'],
  bert: ['query', 'value'],
};

/** The last name segment of each adapted module. */
function adaptedNames(peft: PeftModel<Module>): string[] {
  const names = [...peft.namedModules()].filter(([, m]) => m instanceof TunerLayer).map(([k]) => k.split('.').pop()!);
  return [...new Set(names)].sort();
}

describe("PEFT's default target modules by model type", () => {
  useCpuBackend();

  for (const [modelType, targets] of Object.entries(PEFT_LORA)) {
    it(`LoRA on ${modelType} adapts ${targets.join(', ')} when targetModules is unset`, () => {
      const peft = getPeftModel(FAMILIES[modelType]!(), new LoraConfig({ r: 2 }));
      const config = peft.peftConfig.default as LoraConfig;
      expect([...(config.targetModules as string[])].sort()).toEqual([...targets].sort());
      expect(config.toJSON().target_modules).toEqual(config.targetModules);
      expect(adaptedNames(peft)).toEqual([...targets].sort());
      // every one of the two layers, not only the first
      expect([...peft.namedModules()].filter(([, m]) => m instanceof TunerLayer).length).toBe(2 * targets.length);
      peft.dispose();
    });
  }

  for (const modelType of ['phi3', 'vit']) {
    it(`LoRA on ${modelType} (no entry in PEFT's table) errors naming the model type`, () => {
      const model = FAMILIES[modelType]!();
      expect(() => getPeftModel(model, new LoraConfig({ r: 2 }))).toThrow(
        new RegExp(`LoraConfig: targetModules is not set and PEFT has no default targetModules of LORA for model_type "${modelType}"`),
      );
      // nothing was wrapped
      expect([...model.namedModules()].some(([, m]) => m instanceof TunerLayer)).toBe(false);
      model.dispose();
    });
  }

  it('a model without a config is "custom", as in PEFT', () => {
    const net = new LayeredNet();
    expect(() => getPeftModel(net, new LoraConfig({ r: 2 }))).toThrow(/model_type "custom"; set targetModules in the LoraConfig/);
    net.dispose();
  });

  it('explicit targets and all-linear are kept as given', () => {
    const llama = getPeftModel(FAMILIES.llama!(), new LoraConfig({ r: 2, targetModules: ['o_proj'] }));
    expect(adaptedNames(llama)).toEqual(['o_proj']);
    llama.dispose();
    const all = getPeftModel(FAMILIES.llama!(), new LoraConfig({ r: 2, targetModules: 'all-linear' }));
    expect(adaptedNames(all)).toEqual(['down_proj', 'gate_proj', 'k_proj', 'o_proj', 'q_proj', 'up_proj', 'v_proj']);
    all.dispose();
  });

  it("IA3 takes PEFT's target and feedforward tables", () => {
    const llama = getPeftModel(FAMILIES.llama!(), new IA3Config());
    const config = llama.peftConfig.default as IA3Config;
    expect(config.targetModules).toEqual(['k_proj', 'v_proj', 'down_proj']);
    expect(config.feedforwardModules).toEqual(['down_proj']);
    llama.dispose();
    const gpt2 = getPeftModel(FAMILIES.gpt2!(), new IA3Config({ fanInFanOut: true }));
    expect((gpt2.peftConfig.default as IA3Config).targetModules).toEqual(['c_attn', 'mlp.c_proj']);
    expect((gpt2.peftConfig.default as IA3Config).feedforwardModules).toEqual(['mlp.c_proj']);
    gpt2.dispose();
    // given targets: the default feed-forward modules among them
    const own = getPeftModel(FAMILIES.qwen2!(), new IA3Config({ targetModules: ['v_proj', 'down_proj'] }));
    expect((own.peftConfig.default as IA3Config).feedforwardModules).toEqual(['down_proj']);
    own.dispose();
    // no feed-forward defaults for the model type: none is feed-forward (PEFT would throw)
    const net = getPeftModel(new LayeredNet(), new IA3Config({ targetModules: ['q_proj'] }));
    expect((net.peftConfig.default as IA3Config).feedforwardModules).toBeNull();
    net.dispose();
    const custom = new LayeredNet();
    expect(() => getPeftModel(custom, new IA3Config())).toThrow(/IA3Config: targetModules is not set .* model_type "custom"/);
    custom.dispose();
  });

  it("each method uses its own table: LN tuning's norms, FourierFT's GPT-2 MLP, AdaLoRA without mistral", () => {
    const ln = getPeftModel(FAMILIES.qwen2!(), new LNTuningConfig());
    expect((ln.peftConfig.default as LNTuningConfig).targetModules).toEqual(['post_attention_layernorm']);
    ln.dispose();
    const fourier = getPeftModel(FAMILIES.gpt2!(), new FourierFTConfig({ nFrequency: 4, fanInFanOut: true }));
    expect((fourier.peftConfig.default as FourierFTConfig).targetModules).toEqual(['mlp.c_proj']);
    fourier.dispose();
    const model = FAMILIES.mistral!();
    expect(() => getPeftModel(model, new AdaLoraConfig({ totalStep: 10 }))).toThrow(/AdaLoraConfig: .*ADALORA for model_type "mistral"/);
    model.dispose();
  });
});
