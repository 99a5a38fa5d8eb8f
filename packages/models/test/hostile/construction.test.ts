import '@peftjs/backend-cpu';
import { memory, setBackend } from '@peftjs/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AutoModel,
  AutoModelClass,
  resolveModel,
  AutoModelForImageClassification,
  AutoModelForSequenceClassification,
  BertConfig,
  GPT2Config,
  GPT2LMHeadModel,
  LlamaConfig,
  ViTConfig,
  getParameterBudget,
  loadPretrained,
  memorySource,
  setParameterBudget,
} from '../../src/index.js';

beforeAll(async () => {
  await setBackend('cpu');
});

const folder = (config: Record<string, unknown>) => memorySource({ 'config.json': JSON.stringify(config) });
const llama = { model_type: 'llama', vocab_size: 32, hidden_size: 8, intermediate_size: 16, num_hidden_layers: 1, num_attention_heads: 2 };
const bert = {
  model_type: 'bert',
  vocab_size: 32,
  hidden_size: 8,
  intermediate_size: 16,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  max_position_embeddings: 16,
};
const vit = {
  model_type: 'vit',
  hidden_size: 8,
  intermediate_size: 16,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  image_size: 8,
  patch_size: 4,
};

async function refusedWithoutAllocating(config: Record<string, unknown>, message: RegExp): Promise<void> {
  const before = memory();
  await expect(loadPretrained(folder(config))).rejects.toThrow(message);
  expect(memory().numTensors).toBe(before.numTensors);
  expect(memory().numBytes).toBe(before.numBytes);
}

describe('Llama, BERT and ViT configs are checked before anything is allocated', () => {
  const budget = getParameterBudget();
  afterEach(() => setParameterBudget(budget));

  for (const [label, config, message] of [
    [
      'llama hidden_size 1e6',
      { ...llama, vocab_size: 1000, hidden_size: 1_000_000, num_attention_heads: 1, head_dim: 2 },
      /loadPretrained \(llama\): embed_tokens \(vocab_size x hidden_size\) would hold .* more than the cpu backend's largest buffer/,
    ],
    [
      'llama intermediate_size 1e9',
      { ...llama, intermediate_size: 1_000_000_000 },
      /gate_proj \(hidden_size x intermediate_size\) would hold/,
    ],
    ['llama vocab_size 1e9', { ...llama, vocab_size: 1_000_000_000 }, /embed_tokens \(vocab_size x hidden_size\) would hold/],
    ['llama 1e6 layers', { ...llama, num_hidden_layers: 1_000_000_000 }, /the config implies \d+ parameters, more than the budget/],
    ['llama unknown hidden_act', { ...llama, hidden_act: 'nope' }, /LlamaConfig: hiddenAct \(hidden_act\) "nope" is not one of .*silu/],
    [
      'gemma unknown hidden_activation',
      { ...llama, model_type: 'gemma', head_dim: 4, num_key_value_heads: 2, hidden_activation: 'constructor' },
      /GemmaConfig: hiddenActivation \(hidden_activation\) "constructor" is not one of/,
    ],
    [
      'qwen2 intermediate_size 1e9',
      { ...llama, model_type: 'qwen2', intermediate_size: 1_000_000_000 },
      /loadPretrained \(qwen2\): gate_proj \(hidden_size x intermediate_size\) would hold/,
    ],
    [
      'bert max_position_embeddings 1e9',
      { ...bert, max_position_embeddings: 1_000_000_000 },
      /position_embeddings \(max_position_embeddings x hidden_size\) would hold/,
    ],
    [
      'bert type_vocab_size 1e9',
      { ...bert, type_vocab_size: 1_000_000_000 },
      /token_type_embeddings \(type_vocab_size x hidden_size\) would hold/,
    ],
    ['bert unknown hidden_act', { ...bert, hidden_act: '__proto__' }, /BertConfig: hiddenAct \(hidden_act\) "__proto__" is not one of/],
    [
      'vit image_size 1e6',
      { ...vit, image_size: 1_000_000, patch_size: 1 },
      /position_embeddings \(patches \+ 1 x hidden_size\) would hold/,
    ],
    [
      'vit intermediate_size 1e9',
      { ...vit, intermediate_size: 1_000_000_000 },
      /intermediate \(hidden_size x intermediate_size\) would hold/,
    ],
    ['vit unknown hidden_act', { ...vit, hidden_act: 'toString' }, /ViTConfig: hiddenAct \(hidden_act\) "toString" is not one of/],
  ] as const) {
    it(label, () => refusedWithoutAllocating(config, message));
  }

  it('the parameter budget applies to every family', async () => {
    setParameterBudget(1000);
    for (const config of [llama, bert, vit])
      await refusedWithoutAllocating(config, /parameters, more than the budget of 1000 \(setParameterBudget raises it\)/);
    setParameterBudget(budget);
    for (const config of [LlamaConfig.fromJSON(llama), BertConfig.fromJSON(bert), ViTConfig.fromJSON(vit)])
      AutoModel.fromConfig(config).dispose();
  });

  it('estimates count the parameters the models really have', () => {
    const llamaLike = (['qwen2', 'mistral', 'gemma', 'phi3'] as const).map((modelType) => {
      const { config, Model } = resolveModel({ ...llama, model_type: modelType, head_dim: 4, num_key_value_heads: 1 });
      return { config: config as LlamaConfig, make: () => new Model(config) };
    });
    const llamaConfig = new LlamaConfig({
      vocabSize: 32,
      hiddenSize: 8,
      intermediateSize: 16,
      numHiddenLayers: 2,
      numAttentionHeads: 2,
      numKeyValueHeads: 1,
    });
    const gpt2Config = new GPT2Config({ vocabSize: 13, nPositions: 8, nEmbd: 8, nLayer: 2, nHead: 2 });
    const [bertConfig, vitConfig] = [BertConfig.fromJSON(bert), ViTConfig.fromJSON(vit)];
    for (const { config, make } of [
      { config: llamaConfig, make: () => AutoModel.fromConfig(llamaConfig) },
      { config: gpt2Config, make: () => AutoModel.fromConfig(gpt2Config) },
      { config: bertConfig, make: () => AutoModelForSequenceClassification.fromConfig(bertConfig) },
      { config: vitConfig, make: () => AutoModelForImageClassification.fromConfig(vitConfig) },
      ...llamaLike,
    ]) {
      const model = make();
      const real = model.parameters().reduce((n, p) => n + p.size, 0);
      expect(config.estimateSize().total).toBeGreaterThanOrEqual(real);
      expect(config.estimateSize().total).toBeLessThanOrEqual(real * 1.2);
      model.dispose();
    }
  });
});

describe('a model constructor that throws partway frees what it allocated', () => {
  class FailsAfterItsLayers extends GPT2LMHeadModel {
    constructor(config: GPT2Config) {
      super(config);
      throw new Error('FailsAfterItsLayers: refused after allocating');
    }
  }

  it('through loadPretrained', async () => {
    const before = memory();
    const source = folder({ model_type: 'gpt2', vocab_size: 13, n_positions: 8, n_embd: 8, n_layer: 1, n_head: 2 });
    await expect(loadPretrained(source, { modelClass: () => FailsAfterItsLayers })).rejects.toThrow(/refused after allocating/);
    expect(memory().numTensors).toBe(before.numTensors);
    expect(memory().numBytes).toBe(before.numBytes);
  });

  it('through an Auto class fromConfig', () => {
    const before = memory();
    const auto = new AutoModelClass('AutoFailing', 'test model', { gpt2: FailsAfterItsLayers });
    expect(() => auto.fromConfig(new GPT2Config({ vocabSize: 13, nPositions: 8, nEmbd: 8, nLayer: 1, nHead: 2 }))).toThrow(
      /refused after allocating/,
    );
    expect(memory().numTensors).toBe(before.numTensors);
    expect(memory().numBytes).toBe(before.numBytes);
  });
});
