export type Side = 'right' | 'left';

export interface PadOptions {
  padTokenId: number;
  /** Where padding goes: 'right' for training, 'left' for batched generation. Default 'right'. */
  side?: Side;
  /** 'longest' pads to the longest sequence (default); 'maxLength' pads every row to `maxLength`. */
  padding?: 'longest' | 'maxLength';
  maxLength?: number;
  /** Cut sequences longer than `maxLength` (otherwise they are an error). Default false. */
  truncation?: boolean;
  /** Which end truncation removes. Default 'right' (keeps the beginning). */
  truncationSide?: Side;
  /** Round the padded length up to a multiple of this (tensor-core friendly shapes). */
  padToMultipleOf?: number;
}

export interface PaddedSequences {
  /** Rows of equal length. */
  inputIds: number[][];
  /** 1 where `inputIds` holds a real token, 0 where it holds padding. */
  attentionMask: number[][];
}

/** Pads (and optionally truncates) token sequences to one length, as HF `tokenizer.pad` does. */
export function padSequences(seqs: readonly ArrayLike<number>[], options: PadOptions): PaddedSequences {
  const length = paddedLength(seqs, options, 'padSequences');
  const rows = seqs.map((s) => truncate(Array.from(s), options));
  return {
    inputIds: rows.map((r) => padRow(r, length, options.padTokenId, options.side ?? 'right')),
    attentionMask: rows.map((r) =>
      padRow(
        r.map(() => 1),
        length,
        0,
        options.side ?? 'right',
      ),
    ),
  };
}

/** The length every row gets; checks the options and the sequences. */
export function paddedLength(seqs: readonly ArrayLike<number>[], options: PadOptions, fn: string): number {
  const {
    padTokenId,
    side = 'right',
    padding = 'longest',
    maxLength,
    truncation = false,
    truncationSide = 'right',
    padToMultipleOf,
  } = options;
  if (!Array.isArray(seqs)) throw new TypeError(`${fn}: seqs must be an array of token sequences`);
  if (!Number.isInteger(padTokenId)) {
    throw new TypeError(`${fn}: padTokenId must be an integer, got ${padTokenId} (does the tokenizer define a pad token?)`);
  }
  if (side !== 'right' && side !== 'left') throw new RangeError(`${fn}: side must be 'right' or 'left', got ${JSON.stringify(side)}`);
  if (truncationSide !== 'right' && truncationSide !== 'left') {
    throw new RangeError(`${fn}: truncationSide must be 'right' or 'left', got ${JSON.stringify(truncationSide)}`);
  }
  if (padding !== 'longest' && padding !== 'maxLength') {
    throw new RangeError(`${fn}: padding must be 'longest' or 'maxLength', got ${JSON.stringify(padding)}`);
  }
  if (maxLength !== undefined && !(Number.isInteger(maxLength) && maxLength > 0)) {
    throw new RangeError(`${fn}: maxLength must be a positive integer, got ${maxLength}`);
  }
  if ((truncation || padding === 'maxLength') && maxLength === undefined) {
    throw new RangeError(`${fn}: ${truncation ? 'truncation' : "padding 'maxLength'"} needs maxLength`);
  }
  if (padToMultipleOf !== undefined && !(Number.isInteger(padToMultipleOf) && padToMultipleOf > 0)) {
    throw new RangeError(`${fn}: padToMultipleOf must be a positive integer, got ${padToMultipleOf}`);
  }
  let longest = 0;
  seqs.forEach((s, i) => {
    if (s === null || typeof s !== 'object' || typeof s.length !== 'number')
      throw new TypeError(`${fn}: seqs[${i}] is not a sequence of ids`);
    if (maxLength !== undefined && !truncation && s.length > maxLength) {
      throw new RangeError(`${fn}: seqs[${i}] has ${s.length} tokens, more than maxLength ${maxLength} (pass truncation: true to cut it)`);
    }
    longest = Math.max(longest, s.length);
  });
  let length = padding === 'maxLength' ? maxLength! : truncation ? Math.min(longest, maxLength!) : longest;
  if (padToMultipleOf !== undefined) length = Math.ceil(length / padToMultipleOf) * padToMultipleOf;
  return length;
}

export function truncate<T>(row: T[], options: PadOptions): T[] {
  const { maxLength, truncation = false, truncationSide = 'right' } = options;
  if (!truncation || maxLength === undefined || row.length <= maxLength) return row;
  return truncationSide === 'right' ? row.slice(0, maxLength) : row.slice(row.length - maxLength);
}

export function padRow(row: number[], length: number, value: number, side: Side): number[] {
  const pad = new Array<number>(length - row.length).fill(value);
  return side === 'right' ? [...row, ...pad] : [...pad, ...row];
}
