import '@peftjs/backend-cpu';
import { manualSeed, memory, noGrad, setBackend, tensor, tidy, type Module } from '@peftjs/core';
import { GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM } from '@peftjs/models';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdaptedAttention } from '../../src/adaption-prompt/adapted-attention.js';
import { attachAdaptionPrompts, detachAdaptionPrompts } from '../../src/adaption-prompt/attach.js';
import { PrefixEncoder } from '../../src/prefix-tuning/prefix-encoder.js';
import { PromptEncoder } from '../../src/p-tuning/prompt-encoder.js';
import { PromptEmbedding } from '../../src/prompt-tuning/prompt-embedding.js';
import { encodeVirtualTokens, loadPromptEmbeddings, promptEmbeddingsToSave } from '../../src/prompt-learning/encoder.js';
import { resolvePromptLearningSettings } from '../../src/prompt-learning/settings.js';
import { findWordEmbeddings } from '../../src/prompt-learning/word-embeddings.js';

const llamaConfig = {
  vocabSize: 20,
  hiddenSize: 16,
  intermediateSize: 24,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  numKeyValueHeads: 2,
  maxPositionEmbeddings: 16,
};

describe('prompt-learning modules', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  it("fills token_dim, heads and layers from the model's config as PEFT does (key/value heads for prefix tuning)", () => {
    const llama = new LlamaConfig(llamaConfig).toJSON();
    expect(resolvePromptLearningSettings('PROMPT_TUNING', { numVirtualTokens: 4 }, llama)).toEqual({
      numVirtualTokens: 4,
      tokenDim: 16,
      numTransformerSubmodules: 1,
      numAttentionHeads: 4,
      numLayers: 2,
    });
    expect(resolvePromptLearningSettings('PREFIX_TUNING', { numVirtualTokens: 4 }, llama)).toMatchObject({
      tokenDim: 8,
      numAttentionHeads: 2,
    });
    const gpt2 = new GPT2Config({ nEmbd: 12, nLayer: 3, nHead: 3 }).toJSON();
    expect(resolvePromptLearningSettings('PREFIX_TUNING', { numVirtualTokens: 2 }, gpt2)).toMatchObject({
      tokenDim: 12,
      numAttentionHeads: 3,
      numLayers: 3,
    });
    expect(() => resolvePromptLearningSettings('P_TUNING', { numVirtualTokens: 2 }, {})).toThrow(
      "P_TUNING: cannot read num_layers from the model's config (none of num_hidden_layers, num_layers, n_layer); set it in the config",
    );
    expect(() => resolvePromptLearningSettings('PREFIX_TUNING', { numVirtualTokens: 2, tokenDim: 10, numAttentionHeads: 3 }, gpt2)).toThrow(
      'PREFIX_TUNING: token_dim 10 is not divisible by num_attention_heads 3',
    );
    expect(() => resolvePromptLearningSettings('PROMPT_TUNING', { numVirtualTokens: 0 }, gpt2)).toThrow(
      'PROMPT_TUNING: numVirtualTokens must be a positive integer, got 0',
    );
  });

  it("HF PEFT's parameter names; inference mode keeps only the table", () => {
    const names = (m: Module) => Object.fromEntries([...m.stateDict()].map(([k, t]) => [k, t.shape]));
    expect(names(new PromptEmbedding({ numVirtualTokens: 3, tokenDim: 8 }))).toEqual({ 'embedding.weight': [3, 8] });
    expect(
      names(new PrefixEncoder({ numVirtualTokens: 3, tokenDim: 8, numLayers: 2, prefixProjection: true, encoderHiddenSize: 5 })),
    ).toEqual({
      'embedding.weight': [3, 8],
      'transform.0.weight': [5, 8],
      'transform.0.bias': [5],
      'transform.2.weight': [32, 5],
      'transform.2.bias': [32],
    });
    expect(
      names(new PrefixEncoder({ numVirtualTokens: 3, tokenDim: 8, numLayers: 2, prefixProjection: true, inferenceMode: true })),
    ).toEqual({ 'embedding.weight': [3, 32] });
    expect(names(new PromptEncoder({ numVirtualTokens: 3, tokenDim: 8, encoderHiddenSize: 5 }))).toEqual({
      'embedding.weight': [3, 8],
      'mlp_head.0.weight': [5, 8],
      'mlp_head.0.bias': [5],
      'mlp_head.2.weight': [5, 5],
      'mlp_head.2.bias': [5],
      'mlp_head.4.weight': [8, 5],
      'mlp_head.4.bias': [8],
    });
    expect(names(new PromptEncoder({ numVirtualTokens: 3, tokenDim: 8, inferenceMode: true }))).toEqual({ 'embedding.weight': [3, 8] });
  });

  it('prompt_embeddings saved from a trained encoder reproduce its output in an inference-mode encoder; a trainable one refuses them', async () => {
    manualSeed(5);
    const trained = new PromptEncoder({ numVirtualTokens: 3, tokenDim: 8, encoderHiddenSize: 5 });
    const saved = promptEmbeddingsToSave(trained, 3);
    const loaded = new PromptEncoder({ numVirtualTokens: 3, tokenDim: 8, inferenceMode: true });
    loadPromptEmbeddings('P_TUNING', loaded, saved, true);
    const [a, b] = [encodeVirtualTokens(trained, 3), encodeVirtualTokens(loaded, 3)];
    expect(await b.data()).toEqual(await a.data());
    expect(() => loadPromptEmbeddings('P_TUNING', trained, saved, false)).toThrow('P_TUNING: prompt_embeddings holds the encoder');
    const wrong = new Map([['prompt_embeddings', tensor([[1, 2]])]]);
    expect(() => loadPromptEmbeddings('P_TUNING', loaded, wrong, true)).toThrow(
      "P_TUNING: prompt_embeddings has shape [1,2], the encoder's table is [3,8]",
    );
    for (const t of [a, b, ...saved.values(), ...wrong.values()]) t.dispose();
    trained.dispose();
    loaded.dispose();
  });

  it("prompt tuning can start from word embeddings (PEFT's TEXT and SAMPLE_VOCAB inits)", async () => {
    manualSeed(6);
    const model = new LlamaForCausalLM(new LlamaConfig(llamaConfig));
    const words = findWordEmbeddings(model, 20);
    expect(words).toBe(model.model.embedTokens);
    const prompt = new PromptEmbedding({ numVirtualTokens: 2, tokenDim: 16 });
    prompt.initFromTokens(words, [7, 3]);
    const rows = await words.weight.data();
    expect([...(await prompt.embedding.weight.data())]).toEqual([...rows.slice(7 * 16, 8 * 16), ...rows.slice(3 * 16, 4 * 16)]);
    expect(() => prompt.initFromTokens(words, [1])).toThrow('PromptEmbedding.initFromTokens: needs 2 token ids, got 1');
    expect(() => prompt.initFromTokens(words, [1, 20])).toThrow(
      'PromptEmbedding.initFromTokens: token id 20 is outside the vocabulary [0, 20)',
    );
    model.dispose();
    prompt.dispose();
  });

  it('a fresh adaption prompt (gate 0) leaves the output as it was; detached, the plain attention is back', async () => {
    manualSeed(7);
    const model = new LlamaForCausalLM(new LlamaConfig(llamaConfig));
    const inputIds = tensor([[1, 5, 9, 2]], { dtype: 'int32' });
    const before = tidy(() => model.forward({ inputIds }).logits);
    const wrappers = attachAdaptionPrompts(model, { targetModules: 'self_attn', adapterLen: 3, adapterLayers: 1 });
    expect([...wrappers.keys()]).toEqual(['model.layers.1.self_attn']);
    expect(model.getSubmodule('model.layers.1.self_attn')).toBeInstanceOf(AdaptedAttention);
    expect([...model.stateDict().keys()].filter((k) => k.includes('layers.1.self_attn'))).toEqual([
      'model.layers.1.self_attn.adaption_prompt',
      'model.layers.1.self_attn.adaption_gate',
      'model.layers.1.self_attn.model.q_proj.weight',
      'model.layers.1.self_attn.model.k_proj.weight',
      'model.layers.1.self_attn.model.v_proj.weight',
      'model.layers.1.self_attn.model.o_proj.weight',
    ]);
    const count = memory().numTensors;
    const after = noGrad(() => tidy(() => model.forward({ inputIds }).logits));
    expect(memory().numTensors).toBe(count + 1);
    expect(await after.data()).toEqual(await before.data());
    expect(() => attachAdaptionPrompts(model, { targetModules: 'self_attn', adapterLen: 3, adapterLayers: 1 })).toThrow(
      'adaption prompt: model.layers.1.self_attn already has adaption prompts (they cannot be stacked)',
    );
    expect(() => attachAdaptionPrompts(model, { targetModules: 'self_attn', adapterLen: 3, adapterLayers: 3 })).toThrow(
      "adaption prompt: adapter_layers 3 is more than the model's 2 'self_attn' modules",
    );
    detachAdaptionPrompts(model, wrappers);
    expect(model.getSubmodule('model.layers.1.self_attn').constructor.name).toBe('MultiHeadAttention');
    expect(() => attachAdaptionPrompts(model, { targetModules: 'mlp', adapterLen: 3, adapterLayers: 1 })).toThrow(
      "adaption prompt: model.layers.1.mlp is a GatedMLP; adaption prompts need Llama-style attention (q_proj, k_proj, v_proj, o_proj) or GPT-2's",
    );
    // GPT-2: same zero-gate identity, PEFT's names
    const gpt2 = new GPT2LMHeadModel(new GPT2Config({ vocabSize: 20, nPositions: 8, nEmbd: 8, nLayer: 2, nHead: 2 })).eval();
    const gptBefore = tidy(() => gpt2.forward({ inputIds }).logits);
    const gptWrappers = attachAdaptionPrompts(gpt2, { targetModules: 'attn', adapterLen: 2, adapterLayers: 1 });
    expect([...gpt2.stateDict().keys()].filter((k) => k.includes('h.1.attn.'))).toEqual([
      'transformer.h.1.attn.adaption_prompt',
      'transformer.h.1.attn.adaption_gate',
      'transformer.h.1.attn.model.c_attn.weight',
      'transformer.h.1.attn.model.c_attn.bias',
      'transformer.h.1.attn.model.c_proj.weight',
      'transformer.h.1.attn.model.c_proj.bias',
    ]);
    const gptAfter = noGrad(() => tidy(() => gpt2.forward({ inputIds }).logits));
    expect(await gptAfter.data()).toEqual(await gptBefore.data());
    for (const t of [gptBefore, gptAfter]) t.dispose();
    for (const w of gptWrappers.values()) {
      w.adaptionPrompt.dispose();
      w.adaptionGate.dispose();
    }
    for (const t of [inputIds, before, after]) t.dispose();
    for (const w of wrappers.values()) {
      w.adaptionPrompt.dispose();
      w.adaptionGate.dispose();
    }
    model.dispose();
    gpt2.dispose();
  });
});
