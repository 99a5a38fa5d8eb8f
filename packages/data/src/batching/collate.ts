import { tensor, type Tensor } from '@peftjs/core';
import { padRow, paddedLength, truncate, type PadOptions } from './pad-sequences.js';

/** The label value the cross-entropy loss skips (PyTorch's and HF's ignore_index). */
export const IGNORE_INDEX = -100;

export interface TokenizedExample {
  inputIds: ArrayLike<number>;
  /** A class label for the whole sequence (sequence classification). */
  label?: number;
  /** One label per token (token classification, prompt-masked causal LM); padded with -100. */
  labels?: ArrayLike<number>;
}

export interface Batch {
  /** int32 [B, T] */
  inputIds: Tensor;
  /** int32 [B, T]: 1 for tokens, 0 for padding. */
  attentionMask: Tensor;
  /** int32 [B] for `label`, [B, T] for `labels` and causal LM. */
  labels?: Tensor;
}

export type CollateOptions = Omit<PadOptions, 'padTokenId'> & {
  /** The pad id; defaults to `tokenizer.padTokenId`. */
  padTokenId?: number;
  tokenizer?: { padTokenId: number | undefined };
};

/**
 * HF's `DataCollatorWithPadding`: pads `inputIds` into a batch with its attention mask; `label` of
 * each example becomes `labels` [B], per-token `labels` are padded with -100.
 */
export function dataCollatorWithPadding(options: CollateOptions = {}): (examples: TokenizedExample[]) => Batch {
  return (examples) => collate(examples, options, false, 'dataCollatorWithPadding');
}

/**
 * HF's `DataCollatorForLanguageModeling` with `mlm: false`: labels are the input ids with -100 where
 * the batch is padded (by the attention mask, so a real end-of-text token equal to the pad id is still
 * learned). The model shifts labels by one itself. Examples' own `labels` (e.g. -100 over a prompt) win.
 */
export function dataCollatorForLanguageModeling(options: CollateOptions = {}): (examples: TokenizedExample[]) => Batch {
  return (examples) => collate(examples, options, true, 'dataCollatorForLanguageModeling');
}

function collate(examples: TokenizedExample[], options: CollateOptions, causalLm: boolean, fn: string): Batch {
  if (!Array.isArray(examples) || examples.length === 0) throw new RangeError(`${fn}: needs a non-empty array of examples`);
  const padTokenId = options.padTokenId ?? options.tokenizer?.padTokenId;
  if (padTokenId === undefined) throw new TypeError(`${fn}: no padTokenId given and the tokenizer has no pad token`);
  const pad: PadOptions = { ...options, padTokenId };
  const side = pad.side ?? 'right';
  const seqs = examples.map((e, i) => {
    if (!e || !e.inputIds) throw new TypeError(`${fn}: examples[${i}] has no inputIds`);
    return e.inputIds;
  });
  const length = paddedLength(seqs, pad, fn);
  const rows = seqs.map((s) => truncate(Array.from(s), pad));
  const B = examples.length;
  const shape = [B, length];
  const matrix = (make: (row: number[], i: number) => number[]) => {
    const flat = new Int32Array(B * length);
    rows.forEach((r, i) => flat.set(make(r, i), i * length));
    return tensor(flat, { shape, dtype: 'int32' });
  };
  const batch: Batch = {
    inputIds: matrix((r) => padRow(r, length, padTokenId, side)),
    attentionMask: matrix((r) => padRow(r.map(() => 1), length, 0, side)),
  };
  const hasTokenLabels = examples.map((e) => e.labels !== undefined);
  const hasLabel = examples.map((e) => e.label !== undefined);
  if (hasLabel.some(Boolean)) {
    if (!hasLabel.every(Boolean)) throw new TypeError(`${fn}: some examples have a label and some do not (examples[${hasLabel.indexOf(false)}])`);
    examples.forEach((e, i) => {
      if (!Number.isInteger(e.label)) throw new TypeError(`${fn}: examples[${i}].label must be an integer class, got ${e.label}`);
    });
    batch.labels = tensor(Int32Array.from(examples, (e) => e.label!), { shape: [B], dtype: 'int32' });
  } else if (hasTokenLabels.some(Boolean) || causalLm) {
    if (hasTokenLabels.some(Boolean) && !hasTokenLabels.every(Boolean)) {
      throw new TypeError(`${fn}: some examples have labels and some do not (examples[${hasTokenLabels.indexOf(false)}])`);
    }
    batch.labels = matrix((r, i) => {
      const own = examples[i].labels;
      if (own === undefined) return padRow(r, length, IGNORE_INDEX, side);
      if (own.length !== seqs[i].length) {
        throw new RangeError(`${fn}: examples[${i}] has ${seqs[i].length} inputIds but ${own.length} labels`);
      }
      return padRow(truncate(Array.from(own), pad), length, IGNORE_INDEX, side);
    });
  }
  return batch;
}
