import {
  type AttentionCallOptions,
  dropout,
  Embedding,
  GatedMLP,
  Linear,
  Module,
  ModuleList,
  MultiHeadAttention,
  noGrad,
  randn,
  RMSNorm,
  type Tensor,
  tidy,
} from '@peftjs/core';
import {
  PreTrainedModel,
  checkKeyMask,
  checkPositionIds,
  checkTokenInputs,
  withCache,
  inputEmbeddings,
  layerPast,
  pastLength,
  type BaseModelOutput,
  type CausalLMOutput,
  type ModelInputs,
} from '../modeling.js';
import { causalLmHeadLoss, causalLmLoss } from '../losses.js';
import { FusedGatedMLP, FusedQkvAttention } from '../decoder/fused.js';
import { GemmaRMSNorm } from '../decoder/gemma-rms-norm.js';
import { LlamaConfig } from './config.js';

/**
 * What a decoder layer calls as `self_attn`: core's MultiHeadAttention, or a module wrapping it
 * (adaption prompts) with the same call.
 */
export interface LlamaSelfAttention extends Module {
  forward(x: Tensor, call: AttentionCallOptions): Tensor;
}

type Norm = RMSNorm | GemmaRMSNorm;

/** One pre-norm decoder layer of a Llama-like family, built from its config's DecoderLayout. */
class LlamaDecoderLayer extends Module<[Tensor, AttentionCallOptions], Tensor> {
  private readonly residualDropout: number;

  constructor(config: LlamaConfig, layerIdx: number) {
    super();
    const layout = config.decoderLayout();
    const rope = { theta: config.ropeTheta, scaling: config.ropeScalingSpec };
    const slidingWindow = layout.slidingWindow(layerIdx);
    this.residualDropout = layout.residualDropout;
    if (layout.fusedProjections) {
      this.registerModule(
        'self_attn',
        new FusedQkvAttention(config.hiddenSize, config.numAttentionHeads, {
          numKeyValueHeads: config.kvHeads,
          headDim: config.attentionHeadDim,
          rope,
          slidingWindow,
          dropout: config.attentionDropout,
        }),
      );
      this.registerModule('mlp', new FusedGatedMLP(config.hiddenSize, config.intermediateSize, layout.activation));
    } else {
      this.registerModule(
        'self_attn',
        new MultiHeadAttention(config.hiddenSize, config.numAttentionHeads, {
          numKeyValueHeads: config.kvHeads,
          headDim: config.attentionHeadDim,
          bias: layout.qkvBias,
          outputBias: layout.outputBias,
          causal: true,
          rope,
          slidingWindow,
          dropout: config.attentionDropout,
        }),
      );
      this.registerModule(
        'mlp',
        new GatedMLP(config.hiddenSize, config.intermediateSize, { bias: layout.mlpBias, activation: layout.activation }),
      );
    }
    const norm = (): Norm =>
      layout.norm === 'gemma'
        ? new GemmaRMSNorm(config.hiddenSize, config.rmsNormEps)
        : new RMSNorm(config.hiddenSize, { eps: config.rmsNormEps });
    this.registerModule('input_layernorm', norm());
    this.registerModule('post_attention_layernorm', norm());
  }

  forward(x: Tensor, call: AttentionCallOptions): Tensor {
    return tidy(() => {
      const attn = this.child<LlamaSelfAttention>('self_attn').forward(this.child<Norm>('input_layernorm').forward(x), call);
      const h = x.add(this.dropResidual(attn));
      const mlp = this.child<GatedMLP | FusedGatedMLP>('mlp');
      return h.add(this.dropResidual(mlp.forward(this.child<Norm>('post_attention_layernorm').forward(h))));
    });
  }

  private dropResidual(x: Tensor): Tensor {
    return this.residualDropout > 0 ? dropout(x, this.residualDropout, this.training) : x;
  }
}

/** Checkpoints from older versions carry the rotary inverse frequencies, which HF recomputes. */
const LLAMA_IGNORED = [/(^|\.)rotary_emb\.inv_freq$/];

/**
 * Hugging Face's LlamaModel: token embeddings, pre-norm decoder layers with RoPE and grouped-query
 * attention, final RMSNorm. The other Llama-like families (Qwen2, Mistral, Gemma, Phi-3) are this
 * class with their config's DecoderLayout.
 */
export class LlamaModel<C extends LlamaConfig = LlamaConfig> extends PreTrainedModel<C, BaseModelOutput> {
  static override readonly basePrefix = 'model';
  protected static override readonly ignoredKeys = LLAMA_IGNORED;

  constructor(config: C = new LlamaConfig() as C) {
    super(config);
    const layout = config.decoderLayout();
    this.registerModule('embed_tokens', new Embedding(config.vocabSize, config.hiddenSize));
    this.registerModule(
      'layers',
      new ModuleList(Array.from({ length: config.numHiddenLayers }, (_, i) => new LlamaDecoderLayer(config, i))),
    );
    this.registerModule(
      'norm',
      layout.norm === 'gemma'
        ? new GemmaRMSNorm(config.hiddenSize, config.rmsNormEps)
        : new RMSNorm(config.hiddenSize, { eps: config.rmsNormEps }),
    );
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
    const name = this.architecture;
    const past = inputs.pastKeyValues ?? null;
    const scale = config.decoderLayout().embeddingScale;
    const lastHiddenState = tidy(() => {
      const { embeds, batch, seq } = inputEmbeddings(name, inputs, config.hiddenSize, (ids) => this.embedTokens.forward(ids));
      const p = pastLength(name, past, config.numHiddenLayers, batch, config.kvHeads, config.attentionHeadDim);
      const attentionMask = inputs.attentionMask ? checkKeyMask(name, inputs.attentionMask, batch, p + seq, p) : null;
      const positions = Array.from({ length: seq }, (_, i) => p + i);
      const positionIds = checkPositionIds('LlamaModel', inputs.positionIds, batch, seq);
      // Gemma's normalizer is a tensor in the hidden states' dtype: sqrt(hidden) rounded to float32
      let h = scale === null ? embeds : embeds.mul(embeds.dtype === 'float32' ? Math.fround(scale) : scale);
      const embeddingDropout = config.decoderLayout().embeddingDropout;
      if (embeddingDropout > 0) h = dropout(h, embeddingDropout, this.training);
      let i = 0;
      for (const layer of this.child<ModuleList<LlamaDecoderLayer>>('layers')) {
        const lp = layerPast(past, i);
        const pair = lp.pastKeyValue;
        // the generation cache is never checkpointed (generation records no graph): it rides in the closure
        h = this.runLayer(
          ([x, mask, key, value, ids]) =>
            layer.forward(x!, {
              attentionMask: mask,
              positions,
              positionIds: ids,
              pastKeyValue: key && value ? [key, value] : null,
              cache: lp.cache,
            }),
          [h, attentionMask, pair ? pair[0] : null, pair ? pair[1] : null, positionIds],
        );
        i++;
      }
      return this.child<Norm>('norm').forward(h);
    });
    return { lastHiddenState };
  }
}

/** Hugging Face's LlamaForCausalLM: LlamaModel plus an LM head (tied to embed_tokens when tie_word_embeddings). */
export class LlamaForCausalLM<C extends LlamaConfig = LlamaConfig> extends PreTrainedModel<C, CausalLMOutput> {
  static override readonly basePrefix = 'model';
  protected static override readonly ignoredKeys = LLAMA_IGNORED;

  constructor(config: C = new LlamaConfig() as C) {
    super(config);
    const model = this.registerModule('model', this.createBaseModel(config));
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

  /** The base model class of this family (Qwen2Model for Qwen2ForCausalLM, ...). */
  protected createBaseModel(config: C): LlamaModel<C> {
    return new LlamaModel(config);
  }

  get model(): LlamaModel<C> {
    return this.child('model');
  }

  /**
   * Logits [batch, seq, vocab] (and the shifted cross-entropy when labels [batch, seq] are given);
   * with labels and `returnLogits: false`, only the loss, computed without the whole logits.
   * Inputs as LlamaModel's.
   */
  forward(inputs: ModelInputs & { returnLogits: false; labels: Tensor }): { loss: Tensor };
  forward(inputs: ModelInputs): CausalLMOutput;
  forward(inputs: ModelInputs): CausalLMOutput | { loss: Tensor } {
    const name = this.architecture;
    checkTokenInputs(name, inputs);
    return tidy(() => {
      const hidden = this.model.forward(inputs).lastHiddenState;
      const head = this.child<Linear>('lm_head');
      if (inputs.labels && inputs.returnLogits === false) return { loss: causalLmHeadLoss(name, head, hidden, inputs.labels) };
      const logits = head.forward(hidden);
      return withCache(inputs.labels ? { logits, loss: causalLmLoss(name, logits, inputs.labels) } : { logits }, inputs);
    });
  }
}
