import {
  Dropout,
  Embedding,
  formatShape,
  getActivation,
  LayerNorm,
  Linear,
  Module,
  ModuleList,
  paddingMaskBias,
  tanh,
  type Tensor,
  tidy,
} from '@peftjs/core';
import {
  PreTrainedModel,
  checkIds,
  checkMask,
  positionIds,
  runLayer,
  type BaseModelOutput,
  type ModelInputs,
  type SequenceClassifierOutput,
} from '../modeling.js';
import { classificationLoss } from '../losses.js';
import { EncoderSelfAttention } from '../encoder.js';
import { BertConfig } from './config.js';

/** A dense layer, dropout, then LayerNorm of (that + residual): BERT's SelfOutput and Output. */
class BertResidualOutput extends Module<[Tensor, Tensor], Tensor> {
  constructor(inFeatures: number, config: BertConfig) {
    super();
    this.registerModule('dense', new Linear(inFeatures, config.hiddenSize));
    this.registerModule('LayerNorm', new LayerNorm(config.hiddenSize, { eps: config.layerNormEps }));
    this.registerModule('dropout', new Dropout(config.hiddenDropoutProb));
  }

  forward(x: Tensor, residual: Tensor): Tensor {
    return tidy(() =>
      this.child<LayerNorm>('LayerNorm').forward(
        this.child<Dropout>('dropout').forward(this.child<Linear>('dense').forward(x)).add(residual),
      ),
    );
  }
}

class BertAttention extends Module<[Tensor, Tensor | null], Tensor> {
  constructor(config: BertConfig) {
    super();
    this.registerModule('self', new EncoderSelfAttention(config.hiddenSize, config.numAttentionHeads, config.attentionProbsDropoutProb));
    this.registerModule('output', new BertResidualOutput(config.hiddenSize, config));
  }

  forward(x: Tensor, bias: Tensor | null): Tensor {
    return tidy(() => this.child<BertResidualOutput>('output').forward(this.child<EncoderSelfAttention>('self').forward(x, bias), x));
  }
}

class BertIntermediate extends Module<[Tensor], Tensor> {
  private readonly act: (x: Tensor) => Tensor;
  constructor(config: BertConfig) {
    super();
    this.act = getActivation(config.hiddenAct);
    this.registerModule('dense', new Linear(config.hiddenSize, config.intermediateSize));
  }

  forward(x: Tensor): Tensor {
    return tidy(() => this.act(this.child<Linear>('dense').forward(x)));
  }
}

class BertLayer extends Module<[Tensor, Tensor | null], Tensor> {
  constructor(config: BertConfig) {
    super();
    this.registerModule('attention', new BertAttention(config));
    this.registerModule('intermediate', new BertIntermediate(config));
    this.registerModule('output', new BertResidualOutput(config.intermediateSize, config));
  }

  forward(x: Tensor, bias: Tensor | null): Tensor {
    return tidy(() => {
      const h = this.child<BertAttention>('attention').forward(x, bias);
      return this.child<BertResidualOutput>('output').forward(this.child<BertIntermediate>('intermediate').forward(h), h);
    });
  }
}

class BertEncoder extends Module<[Tensor, Tensor | null, boolean?], Tensor> {
  constructor(config: BertConfig) {
    super();
    this.registerModule('layer', new ModuleList(Array.from({ length: config.numHiddenLayers }, () => new BertLayer(config))));
  }

  forward(x: Tensor, bias: Tensor | null, checkpointing = false): Tensor {
    return tidy(() => {
      let h = x;
      for (const layer of this.child<ModuleList<BertLayer>>('layer'))
        h = runLayer(checkpointing && this.training, ([y, b]) => layer.forward(y!, b), [h, bias]);
      return h === x ? x.clone() : h;
    });
  }
}

class BertEmbeddings extends Module<[Tensor, Tensor | null], Tensor> {
  constructor(private readonly config: BertConfig) {
    super();
    this.registerModule('word_embeddings', new Embedding(config.vocabSize, config.hiddenSize));
    this.registerModule('position_embeddings', new Embedding(config.maxPositionEmbeddings, config.hiddenSize));
    this.registerModule('token_type_embeddings', new Embedding(config.typeVocabSize, config.hiddenSize));
    this.registerModule('LayerNorm', new LayerNorm(config.hiddenSize, { eps: config.layerNormEps }));
    this.registerModule('dropout', new Dropout(config.hiddenDropoutProb));
  }

  forward(ids: Tensor, tokenTypeIds: Tensor | null): Tensor {
    const t = ids.shape[1];
    if (t > this.config.maxPositionEmbeddings)
      throw new RangeError(`BertModel.forward: sequence length ${t} exceeds max_position_embeddings ${this.config.maxPositionEmbeddings}`);
    return tidy(() => {
      const types = tokenTypeIds ?? ids.mul(0);
      const h = this.child<Embedding>('word_embeddings')
        .forward(ids)
        .add(this.child<Embedding>('token_type_embeddings').forward(types))
        .add(this.child<Embedding>('position_embeddings').forward(positionIds(t, ids)));
      return this.child<Dropout>('dropout').forward(this.child<LayerNorm>('LayerNorm').forward(h));
    });
  }
}

class BertPooler extends Module<[Tensor], Tensor> {
  constructor(config: BertConfig) {
    super();
    this.registerModule('dense', new Linear(config.hiddenSize, config.hiddenSize));
  }

  /** tanh(dense(first token)). */
  forward(h: Tensor): Tensor {
    return tidy(() => tanh(this.child<Linear>('dense').forward(h.slice(1, 0, 1).squeeze(1))));
  }
}

/** BERT's state dicts from older versions list position_ids, a buffer HF no longer saves. */
const BERT_IGNORED = [/(^|\.)embeddings\.position_ids$/, /^cls\./];

/** Hugging Face's BertModel: embeddings, a bidirectional encoder and (by default) the pooler. */
export class BertModel extends PreTrainedModel<BertConfig, BaseModelOutput> {
  static override readonly basePrefix = 'bert';
  protected static override readonly ignoredKeys = BERT_IGNORED;

  constructor(config: BertConfig = new BertConfig(), options: { addPoolingLayer?: boolean } = {}) {
    super(config);
    this.registerModule('embeddings', new BertEmbeddings(config));
    this.registerModule('encoder', new BertEncoder(config));
    if (options.addPoolingLayer ?? true) this.registerModule('pooler', new BertPooler(config));
    this.initWeights(config.initializerRange, config.padTokenId);
  }

  forward(inputs: ModelInputs): BaseModelOutput {
    const ids = checkIds('BertModel', inputs.inputIds);
    if (inputs.tokenTypeIds && formatShape(inputs.tokenTypeIds.shape) !== formatShape(ids.shape)) {
      throw new RangeError(
        `BertModel.forward: tokenTypeIds must be ${formatShape(ids.shape)} like inputIds, got ${formatShape(inputs.tokenTypeIds.shape)}`,
      );
    }
    return tidy(() => {
      const bias = inputs.attentionMask ? paddingMaskBias(checkMask('BertModel', inputs.attentionMask, ids)) : null;
      const h = this.child<BertEncoder>('encoder').forward(
        this.child<BertEmbeddings>('embeddings').forward(ids, inputs.tokenTypeIds ?? null),
        bias,
        this.gradientCheckpointing,
      );
      const pooler = [...this.namedChildren()].find(([n]) => n === 'pooler')?.[1] as BertPooler | undefined;
      return pooler ? { lastHiddenState: h, poolerOutput: pooler.forward(h) } : { lastHiddenState: h };
    });
  }
}

/** Hugging Face's BertForSequenceClassification: the pooled first token, dropout and a linear classifier. */
export class BertForSequenceClassification extends PreTrainedModel<BertConfig, SequenceClassifierOutput> {
  static override readonly basePrefix = 'bert';
  protected static override readonly ignoredKeys = BERT_IGNORED;
  protected static override readonly newHeadKeys = [/^classifier\./];

  constructor(config: BertConfig = new BertConfig()) {
    super(config);
    this.registerModule('bert', new BertModel(config));
    this.registerModule('dropout', new Dropout(config.classifierDropout ?? config.hiddenDropoutProb));
    this.initWeights(config.initializerRange, null, this.registerModule('classifier', new Linear(config.hiddenSize, config.numLabels)));
  }

  get bert(): BertModel {
    return this.child('bert');
  }

  forward(inputs: ModelInputs): SequenceClassifierOutput {
    return tidy(() => {
      const { poolerOutput } = this.bert.forward(inputs);
      const logits = this.child<Linear>('classifier').forward(this.child<Dropout>('dropout').forward(poolerOutput!));
      if (!inputs.labels) return { logits };
      return {
        logits,
        loss: classificationLoss('BertForSequenceClassification', logits, inputs.labels, this.config.numLabels, this.config.problemType),
      };
    });
  }
}
