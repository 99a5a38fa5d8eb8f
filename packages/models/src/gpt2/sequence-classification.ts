import { arange, Linear, tidy } from '@peftjs/core';
import { PreTrainedModel, checkKeyMask, checkTokenInputs, type ModelInputs, type SequenceClassifierOutput } from '../modeling.js';
import { classificationLoss } from '../losses.js';
import { GPT2Config } from './config.js';
import { GPT2Model, GPT2_IGNORED } from './modeling.js';

/**
 * Hugging Face's GPT2ForSequenceClassification: GPT2Model and a bias-free `score` Linear
 * [numLabels, nEmbd] read at the last real token of each row, because a causal model has only
 * seen the whole text there. The last real token is the last one the attention mask keeps, or
 * without a mask the last id that is not `padTokenId`; otherwise (inputsEmbeds, or no pad token
 * and a single row) the last position, as Hugging Face does.
 */
export class GPT2ForSequenceClassification extends PreTrainedModel<GPT2Config, SequenceClassifierOutput> {
  static override readonly basePrefix = 'transformer';
  /** A language-model checkpoint's head is dropped (HF reports it as unused). */
  protected static override readonly ignoredKeys = [...GPT2_IGNORED, /^lm_head\./];
  protected static override readonly newHeadKeys = [/^score\./];

  constructor(config: GPT2Config = new GPT2Config()) {
    super(config);
    this.registerModule('transformer', new GPT2Model(config));
    this.initWeights(
      config.initializerRange,
      null,
      this.registerModule('score', new Linear(config.nEmbd, config.numLabels, { bias: false })),
    );
  }

  get transformer(): GPT2Model {
    return this.child('transformer');
  }

  get score(): Linear {
    return this.child('score');
  }

  forward(inputs: ModelInputs): SequenceClassifierOutput {
    const name = 'GPT2ForSequenceClassification';
    checkTokenInputs(name, inputs);
    const ids = inputs.inputIds ?? null;
    const [batch, seq] = ids ? ids.shape : inputs.inputsEmbeds!.shape;
    const mask = inputs.attentionMask ?? null;
    // with past keys the mask also covers the past positions; GPT2Model checks that shape
    if (mask && !inputs.pastKeyValues) checkKeyMask(name, mask, batch, seq, 0);
    const pad = this.config.padTokenId;
    if (!mask && pad === null && batch !== 1) {
      throw new RangeError(
        `${name}.forward: cannot find the last token of ${batch} rows [${batch},${seq}] without an attentionMask or config.padTokenId`,
      );
    }
    return tidy(() => {
      const { lastHiddenState } = this.transformer.forward(inputs);
      const rowStarts = arange(batch).mul(seq);
      let rows = rowStarts.add(seq - 1);
      const real = mask ? mask.slice(1, mask.shape[1] - seq).ne(0) : ids && pad !== null ? ids.ne(pad) : null;
      // position × (is a real token): its argmax is the last real position (0 for a row with none)
      if (real) rows = rowStarts.add(real.cast('int32').mul(arange(seq)).argmax(-1));
      const pooled = lastHiddenState.reshape([batch * seq, this.config.nEmbd]).indexSelect(0, rows);
      const logits = this.score.forward(pooled);
      if (!inputs.labels) return { logits };
      return { logits, loss: classificationLoss(name, logits, inputs.labels, this.config.numLabels, this.config.problemType) };
    });
  }
}
