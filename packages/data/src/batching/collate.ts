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
  const shape = [examples.length, length];
  // Every value is worked out (and checked) before the first tensor is made, so an error leaks nothing.
  const inputIds = flat(rows.map((r) => padRow(r, length, padTokenId, side)));
  const attentionMask = flat(
    rows.map((r) =>
      padRow(
        r.map(() => 1),
        length,
        0,
        side,
      ),
    ),
  );
  const labels = classLabels(examples, fn) ?? tokenLabels(examples, rows, causalLm, pad, length, fn);
  const batch: Batch = {
    inputIds: tensor(inputIds, { shape, dtype: 'int32' }),
    attentionMask: tensor(attentionMask, { shape, dtype: 'int32' }),
  };
  if (labels) batch.labels = tensor(labels.values, { shape: labels.shape, dtype: 'int32' });
  return batch;
}

interface Labels {
  values: Int32Array;
  shape: number[];
}

/** `label` of every example as labels [B], or undefined when no example has one. */
function classLabels(examples: TokenizedExample[], fn: string): Labels | undefined {
  const has = examples.map((e) => e.label !== undefined);
  if (!has.some(Boolean)) return undefined;
  if (!has.every(Boolean)) throw new TypeError(`${fn}: some examples have a label and some do not (examples[${has.indexOf(false)}])`);
  examples.forEach((e, i) => {
    if (!Number.isInteger(e.label)) throw new TypeError(`${fn}: examples[${i}].label must be an integer class, got ${e.label}`);
  });
  return { values: Int32Array.from(examples, (e) => e.label!), shape: [examples.length] };
}

/** Per-token labels [B, T] padded with -100: the examples' own, or (causal LM) the inputs. */
function tokenLabels(
  examples: TokenizedExample[],
  rows: number[][],
  causalLm: boolean,
  pad: PadOptions,
  length: number,
  fn: string,
): Labels | undefined {
  const has = examples.map((e) => e.labels !== undefined);
  if (!has.some(Boolean) && !causalLm) return undefined;
  if (has.some(Boolean) && !has.every(Boolean))
    throw new TypeError(`${fn}: some examples have labels and some do not (examples[${has.indexOf(false)}])`);
  const side = pad.side ?? 'right';
  const padded = examples.map((e, i) => {
    if (e.labels === undefined) return padRow(rows[i], length, IGNORE_INDEX, side);
    if (e.labels.length !== e.inputIds.length) {
      throw new RangeError(`${fn}: examples[${i}] has ${e.inputIds.length} inputIds but ${e.labels.length} labels`);
    }
    return padRow(truncate(Array.from(e.labels), pad), length, IGNORE_INDEX, side);
  });
  return { values: flat(padded), shape: [examples.length, length] };
}

function flat(rows: number[][]): Int32Array {
  const out = new Int32Array(rows.reduce((n, r) => n + r.length, 0));
  let offset = 0;
  for (const r of rows) {
    out.set(r, offset);
    offset += r.length;
  }
  return out;
}
