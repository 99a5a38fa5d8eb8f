import { Embedding, GatedMLP, Linear, Module, ModuleList, MultiHeadAttention, RMSNorm, engine, noGrad, randn, type Tensor } from '@peftjs/core';
import { PreTrainedModel, checkIds, checkMask, type BaseModelOutput, type ModelInputs, type ModelOutput } from '../modeling.js';
import { causalLmLoss } from '../losses.js';
import { LlamaConfig } from './config.js';

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

  forward(x: Tensor, attentionMask: Tensor | null): Tensor {
    return engine().scoped(() => {
      const attn = this.child<MultiHeadAttention>('self_attn').forward(this.child<RMSNorm>('input_layernorm').forward(x), { attentionMask });
      const h = x.add(attn);
      return h.add(this.child<GatedMLP>('mlp').forward(this.child<RMSNorm>('post_attention_layernorm').forward(h)));
    });
  }
}

/** Checkpoints from older versions carry the rotary inverse frequencies, which HF recomputes. */
const LLAMA_IGNORED = [/(^|\.)rotary_emb\.inv_freq$/];

/** Hugging Face's LlamaModel: token embeddings, pre-norm decoder layers with RoPE and grouped-query attention, final RMSNorm. */
export class LlamaModel extends PreTrainedModel<LlamaConfig> {
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

  forward(inputs: ModelInputs): BaseModelOutput {
    const ids = checkIds('LlamaModel', inputs.inputIds);
    const mask = inputs.attentionMask ? checkMask('LlamaModel', inputs.attentionMask, ids) : null;
    const lastHiddenState = engine().scoped(() => {
      let h = this.embedTokens.forward(ids);
      for (const layer of this.child<ModuleList<LlamaDecoderLayer>>('layers')) h = layer.forward(h, mask);
      return this.child<RMSNorm>('norm').forward(h);
    });
    return { lastHiddenState };
  }
}

/** Hugging Face's LlamaForCausalLM: LlamaModel plus an LM head (tied to embed_tokens when tie_word_embeddings). */
export class LlamaForCausalLM extends PreTrainedModel<LlamaConfig> {
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

  forward(inputs: ModelInputs): ModelOutput {
    checkIds('LlamaForCausalLM', inputs.inputIds);
    return engine().scoped(() => {
      const logits = this.child<Linear>('lm_head').forward(this.model.forward(inputs).lastHiddenState);
      return inputs.labels ? { logits, loss: causalLmLoss('LlamaForCausalLM', logits, inputs.labels) } : { logits };
    });
  }
}
