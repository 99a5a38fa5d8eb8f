/**
 * The op table's independent oracle: n-d arrays of float64 in row-major order and the NumPy
 * semantics of each op, written out in plain loops. Nothing here calls @peftjs/core, so a pass
 * compares the CPU reference with arithmetic it does not share.
 */
export interface Nd {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

export const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export function nd(data: ArrayLike<number>, shape: readonly number[]): Nd {
  if (data.length !== numel(shape)) throw new Error(`oracle: ${data.length} values for shape [${shape}]`);
  return { shape: [...shape], data: Float64Array.from(data) };
}

export const scalarNd = (v: number): Nd => nd([v], []);

export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

const axis = (dim: number, rank: number): number => (dim < 0 ? dim + rank : dim);

/** The multi-index of flat position `flat` in `shape`. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    idx[i] = flat % shape[i];
    flat = Math.floor(flat / shape[i]);
  }
  return idx;
}

export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let flat = 0;
  for (let i = 0; i < shape.length; i++) flat = flat * shape[i] + idx[i];
  return flat;
}

/** An array of `shape` whose entry at each multi-index is `fn(index)`. */
export function build(shape: readonly number[], fn: (idx: number[]) => number): Nd {
  const data = new Float64Array(numel(shape));
  for (let i = 0; i < data.length; i++) data[i] = fn(unravel(i, shape));
  return { shape: [...shape], data };
}

export function map(a: Nd, fn: (v: number) => number): Nd {
  return { shape: a.shape, data: a.data.map(fn) };
}

/** NumPy's broadcast shape of several shapes. */
export function broadcastShape(...shapes: (readonly number[])[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  return Array.from({ length: rank }, (_, i) => {
    let size = 1;
    for (const s of shapes) {
      const d = s[s.length - rank + i] ?? 1;
      if (d !== 1 && size !== 1 && d !== size) throw new Error(`oracle: shapes [${shapes.join('], [')}] do not broadcast`);
      if (d !== 1) size = d;
    }
    return size;
  });
}

/** The entry of `a` that position `idx` of a broadcast result of rank idx.length reads. */
function broadcastRead(a: Nd, idx: readonly number[]): number {
  const offset = idx.length - a.shape.length;
  let flat = 0;
  for (let i = 0; i < a.shape.length; i++) flat = flat * a.shape[i] + (a.shape[i] === 1 ? 0 : idx[offset + i]);
  return a.data[flat];
}

/** Elementwise function of several arrays, broadcast as NumPy does. */
export function zip(arrays: readonly Nd[], fn: (...v: number[]) => number): Nd {
  const shape = broadcastShape(...arrays.map((a) => a.shape));
  return build(shape, (idx) => fn(...arrays.map((a) => broadcastRead(a, idx))));
}

export const expand = (a: Nd, shape: readonly number[]): Nd => zip([a, { shape, data: new Float64Array(numel(shape)) }], (v) => v);

/** Reduces the axes `dims` (all when undefined) with `fn` over the values along them. */
export function reduce(a: Nd, dims: number | readonly number[] | undefined, keepdim: boolean, fn: (values: number[]) => number): Nd {
  const rank = a.shape.length;
  const reduced = new Set(
    dims === undefined ? a.shape.map((_, i) => i) : (typeof dims === 'number' ? [dims] : dims).map((d) => axis(d, rank)),
  );
  const outFull = a.shape.map((s, i) => (reduced.has(i) ? 1 : s));
  const groups = Array.from({ length: numel(outFull) }, () => [] as number[]);
  for (let i = 0; i < a.data.length; i++) {
    const idx = unravel(i, a.shape).map((v, d) => (reduced.has(d) ? 0 : v));
    groups[ravel(idx, outFull)].push(a.data[i]);
  }
  const shape = keepdim ? outFull : a.shape.filter((_, i) => !reduced.has(i));
  return nd(groups.map(fn), shape);
}

export const total = (v: number[]): number => v.reduce((s, x) => s + x, 0);

/** `fn` applied to every 1-D line along `dim` (it returns the new line, of the same length). */
export function alongAxis(a: Nd, dim: number, fn: (line: number[]) => number[]): Nd {
  const d = axis(dim, a.shape.length);
  const out = new Float64Array(a.data.length);
  const stride = stridesOf(a.shape)[d];
  for (let i = 0; i < a.data.length; i++) {
    if (unravel(i, a.shape)[d] !== 0) continue;
    const line = Array.from({ length: a.shape[d] }, (_, k) => a.data[i + k * stride]);
    fn(line).forEach((v, k) => (out[i + k * stride] = v));
  }
  return { shape: a.shape, data: out };
}

export function permute(a: Nd, perm: readonly number[]): Nd {
  const shape = perm.map((p) => a.shape[p]);
  return build(shape, (idx) => {
    const src = new Array<number>(perm.length);
    perm.forEach((p, i) => (src[p] = idx[i]));
    return a.data[ravel(src, a.shape)];
  });
}

export function transpose(a: Nd, d0 = -2, d1 = -1): Nd {
  const perm = a.shape.map((_, i) => i);
  const [x, y] = [axis(d0, a.shape.length), axis(d1, a.shape.length)];
  [perm[x], perm[y]] = [perm[y], perm[x]];
  return permute(a, perm);
}

/** Same values in a new shape (one -1 is inferred). */
export function reshape(a: Nd, shape: readonly number[]): Nd {
  const known = shape.filter((s) => s !== -1).reduce((x, y) => x * y, 1);
  return nd(
    a.data,
    shape.map((s) => (s === -1 ? a.data.length / known : s)),
  );
}

/** Python's slice start:end:step along `dim`, with negative and out-of-range bounds clamped. */
export function slice(a: Nd, dim: number, start = 0, end?: number, step = 1): Nd {
  const d = axis(dim, a.shape.length);
  const n = a.shape[d];
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
  const [s, e] = [clamp(start), clamp(end ?? n)];
  const picked: number[] = [];
  for (let i = s; i < e; i += step) picked.push(i);
  return take(a, d, nd(picked, [picked.length]));
}

/** Index-select: positions `index` (any shape) along `dim`, which the index's shape replaces. */
export function take(a: Nd, dim: number, index: Nd): Nd {
  const d = axis(dim, a.shape.length);
  const shape = [...a.shape.slice(0, d), ...index.shape, ...a.shape.slice(d + 1)];
  const k = index.shape.length;
  return build(shape, (idx) => {
    const picked = index.data[ravel(idx.slice(d, d + k), index.shape)];
    return a.data[ravel([...idx.slice(0, d), picked, ...idx.slice(d + k)], a.shape)];
  });
}

export function concat(arrays: readonly Nd[], dim: number): Nd {
  const d = axis(dim, arrays[0].shape.length);
  const sizes = arrays.map((a) => a.shape[d]);
  const shape = [...arrays[0].shape];
  shape[d] = total(sizes);
  return build(shape, (idx) => {
    let i = idx[d];
    let which = 0;
    while (i >= sizes[which]) i -= sizes[which++];
    const src = [...idx];
    src[d] = i;
    return arrays[which].data[ravel(src, arrays[which].shape)];
  });
}

/** `x` with the positions start:end:step along `dim` replaced by `src`. */
export function sliceScatter(x: Nd, src: Nd, dim: number, start: number, end: number, step = 1): Nd {
  const d = axis(dim, x.shape.length);
  return build(x.shape, (idx) => {
    const i = idx[d];
    if (i < start || i >= end || (i - start) % step !== 0) return x.data[ravel(idx, x.shape)];
    const at = [...idx];
    at[d] = (i - start) / step;
    return src.data[ravel(at, src.shape)];
  });
}

/** `x` plus `src` added at the positions `index` (1-D) along `dim`, repeats accumulating. */
export function indexAdd(x: Nd, dim: number, index: Nd, src: Nd): Nd {
  const d = axis(dim, x.shape.length);
  const out = Float64Array.from(x.data);
  for (let i = 0; i < src.data.length; i++) {
    const idx = unravel(i, src.shape);
    idx[d] = index.data[idx[d]];
    out[ravel(idx, x.shape)] += src.data[i];
  }
  return { shape: x.shape, data: out };
}

/** NumPy's matmul: 1-D operands promoted and the added axis dropped, batch axes broadcast. */
export function matmul(a: Nd, b: Nd): Nd {
  const A = a.shape.length === 1 ? reshape(a, [1, a.shape[0]]) : a;
  const B = b.shape.length === 1 ? reshape(b, [b.shape[0], 1]) : b;
  const [m, k] = A.shape.slice(-2);
  const [k2, n] = B.shape.slice(-2);
  if (k !== k2) throw new Error(`oracle: matmul inner dimensions ${k} and ${k2}`);
  const batch = broadcastShape(A.shape.slice(0, -2), B.shape.slice(0, -2));
  const full = build([...batch, m, n], (idx) => {
    const bi = idx.slice(0, -2);
    const [i, j] = idx.slice(-2);
    let s = 0;
    for (let p = 0; p < k; p++) s += readBatched(A, bi, i, p) * readBatched(B, bi, p, j);
    return s;
  });
  const shape = [...batch, ...(a.shape.length === 1 ? [] : [m]), ...(b.shape.length === 1 ? [] : [n])];
  return reshape(full, shape);
}

function readBatched(a: Nd, batch: readonly number[], i: number, j: number): number {
  const lead = a.shape.length - 2;
  const offset = batch.length - lead;
  const idx = [...Array.from({ length: lead }, (_, d) => (a.shape[d] === 1 ? 0 : batch[offset + d])), i, j];
  return a.data[ravel(idx, a.shape)];
}
