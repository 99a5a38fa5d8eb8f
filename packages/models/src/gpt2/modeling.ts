import {
  Conv1D,
  Dropout,
  Embedding,
  getActivation,
  LayerNorm,
  Linear,
  Module,
  ModuleList,
  multiHeadAttention,
  noGrad,
  paddingMaskBias,
  randn,
  split,
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
  positionIds,
  type BaseModelOutput,
  type CausalLMOutput,
  type LayerPast,
  type ModelInputs,
} from '../modeling.js';
import { causalLmLoss } from '../losses.js';
import { GPT2Config } from './config.js';

/** GPT-2's attention: c_attn (fused q, k, v Conv1D), causal softmax attention, c_proj. */
export class GPT2Attention extends Module<[Tensor, Tensor | null, (LayerPast | null)?], Tensor> {
  constructor(
    readonly config: GPT2Config,
    readonly layerIdx: number,
  ) {
    super();
    const n = config.nEmbd;
    this.registerModule('c_attn', new Conv1D(3 * n, n));
    this.registerModule('c_proj', new Conv1D(n, n));
    this.registerModule('resid_dropout', new Dropout(config.residPdrop));
  }

  forward(x: Tensor, bias: Tensor | null, past: LayerPast | null = null): Tensor {
    const { nEmbd, nHead } = this.config;
    let scale = this.config.scaleAttnWeights ? 1 / Math.sqrt(nEmbd / nHead) : 1;
    if (this.config.scaleAttnByInverseLayerIdx) scale /= this.layerIdx + 1;
    return tidy(() => {
      const [q, k, v] = split(this.child<Conv1D>('c_attn').forward(x), nEmbd, -1);
      const out = multiHeadAttention(q, k, v, nHead, nHead, {
        causal: true,
        bias,
        scale,
        dropout: this.config.attnPdrop,
        training: this.training,
        ...(past ?? {}),
      });
      return this.child<Dropout>('resid_dropout').forward(this.child<Conv1D>('c_proj').forward(out));
    });
  }
}

class GPT2MLP extends Module<[Tensor], Tensor> {
  private readonly act: (x: Tensor) => Tensor;
  constructor(config: GPT2Config) {
    super();
    const inner = config.nInner ?? 4 * config.nEmbd;
    this.act = getActivation(config.activationFunction);
    this.registerModule('c_fc', new Conv1D(inner, config.nEmbd));
    this.registerModule('c_proj', new Conv1D(config.nEmbd, inner));
    this.registerModule('dropout', new Dropout(config.residPdrop));
  }

  forward(x: Tensor): Tensor {
    return tidy(() =>
      this.child<Dropout>('dropout').forward(this.child<Conv1D>('c_proj').forward(this.act(this.child<Conv1D>('c_fc').forward(x)))),
    );
  }
}

class GPT2Block extends Module<[Tensor, Tensor | null, (LayerPast | null)?], Tensor> {
  constructor(config: GPT2Config, layerIdx: number) {
    super();
    this.registerModule('ln_1', new LayerNorm(config.nEmbd, { eps: config.layerNormEpsilon }));
    this.registerModule('attn', new GPT2Attention(config, layerIdx));
    this.registerModule('ln_2', new LayerNorm(config.nEmbd, { eps: config.layerNormEpsilon }));
    this.registerModule('mlp', new GPT2MLP(config));
  }

  forward(x: Tensor, bias: Tensor | null, past: LayerPast | null = null): Tensor {
    return tidy(() => {
      const h = x.add(this.child<GPT2Attention>('attn').forward(this.child<LayerNorm>('ln_1').forward(x), bias, past));
      return h.add(this.child<GPT2MLP>('mlp').forward(this.child<LayerNorm>('ln_2').forward(h)));
    });
  }
}

/** GPT-2's non-persistent attention buffers, present in older checkpoints and ignored by HF. */
export const GPT2_IGNORED = [/(^|\.)attn\.(masked_)?bias$/];

/** Hugging Face's GPT2Model: token and position embeddings, pre-norm blocks, final norm. */
export class GPT2Model extends PreTrainedModel<GPT2Config, BaseModelOutput> {
  static override readonly basePrefix = 'transformer';
  protected static override readonly ignoredKeys = GPT2_IGNORED;

  constructor(config: GPT2Config = new GPT2Config()) {
    super(config);
    this.registerModule('wte', new Embedding(config.vocabSize, config.nEmbd));
    this.registerModule('wpe', new Embedding(config.nPositions, config.nEmbd));
    this.registerModule('drop', new Dropout(config.embdPdrop));
    this.registerModule('h', new ModuleList(Array.from({ length: config.nLayer }, (_, i) => new GPT2Block(config, i))));
    this.registerModule('ln_f', new LayerNorm(config.nEmbd, { eps: config.layerNormEpsilon }));
    this.initWeights(config.initializerRange);
    // HF scales the residual projections' init by 1/sqrt(2·n_layer)
    noGrad(() => {
      const std = config.initializerRange / Math.sqrt(2 * config.nLayer);
      for (const [name, p] of this.namedParameters()) {
        if (!name.endsWith('c_proj.weight')) continue;
        const v = randn(p.shape, { std, dtype: p.dtype });
        p.assign(v);
        v.dispose();
      }
    });
  }

  get wte(): Embedding {
    return this.child('wte');
  }

  /**
   * Token ids or inputsEmbeds, optional padding mask, optional per-layer past keys and values
   * [batch, nHead, P, headDim]: the tokens then take positions P.. (Hugging Face with a cache) and
   * the mask covers P + seq keys.
   */
  forward(inputs: ModelInputs): BaseModelOutput {
    const { config } = this;
    const past = inputs.pastKeyValues ?? null;
    const lastHiddenState = tidy(() => {
      const { embeds, batch, seq } = inputEmbeddings('GPT2Model', inputs, config.nEmbd, (ids) => this.wte.forward(ids));
      const p = pastLength('GPT2Model', past, config.nLayer, batch, config.nHead, config.nEmbd / config.nHead);
      if (p + seq > config.nPositions) {
        throw new RangeError(
          `GPT2Model.forward: sequence length ${seq}${p ? ` after ${p} past positions` : ''} exceeds n_positions ${config.nPositions}`,
        );
      }
      const mask = inputs.attentionMask ? checkKeyMask('GPT2Model', inputs.attentionMask, batch, p + seq, p) : null;
      const bias = mask ? paddingMaskBias(mask, embeds.dtype === 'float64' ? 'float64' : 'float32') : null;
      const positions = checkPositionIds('GPT2Model', inputs.positionIds, batch, seq) ?? positionIds(seq, embeds, p);
      let h = embeds.add(this.child<Embedding>('wpe').forward(positions));
      h = this.child<Dropout>('drop').forward(h);
      let i = 0;
      for (const block of this.child<ModuleList<GPT2Block>>('h')) {
        const lp = layerPast(past, i);
        const pair = lp.pastKeyValue;
        // the generation cache is never checkpointed (generation records no graph): it rides in the closure
        h = this.runLayer(
          ([x, b, key, value]) => block.forward(x!, b, { pastKeyValue: key && value ? [key, value] : null, cache: lp.cache }),
          [h, bias, pair ? pair[0] : null, pair ? pair[1] : null],
        );
        i++;
      }
      return this.child<LayerNorm>('ln_f').forward(h);
    });
    return { lastHiddenState };
  }
}

/** Hugging Face's GPT2LMHeadModel: GPT2Model plus an LM head (tied to wte when tie_word_embeddings). */
export class GPT2LMHeadModel extends PreTrainedModel<GPT2Config, CausalLMOutput> {
  static override readonly basePrefix = 'transformer';
  protected static override readonly ignoredKeys = GPT2_IGNORED;

  constructor(config: GPT2Config = new GPT2Config()) {
    super(config);
    const transformer = this.registerModule('transformer', new GPT2Model(config));
    const head = this.registerModule('lm_head', new Linear(config.nEmbd, config.vocabSize, { bias: false }));
    if (config.tieWordEmbeddings) head.tieParameter('weight', transformer.wte.weight);
    else noGrad(() => initGPT2Head(head, config));
  }

  get transformer(): GPT2Model {
    return this.child('transformer');
  }

  /** Logits [batch, seq, vocab] (and the shifted cross-entropy when labels [batch, seq] are given); inputs as GPT2Model's. */
  forward(inputs: ModelInputs): CausalLMOutput {
    checkTokenInputs('GPT2LMHeadModel', inputs);
    return tidy(() => {
      const { lastHiddenState } = this.transformer.forward(inputs);
      const logits = this.child<Linear>('lm_head').forward(lastHiddenState);
      return withCache({ logits, ...(inputs.labels ? { loss: causalLmLoss('GPT2LMHeadModel', logits, inputs.labels) } : {}) }, inputs);
    });
  }
}

function initGPT2Head(head: Linear, config: GPT2Config): void {
  const v = randn(head.weight.shape, { std: config.initializerRange });
  head.weight.assign(v);
  v.dispose();
}
