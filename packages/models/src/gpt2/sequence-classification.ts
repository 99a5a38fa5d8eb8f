import { Linear, arange, engine, formatShape } from '@peftjs/core';
import { PreTrainedModel, checkIds, checkMask, type ModelInputs, type ModelOutput } from '../modeling.js';
import { classificationLoss } from '../losses.js';
import { GPT2Config } from './config.js';
import { GPT2Model, GPT2_IGNORED } from './modeling.js';

/**
 * Hugging Face's GPT2ForSequenceClassification: GPT2Model and a bias-free `score` Linear
 * [numLabels, nEmbd] read at the last real token of each row, because a causal model has only
 * seen the whole text there. The last real token is the last one the attention mask keeps, or
 * without a mask the last one that is not `padTokenId`; with neither, only one row can be told.
 */
export class GPT2ForSequenceClassification extends PreTrainedModel<GPT2Config> {
  static override readonly basePrefix = 'transformer';
  /** A language-model checkpoint's head is dropped (HF reports it as unused). */
  protected static override readonly ignoredKeys = [...GPT2_IGNORED, /^lm_head\./];
  protected static override readonly newHeadKeys = [/^score\./];

  constructor(config: GPT2Config = new GPT2Config()) {
    super(config);
    this.registerModule('transformer', new GPT2Model(config));
    this.initWeights(config.initializerRange, null, this.registerModule('score', new Linear(config.nEmbd, config.numLabels, { bias: false })));
  }

  get transformer(): GPT2Model {
    return this.child('transformer');
  }

  get score(): Linear {
    return this.child('score');
  }

  forward(inputs: ModelInputs): ModelOutput {
    const ids = checkIds('GPT2ForSequenceClassification', inputs.inputIds);
    const [batch, seq] = ids.shape;
    const mask = inputs.attentionMask ? checkMask('GPT2ForSequenceClassification', inputs.attentionMask, ids) : null;
    const pad = this.config.padTokenId;
    if (!mask && pad === null && batch !== 1) {
      throw new RangeError(`GPT2ForSequenceClassification.forward: cannot find the last token of ${batch} rows ${formatShape(ids.shape)} without an attentionMask or config.padTokenId`);
    }
    return engine().scoped(() => {
      const { lastHiddenState } = this.transformer.forward(inputs);
      // position × (is a real token): its argmax is the last real position (0 for a row with none)
      const positions = arange(seq);
      const real = mask ? mask.ne(0) : pad !== null ? ids.ne(pad) : ids.eq(ids);
      const last = real.cast('int32').mul(positions).argmax(-1);
      const rows = arange(batch).mul(seq).add(last);
      const pooled = lastHiddenState.reshape([batch * seq, this.config.nEmbd]).indexSelect(0, rows);
      const logits = this.score.forward(pooled);
      if (!inputs.labels) return { logits };
      return { logits, loss: classificationLoss('GPT2ForSequenceClassification', logits, inputs.labels, this.config.numLabels, this.config.problemType) };
    });
  }
}
