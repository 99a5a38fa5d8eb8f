/**
 * The op functions as Tensor methods (`a.matmul(b)`, `x.sum(-1)`), attached here so that
 * tensor.ts does not depend on every op.
 */
import { Tensor } from './tensor.js';
import type { DType } from './dtype.js';
import type { Shape } from './shape.js';
import * as u from './ops/unary.js';
import * as bin from './ops/binary.js';
import * as red from './ops/reduce.js';
import * as v from './ops/views.js';
import { cast } from './ops/cast.js';
import { matmul, type MatmulOptions } from './ops/matmul.js';
import { softmax, logSoftmax } from './ops/softmax.js';
import { indexSelect } from './ops/indexing.js';
import { backward, type BackwardOptions } from './autograd/backward.js';
import type { TensorLike } from './ops/tensor-like.js';

declare module './tensor.js' {
  interface Tensor {
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
    sum(dim?: red.Dims, keepdim?: boolean): Tensor;
    mean(dim?: red.Dims, keepdim?: boolean): Tensor;
    max(dim?: red.Dims, keepdim?: boolean): Tensor;
    min(dim?: red.Dims, keepdim?: boolean): Tensor;
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
    cast(dtype: DType): Tensor;
    indexSelect(dim: number, index: Tensor): Tensor;
    backward(options?: BackwardOptions | Tensor): void;
    /** PyTorch's `expand_as`-style helper: broadcast to another shape. */
    expandAs(other: Tensor | Shape): Tensor;
  }
}

const methods: Partial<Record<keyof Tensor, (this: Tensor, ...args: any[]) => unknown>> = {
  add(b) { return bin.add(this, b); },
  sub(b) { return bin.sub(this, b); },
  mul(b) { return bin.mul(this, b); },
  div(b) { return bin.div(this, b); },
  pow(b) { return bin.pow(this, b); },
  maximum(b) { return bin.maximum(this, b); },
  minimum(b) { return bin.minimum(this, b); },
  eq(b) { return bin.eq(this, b); },
  ne(b) { return bin.ne(this, b); },
  lt(b) { return bin.lt(this, b); },
  le(b) { return bin.le(this, b); },
  gt(b) { return bin.gt(this, b); },
  ge(b) { return bin.ge(this, b); },
  neg() { return u.neg(this); },
  abs() { return u.abs(this); },
  exp() { return u.exp(this); },
  log() { return u.log(this); },
  sqrt() { return u.sqrt(this); },
  rsqrt() { return u.rsqrt(this); },
  reciprocal() { return u.reciprocal(this); },
  square() { return u.square(this); },
  sin() { return u.sin(this); },
  cos() { return u.cos(this); },
  tanh() { return u.tanh(this); },
  sigmoid() { return u.sigmoid(this); },
  relu() { return u.relu(this); },
  silu() { return u.silu(this); },
  sign() { return u.sign(this); },
  gelu(options) { return u.gelu(this, options); },
  sum(dim, keepdim) { return red.sum(this, dim, keepdim); },
  mean(dim, keepdim) { return red.mean(this, dim, keepdim); },
  max(dim, keepdim) { return red.max(this, dim, keepdim); },
  min(dim, keepdim) { return red.min(this, dim, keepdim); },
  argmax(dim, keepdim) { return red.argmax(this, dim, keepdim); },
  matmul(b, options) { return matmul(this, b, options); },
  softmax(dim) { return softmax(this, dim); },
  logSoftmax(dim) { return logSoftmax(this, dim); },
  reshape(shape) { return v.reshape(this, shape); },
  view(shape) { return v.view(this, shape); },
  flatten(s, e) { return v.flatten(this, s, e); },
  permute(dims) { return v.permute(this, dims); },
  transpose(a, b) { return v.transpose(this, a, b); },
  expand(shape) { return v.expand(this, shape); },
  slice(dim, start, end, step) { return v.slice(this, dim, start, end, step); },
  narrow(dim, start, length) { return v.narrow(this, dim, start, length); },
  squeeze(dim) { return v.squeeze(this, dim); },
  unsqueeze(dim) { return v.unsqueeze(this, dim); },
  contiguous() { return v.contiguous(this); },
  clone() { return v.clone(this); },
  detach() { return v.detach(this); },
  cast(dtype) { return cast(this, dtype); },
  indexSelect(dim, index) { return indexSelect(this, dim, index); },
  backward(options) { return backward(this, options instanceof Tensor ? { gradient: options } : options); },
  expandAs(other) { return v.expand(this, other instanceof Tensor ? other.shape : other); },
};

Object.assign(Tensor.prototype, methods);
