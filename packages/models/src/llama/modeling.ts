import {
  Embedding, GatedMLP, Linear, Module, ModuleList, MultiHeadAttention, RMSNorm, engine, noGrad, randn, type AttentionCallOptions, type Tensor,
} from '@peftjs/core';
import {
  PreTrainedModel, checkKeyMask, checkTokenInputs, inputEmbeddings, pastLength, type BaseModelOutput, type CausalLMOutput, type ModelInputs,
} from '../modeling.js';
import { causalLmLoss } from '../losses.js';
import { LlamaConfig } from './config.js';

/**
 * What a decoder layer calls as `self_attn`: core's MultiHeadAttention, or a module wrapping it
 * (adaption prompts) with the same call.
 */
export interface LlamaSelfAttention extends Module {
  forward(x: Tensor, call: AttentionCallOptions): Tensor;
}

class LlamaDecoderLayer extends Module {
  constructor(config: LlamaConfig) {
    super();
    this.registerModule('self_attn', new MultiHeadAttention(config.hiddenSize, config.numAttentionHeads, {
      numKeyValueHeads: config.kvHeads,
      headDim: config.attentionHeadDim,
      bias: config.attentionBias,
      causal: true,
      rope: { theta: config.ropeTheta },
      dropout: config.attentionDropout,
    }));
    this.registerModule('mlp', new GatedMLP(config.hiddenSize, config.intermediateSize, { bias: config.mlpBias, activation: config.hiddenAct }));
    this.registerModule('input_layernorm', new RMSNorm(config.hiddenSize, { eps: config.rmsNormEps }));
    this.registerModule('post_attention_layernorm', new RMSNorm(config.hiddenSize, { eps: config.rmsNormEps }));
  }

  forward(x: Tensor, call: AttentionCallOptions): Tensor {
    return engine().scoped(() => {
      const attn = this.child<LlamaSelfAttention>('self_attn').forward(this.child<RMSNorm>('input_layernorm').forward(x), call);
      const h = x.add(attn);
      return h.add(this.child<GatedMLP>('mlp').forward(this.child<RMSNorm>('post_attention_layernorm').forward(h)));
    });
  }
}

/** Checkpoints from older versions carry the rotary inverse frequencies, which HF recomputes. */
const LLAMA_IGNORED = [/(^|\.)rotary_emb\.inv_freq$/];

/** Hugging Face's LlamaModel: token embeddings, pre-norm decoder layers with RoPE and grouped-query attention, final RMSNorm. */
export class LlamaModel extends PreTrainedModel<LlamaConfig, BaseModelOutput> {
  static override readonly basePrefix = 'model';
  protected static override readonly ignoredKeys = LLAMA_IGNORED;

  constructor(config: LlamaConfig = new LlamaConfig()) {
    super(config);
    this.registerModule('embed_tokens', new Embedding(config.vocabSize, config.hiddenSize));
    this.registerModule('layers', new ModuleList(Array.from({ length: config.numHiddenLayers }, () => new LlamaDecoderLayer(config))));
    this.registerModule('norm', new RMSNorm(config.hiddenSize, { eps: config.rmsNormEps }));
    this.initWeights(config.initializerRange, config.padTokenId);
  }

  get embedTokens(): Embedding {
    return this.child('embed_tokens');
  }

  /**
   * Token ids or inputsEmbeds, optional padding mask, optional per-layer past keys and values
   * [batch, numKeyValueHeads, P, headDim]: the tokens then take RoPE positions P.. (Hugging Face
   * with a cache) and the mask covers P + seq keys.
   */
  forward(inputs: ModelInputs): BaseModelOutput {
    const { config } = this;
    const past = inputs.pastKeyValues ?? null;
    const lastHiddenState = engine().scoped(() => {
      const { embeds, batch, seq } = inputEmbeddings('LlamaModel', inputs, config.hiddenSize, (ids) => this.embedTokens.forward(ids));
      const p = pastLength('LlamaModel', past, config.numHiddenLayers, batch, config.kvHeads, config.attentionHeadDim);
      const attentionMask = inputs.attentionMask ? checkKeyMask('LlamaModel', inputs.attentionMask, batch, p + seq, p) : null;
      const positions = Array.from({ length: seq }, (_, i) => p + i);
      let h = embeds;
      let i = 0;
      for (const layer of this.child<ModuleList<LlamaDecoderLayer>>('layers')) {
        h = layer.forward(h, { attentionMask, positions, pastKeyValue: past ? past[i] : null });
        i++;
      }
      return this.child<RMSNorm>('norm').forward(h);
    });
    return { lastHiddenState };
  }
}

/** Hugging Face's LlamaForCausalLM: LlamaModel plus an LM head (tied to embed_tokens when tie_word_embeddings). */
export class LlamaForCausalLM extends PreTrainedModel<LlamaConfig, CausalLMOutput> {
  static override readonly basePrefix = 'model';
  protected static override readonly ignoredKeys = LLAMA_IGNORED;

  constructor(config: LlamaConfig = new LlamaConfig()) {
    super(config);
    const model = this.registerModule('model', new LlamaModel(config));
    const head = this.registerModule('lm_head', new Linear(config.hiddenSize, config.vocabSize, { bias: false }));
    if (config.tieWordEmbeddings) head.tieParameter('weight', model.embedTokens.weight);
    else {
      noGrad(() => {
        const v = randn(head.weight.shape, { std: config.initializerRange });
        head.weight.assign(v);
        v.dispose();
      });
    }
  }

  get model(): LlamaModel {
    return this.child('model');
  }

  /** Logits [batch, seq, vocab] (and the shifted cross-entropy when labels [batch, seq] are given); inputs as LlamaModel's. */
  forward(inputs: ModelInputs): CausalLMOutput {
    checkTokenInputs('LlamaForCausalLM', inputs);
    return engine().scoped(() => {
      const logits = this.child<Linear>('lm_head').forward(this.model.forward(inputs).lastHiddenState);
      return inputs.labels ? { logits, loss: causalLmLoss('LlamaForCausalLM', logits, inputs.labels) } : { logits };
    });
  }
}
