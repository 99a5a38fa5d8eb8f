import { storeAs, type Info } from './args.js';
import { ElementOffsets, rowsOf, type Rows } from './strided.js';

/** Every element of a tensor in row-major order, as float64. */
export function readAll(t: Info): Float64Array {
  const d = t.storage.data;
  const from = new ElementOffsets(t.layout);
  return Float64Array.from({ length: from.length }, (_, j) => d[from.at(j)]);
}

/** Writes `values` (row-major) into a tensor, converting to its dtype. */
export function writeAll(t: Info, values: ArrayLike<number>): void {
  const d = t.storage.data;
  const store = storeAs(t.dtype);
  const to = new ElementOffsets(t.layout);
  for (let j = 0; j < to.length; j++) d[to.at(j)] = store(values[j]);
}

/** A tensor [..., D] as rows of D that a fused kernel reads and writes one at a time, in float64. */
export class RowAccess {
  readonly rows: Rows;
  constructor(private readonly t: Info) {
    this.rows = rowsOf(t.layout);
  }

  get count(): number {
    return this.rows.count;
  }

  get length(): number {
    return this.rows.length;
  }

  read(r: number, into: Float64Array = new Float64Array(this.rows.length)): Float64Array {
    const { starts, step, length } = this.rows;
    const d = this.t.storage.data;
    for (let k = 0; k < length; k++) into[k] = d[starts[r] + k * step];
    return into;
  }

  write(r: number, values: ArrayLike<number>): void {
    const { starts, step, length } = this.rows;
    const d = this.t.storage.data;
    const store = storeAs(this.t.dtype);
    for (let k = 0; k < length; k++) d[starts[r] + k * step] = store(values[k]);
  }
}

/**
 * The row loop of the fused kernels: for each row r, `rule` gets row r of every operand (float64
 * copies it may overwrite) and returns the row to write into `out`.
 */
export function mapRows(out: Info, operands: readonly Info[], rule: (rows: Float64Array[], r: number) => ArrayLike<number>): void {
  const sources = operands.map((t) => new RowAccess(t));
  const dest = new RowAccess(out);
  const rows = sources.map((s) => new Float64Array(s.length));
  for (let r = 0; r < dest.count; r++) {
    sources.forEach((s, i) => s.read(r, rows[i]));
    dest.write(r, rule(rows, r));
  }
}
