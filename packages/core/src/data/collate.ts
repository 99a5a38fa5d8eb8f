import { Tensor } from '../tensor.js';
import { tensor } from '../ops/creation.js';
import { stack } from '../ops/join.js';

/**
 * PyTorch's `default_collate`, for JavaScript values: tensors are stacked along a new first axis;
 * numbers become a tensor (int32 when every one is an integer, else float32), and so do rows of
 * numbers (Float32Array rows stay float32, Int32Array rows int32); booleans become bool; plain
 * objects and arrays of other things are collated field by field; anything else is returned as an array.
 */
export function defaultCollate(items: readonly unknown[]): unknown {
  if (items.length === 0) throw new RangeError('defaultCollate: an empty batch');
  const first = items[0];
  if (first instanceof Tensor) return stack(items as Tensor[]);
  if (typeof first === 'number') {
    const numbers = items as number[];
    return tensor(numbers, { dtype: numbers.every(Number.isInteger) ? 'int32' : 'float32' });
  }
  if (typeof first === 'boolean') return tensor(items as boolean[]);
  if (first instanceof Float32Array || first instanceof Int32Array || isNumberRow(first)) {
    return collateRows(items as ArrayLike<number>[]);
  }
  if (Array.isArray(first)) {
    return first.map((_, i) => defaultCollate(items.map((item) => (item as unknown[])[i])));
  }
  if (first !== null && typeof first === 'object' && Object.getPrototypeOf(first) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(first)) out[key] = defaultCollate(items.map((item) => (item as Record<string, unknown>)[key]));
    return out;
  }
  return [...items];
}

function isNumberRow(x: unknown): x is number[] {
  return Array.isArray(x) && x.length > 0 && x.every((v) => typeof v === 'number');
}

function collateRows(rows: ArrayLike<number>[]): Tensor {
  const length = rows[0].length;
  rows.forEach((r, i) => {
    if (r.length !== length) throw new RangeError(`defaultCollate: row ${i} has ${r.length} values, row 0 has ${length}; pad them first`);
  });
  const dtype =
    rows[0] instanceof Float32Array
      ? 'float32'
      : rows[0] instanceof Int32Array
        ? 'int32'
        : rows.every((r) => Array.prototype.every.call(r, Number.isInteger))
          ? 'int32'
          : 'float32';
  const flat = dtype === 'int32' ? new Int32Array(rows.length * length) : new Float32Array(rows.length * length);
  rows.forEach((r, i) => flat.set(r, i * length));
  return tensor(flat, { shape: [rows.length, length], dtype });
}
