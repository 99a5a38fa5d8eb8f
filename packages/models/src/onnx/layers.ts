import { OnnxGraph, MASKED } from './graph.js';

/** A weight read from the model: row-major float32 values and the shape. */
export interface Weight {
  values: Float32Array;
  shape: number[];
}

/** The model's state dict as host arrays, by name; a missing name is an error naming it. */
export class Weights {
  constructor(private readonly map: ReadonlyMap<string, Weight>) {}

  get(name: string): Weight {
    const w = this.map.get(name);
    if (!w) throw new Error(`exportOnnx: the model has no tensor ${name}`);
    return w;
  }

  has(name: string): boolean {
    return this.map.has(name);
  }
}

/** [rows, cols] → [cols, rows]. */
export function transposed(w: Weight): Weight {
  const [r, c] = w.shape;
  const out = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = w.values[i * c + j];
  return { values: out, shape: [c, r] };
}

/** Columns start..end of a [rows, cols] matrix (a [cols] vector when rank 1). */
export function columns(w: Weight, start: number, end: number): Weight {
  if (w.shape.length === 1) return { values: w.values.slice(start, end), shape: [end - start] };
  const [r, c] = w.shape;
  const out = new Float32Array(r * (end - start));
  for (let i = 0; i < r; i++) out.set(w.values.subarray(i * c + start, i * c + end), i * (end - start));
  return { values: out, shape: [r, end - start] };
}

/**
 * The ops of the supported layers, each as Hugging Face computes it, on value names. The
 * builders of the model families call these with the module paths of their weights.
 */
export class Layers {
  constructor(
    readonly g: OnnxGraph,
    readonly weights: Weights,
  ) {}

  init(name: string, w: Weight = this.weights.get(name)): string {
    return this.g.float(name, w.values, w.shape);
  }

  /** x W + b for a weight stored [in, out] (Conv1D, or a Linear weight transposed). */
  matmulAdd(x: string, weight: Weight, bias: Weight | null, name: string): string {
    const y = this.g.node('MatMul', [x, this.init(`${name}.weight`, weight)]);
    return bias ? this.g.node('Add', [y, this.init(`${name}.bias`, bias)]) : y;
  }

  /** nn.Linear: x Wᵀ + b. */
  linear(x: string, path: string): string {
    const bias = this.weights.has(`${path}.bias`) ? this.weights.get(`${path}.bias`) : null;
    return this.matmulAdd(x, transposed(this.weights.get(`${path}.weight`)), bias, path);
  }

  /** GPT-2's Conv1D: x W + b with W [in, out]. */
  conv1d(x: string, path: string): string {
    return this.matmulAdd(x, this.weights.get(`${path}.weight`), this.weights.get(`${path}.bias`), path);
  }

  /** Rows of an embedding table for int64 ids. */
  embedding(ids: string, path: string): string {
    return this.g.node('Gather', [this.init(`${path}.weight`), ids], { axis: 0 });
  }

  layerNorm(x: string, path: string, eps: number): string {
    return this.g.node('LayerNormalization', [x, this.init(`${path}.weight`), this.init(`${path}.bias`)], {
      axis: -1,
      epsilon: { f: eps },
    });
  }

  /** Mean over the last axis, kept (ReduceMean takes its axes as an input from opset 18). */
  meanLast(x: string): string {
    return this.g.opset >= 18
      ? this.g.node('ReduceMean', [x, this.g.int64([-1])], { keepdims: 1 })
      : this.g.node('ReduceMean', [x], { axes: [-1], keepdims: 1 });
  }

  /** Llama's RMSNorm: x / sqrt(mean(x²) + eps) · w. */
  rmsNorm(x: string, path: string, eps: number): string {
    const ms = this.meanLast(this.g.node('Mul', [x, x]));
    const inv = this.g.node('Reciprocal', [this.g.node('Sqrt', [this.g.node('Add', [ms, this.g.scalar(eps)])])]);
    return this.g.node('Mul', [this.g.node('Mul', [x, inv]), this.init(`${path}.weight`)]);
  }

  activation(x: string, name: string, where: string): string {
    const g = this.g;
    switch (name) {
      case 'gelu': {
        // 0.5 x (1 + erf(x / √2))
        const erf = g.node('Erf', [g.node('Div', [x, g.scalar(Math.SQRT2)])]);
        return g.node('Mul', [g.node('Mul', [x, g.scalar(0.5)]), g.node('Add', [erf, g.scalar(1)])]);
      }
      case 'gelu_new':
      case 'gelu_pytorch_tanh':
      case 'gelu_fast': {
        // 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))
        const cube = g.node('Mul', [g.node('Mul', [x, x]), x]);
        const inner = g.node('Mul', [g.node('Add', [x, g.node('Mul', [cube, g.scalar(0.044715)])]), g.scalar(Math.sqrt(2 / Math.PI))]);
        return g.node('Mul', [g.node('Mul', [x, g.scalar(0.5)]), g.node('Add', [g.node('Tanh', [inner]), g.scalar(1)])]);
      }
      case 'silu':
      case 'swish':
        return g.node('Mul', [x, g.node('Sigmoid', [x])]);
      case 'relu':
        return g.node('Relu', [x]);
      case 'tanh':
        return g.node('Tanh', [x]);
      default:
        throw new Error(`exportOnnx: ${where}: activation '${name}' is not supported (gelu, gelu_new, silu, relu, tanh)`);
    }
  }

  /** [B, T, H·D] → [B, H, T, D]. */
  splitHeads(x: string, heads: number, headDim: number): string {
    return this.g.node('Transpose', [this.g.node('Reshape', [x, this.g.int64([0, 0, heads, headDim])])], { perm: [0, 2, 1, 3] });
  }

  /** [B, H, T, D] → [B, T, H·D]. */
  mergeHeads(x: string, heads: number, headDim: number): string {
    return this.g.node('Reshape', [this.g.node('Transpose', [x], { perm: [0, 2, 1, 3] }), this.g.int64([0, 0, heads * headDim])]);
  }

  /** Each of Hkv key/value heads repeated for its group of queries: [B, Hkv, T, D] → [B, Hkv·n, T, D]. */
  repeatHeads(x: string, kvHeads: number, nRep: number, headDim: number): string {
    if (nRep === 1) return x;
    const tiled = this.g.node('Tile', [this.g.node('Unsqueeze', [x, this.g.int64([2])]), this.g.int64([1, 1, nRep, 1, 1])]);
    return this.g.node('Reshape', [tiled, this.g.int64([0, kvHeads * nRep, -1, headDim])]);
  }

  /** softmax(q kᵀ · scale + bias) v for q [B, H, T, D], k and v [B, H, T, D], bias broadcast to [B, H, T, T]. */
  attention(q: string, k: string, v: string, scale: number, bias: string | null): string {
    let scores = this.g.node('Mul', [
      this.g.node('MatMul', [q, this.g.node('Transpose', [k], { perm: [0, 1, 3, 2] })]),
      this.g.scalar(scale),
    ]);
    if (bias) scores = this.g.node('Add', [scores, bias]);
    return this.g.node('MatMul', [this.g.node('Softmax', [scores], { axis: -1 }), v]);
  }

  /** The sequence length of [B, T, ...] `x` as an int64 [1]. */
  seqLength(x: string): string {
    return this.g.node('Slice', [this.g.node('Shape', [x]), this.g.int64([1]), this.g.int64([2]), this.g.int64([0])]);
  }

  /** The first `length` rows ([1] int64) of a table initializer. */
  firstRows(table: string, length: string): string {
    return this.g.node('Slice', [table, this.g.int64([0]), length, this.g.int64([0])]);
  }

  /**
   * The additive attention bias: the padding mask [B, T] (int64, 1 = attend) as 0 / lowest float
   * [B, 1, 1, T], and with `causal`, the lower-triangular [T, T] bias; combined with Min so a
   * masked entry stays finite.
   */
  maskBias(mask: string, maxLength: number, causal: boolean, length: string): string {
    const g = this.g;
    const keep = g.node('Cast', [mask], { to: 1 });
    const padding = g.node('Unsqueeze', [g.node('Mul', [g.node('Sub', [g.scalar(1), keep]), g.scalar(MASKED)]), g.int64([1, 2])]);
    if (!causal) return padding;
    const table = new Float32Array(maxLength * maxLength);
    for (let i = 0; i < maxLength; i++) for (let j = i + 1; j < maxLength; j++) table[i * maxLength + j] = MASKED;
    const full = g.float('causal_bias', table, [maxLength, maxLength]);
    const ends = g.node('Concat', [length, length], { axis: 0 });
    const square = g.node('Slice', [full, g.int64([0, 0]), ends, g.int64([0, 1])]);
    return g.node('Min', [padding, square]);
  }

  /** rotate_half: [x1, x2] → [−x2, x1] on the last axis of size `dim`. */
  rotateHalf(x: string, dim: number): string {
    const half = dim / 2;
    const x1 = this.g.node('Slice', [x, this.g.int64([0]), this.g.int64([half]), this.g.int64([-1])]);
    const x2 = this.g.node('Slice', [x, this.g.int64([half]), this.g.int64([dim]), this.g.int64([-1])]);
    return this.g.node('Concat', [this.g.node('Neg', [x2]), x1], { axis: -1 });
  }

  /** x cos + rotate_half(x) sin with tables [T, D]. */
  rope(x: string, cos: string, sin: string, dim: number): string {
    return this.g.node('Add', [this.g.node('Mul', [x, cos]), this.g.node('Mul', [this.rotateHalf(x, dim), sin])]);
  }
}
