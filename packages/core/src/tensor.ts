import type { Backend } from './backend.js';
import type { DataRef } from './data-ref.js';
import { isFloatingPoint, type DType, type TypedArray } from './dtype.js';
import type { GraphNode } from './autograd/node.js';
import { isContiguous, type Layout } from './layout.js';
import { formatShape, shapesEqual, sizeOf, type Shape } from './shape.js';
import { engine } from './engine.js';
import type { TensorLike } from './ops/tensor-like.js';
import type { Dims } from './ops/reduce.js';
import type { MatmulOptions } from './ops/matmul.js';
import type { BackwardOptions } from './autograd/backward.js';

export type NestedArray = number | boolean | NestedArray[];

let nextId = 0;

/**
 * An immutable handle on backend storage: dtype, layout, and (when made by an op that needs a
 * gradient) the graph node that produced it. Views share storage with their source.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- methods attached in tensor-methods.ts
export class Tensor {
  readonly id = nextId++;
  /** @internal */ ref: DataRef;
  /** @internal */ node: GraphNode | null = null;
  /** @internal */ outputIndex = 0;
  /** @internal */ layoutState: Layout;
  private gradValue: Tensor | null = null;
  private requiresGradValue = false;
  private disposedValue = false;

  /** @internal use the creation ops (tensor, zeros, ...) instead. */
  constructor(
    ref: DataRef,
    layout: Layout,
    readonly dtype: DType,
    track = true,
  ) {
    this.ref = ref;
    this.layoutState = layout;
    ref.retain();
    engine().onTensorCreated(this, track);
  }

  get layout(): Layout {
    return this.layoutState;
  }
  get shape(): Shape {
    return this.layoutState.shape;
  }
  get rank(): number {
    return this.layoutState.shape.length;
  }
  get size(): number {
    return sizeOf(this.layoutState.shape);
  }
  /** The backend that holds this tensor's storage (pass it as `backend` to make tensors beside it). */
  get backend(): Backend {
    return this.ref.backend;
  }
  get backendName(): string {
    return this.ref.backend.name;
  }
  get isDisposed(): boolean {
    return this.disposedValue;
  }
  /** True for tensors not made by a recorded op (user-created data and parameters). */
  get isLeaf(): boolean {
    return this.node === null;
  }
  /** Name of the op that made this tensor in the graph, or null for leaves. */
  get gradFn(): string | null {
    return this.node ? this.node.rule.op : null;
  }

  get requiresGrad(): boolean {
    return this.requiresGradValue || this.node !== null;
  }
  set requiresGrad(value: boolean) {
    if (!this.isLeaf) {
      throw new Error(`requiresGrad: can only be set on leaf tensors; use detach() to get a leaf from a ${this.gradFn} result`);
    }
    if (value && !isFloatingPoint(this.dtype)) {
      throw new TypeError(`requiresGrad: only float tensors can require gradients, got ${this.dtype}`);
    }
    this.requiresGradValue = value;
  }
  /** PyTorch's `requires_grad_()`: sets the flag and returns this tensor. */
  requiresGrad_(value = true): this {
    this.requiresGrad = value;
    return this;
  }

  /** The accumulated gradient (owned by this tensor; setting it disposes the previous one). */
  get grad(): Tensor | null {
    return this.gradValue;
  }
  set grad(value: Tensor | null) {
    if (value === this.gradValue) return;
    if (value !== null) {
      if (value.dtype !== this.dtype || !shapesEqual(value.shape, this.shape)) {
        throw new RangeError(`grad: expected ${this.dtype} ${formatShape(this.shape)}, got ${value.dtype} ${formatShape(value.shape)}`);
      }
      engine().keep(value);
    }
    this.gradValue?.dispose();
    this.gradValue = value;
  }

  /** Frees this handle (and the storage when no other view or saved value holds it). Idempotent. */
  dispose(): void {
    if (this.disposedValue) return;
    this.disposedValue = true;
    this.gradValue?.dispose();
    this.gradValue = null;
    const node = this.node;
    this.node = null;
    engine().onTensorDisposed(this);
    this.ref.release();
    node?.release();
  }
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** @internal throws a clear error when a disposed tensor is used. */
  assertAlive(op: string, arg: string): void {
    if (this.disposedValue) throw new Error(`${op}: ${arg} was disposed (tensor ${this.id}, shape ${formatShape(this.shape)})`);
  }

  /** The elements in row-major order, as a new typed array. */
  async data(): Promise<TypedArray> {
    this.assertAlive('data', 'tensor');
    const contiguous = this.ensureContiguous();
    try {
      return await contiguous.ref.backend.read(contiguous.ref.storage, this.dtype, contiguous.ref.size);
    } finally {
      if (contiguous !== this) contiguous.dispose();
    }
  }

  /** Synchronous read, only where the backend supports it (CPU). */
  dataSync(): TypedArray {
    this.assertAlive('dataSync', 'tensor');
    const backend = this.ref.backend;
    if (!backend.readSync || !backend.capabilities.syncRead) {
      throw new Error(`dataSync: the ${backend.name} backend cannot read synchronously; use await tensor.data()`);
    }
    const contiguous = this.ensureContiguous();
    try {
      return backend.readSync(contiguous.ref.storage, this.dtype, contiguous.ref.size);
    } finally {
      if (contiguous !== this) contiguous.dispose();
    }
  }

  async array(): Promise<NestedArray> {
    return nest(await this.data(), this.shape, this.dtype);
  }

  arraySync(): NestedArray {
    return nest(this.dataSync(), this.shape, this.dtype);
  }

  /** The single value of a one-element tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new RangeError(`item: tensor must have exactly one element, got shape ${formatShape(this.shape)}`);
    return (await this.data())[0];
  }

  itemSync(): number {
    if (this.size !== 1) throw new RangeError(`itemSync: tensor must have exactly one element, got shape ${formatShape(this.shape)}`);
    return this.dataSync()[0];
  }

  toString(): string {
    return `Tensor(${this.dtype}, ${formatShape(this.shape)}${this.gradFn ? `, gradFn=${this.gradFn}` : ''})`;
  }

  /**
   * Replaces this leaf's value in place (optimizer updates): same shape and dtype, no graph.
   * The previous storage is released.
   */
  assign(value: Tensor): this {
    this.assertAlive('assign', 'tensor');
    value.assertAlive('assign', 'value');
    if (!this.isLeaf) throw new Error(`assign: only leaf tensors can be assigned, this one came from ${this.gradFn}`);
    if (value.dtype !== this.dtype || !shapesEqual(value.shape, this.shape)) {
      throw new RangeError(
        `assign: value must be ${this.dtype} ${formatShape(this.shape)}, got ${value.dtype} ${formatShape(value.shape)}`,
      );
    }
    const source = value.ensureContiguous();
    source.ref.retain();
    this.ref.release();
    this.ref = source.ref;
    this.layoutState = source.layout;
    if (source !== value) source.dispose();
    return this;
  }

  /** @internal whether this handle covers its whole buffer, row-major from offset 0 (no view to resolve). */
  get isDense(): boolean {
    const l = this.layoutState;
    return isContiguous(l) && l.offset === 0 && this.ref.size === this.size;
  }

  /** @internal this tensor when it is dense, else a contiguous copy. */
  ensureContiguous(): Tensor {
    return this.isDense ? this : engine().contiguousCopy(this);
  }
}

/** The ops as methods; implemented in tensor-methods.ts (declared here so bundled typings keep them). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- see the class above
export interface Tensor {
  add(b: TensorLike): Tensor;
  sub(b: TensorLike): Tensor;
  mul(b: TensorLike): Tensor;
  div(b: TensorLike): Tensor;
  pow(b: TensorLike): Tensor;
  maximum(b: TensorLike): Tensor;
  minimum(b: TensorLike): Tensor;
  eq(b: TensorLike): Tensor;
  ne(b: TensorLike): Tensor;
  lt(b: TensorLike): Tensor;
  le(b: TensorLike): Tensor;
  gt(b: TensorLike): Tensor;
  ge(b: TensorLike): Tensor;
  neg(): Tensor;
  abs(): Tensor;
  exp(): Tensor;
  log(): Tensor;
  sqrt(): Tensor;
  rsqrt(): Tensor;
  reciprocal(): Tensor;
  square(): Tensor;
  sin(): Tensor;
  cos(): Tensor;
  tanh(): Tensor;
  sigmoid(): Tensor;
  relu(): Tensor;
  silu(): Tensor;
  sign(): Tensor;
  gelu(options?: { approximate?: 'none' | 'tanh' }): Tensor;
  sum(dim?: Dims, keepdim?: boolean): Tensor;
  mean(dim?: Dims, keepdim?: boolean): Tensor;
  max(dim?: Dims, keepdim?: boolean): Tensor;
  min(dim?: Dims, keepdim?: boolean): Tensor;
  argmax(dim?: number, keepdim?: boolean): Tensor;
  matmul(b: Tensor, options?: MatmulOptions): Tensor;
  softmax(dim?: number): Tensor;
  logSoftmax(dim?: number): Tensor;
  reshape(shape: readonly number[]): Tensor;
  view(shape: readonly number[]): Tensor;
  flatten(startDim?: number, endDim?: number): Tensor;
  permute(dims: readonly number[]): Tensor;
  transpose(dim0?: number, dim1?: number): Tensor;
  expand(shape: readonly number[]): Tensor;
  slice(dim: number, start?: number, end?: number, step?: number): Tensor;
  narrow(dim: number, start: number, length: number): Tensor;
  squeeze(dim?: number | readonly number[]): Tensor;
  unsqueeze(dim: number): Tensor;
  contiguous(): Tensor;
  clone(): Tensor;
  detach(): Tensor;
  /**
   * Converts to `dtype`; returns this tensor itself when it already has `dtype` (PyTorch's
   * `.to(dtype)`). The result may be the input: dispose it only if it is not the input, or let `tidy` do it.
   */
  cast(dtype: DType): Tensor;
  indexSelect(dim: number, index: Tensor): Tensor;
  backward(options?: BackwardOptions | Tensor): void;
  /** PyTorch's `expand_as`-style helper: broadcast to another shape. */
  expandAs(other: Tensor | Shape): Tensor;
}

function nest(data: TypedArray, shape: Shape, dtype: DType): NestedArray {
  const value = (i: number): number | boolean => (dtype === 'bool' ? data[i] !== 0 : data[i]);
  if (shape.length === 0) return value(0);
  let offset = 0;
  const build = (dim: number): NestedArray[] => {
    const out: NestedArray[] = [];
    for (let i = 0; i < shape[dim]; i++) out.push(dim === shape.length - 1 ? value(offset++) : build(dim + 1));
    return out;
  };
  return build(0);
}
