/**
 * The op functions as Tensor methods (`a.matmul(b)`, `x.sum(-1)`), attached here so that
 * tensor.ts does not depend on every op.
 */
import { Tensor } from './tensor.js';
import * as u from './ops/unary.js';
import * as bin from './ops/binary.js';
import * as red from './ops/reduce.js';
import * as v from './ops/views.js';
import { cast } from './ops/cast.js';
import { matmul } from './ops/matmul.js';
import { softmax, logSoftmax } from './ops/softmax.js';
import { indexSelect } from './ops/indexing.js';
import { backward } from './autograd/backward.js';

const methods: Partial<Record<keyof Tensor, (this: Tensor, ...args: any[]) => unknown>> = {
  add(b) {
    return bin.add(this, b);
  },
  sub(b) {
    return bin.sub(this, b);
  },
  mul(b) {
    return bin.mul(this, b);
  },
  div(b) {
    return bin.div(this, b);
  },
  pow(b) {
    return bin.pow(this, b);
  },
  maximum(b) {
    return bin.maximum(this, b);
  },
  minimum(b) {
    return bin.minimum(this, b);
  },
  eq(b) {
    return bin.eq(this, b);
  },
  ne(b) {
    return bin.ne(this, b);
  },
  lt(b) {
    return bin.lt(this, b);
  },
  le(b) {
    return bin.le(this, b);
  },
  gt(b) {
    return bin.gt(this, b);
  },
  ge(b) {
    return bin.ge(this, b);
  },
  neg() {
    return u.neg(this);
  },
  abs() {
    return u.abs(this);
  },
  exp() {
    return u.exp(this);
  },
  log() {
    return u.log(this);
  },
  sqrt() {
    return u.sqrt(this);
  },
  rsqrt() {
    return u.rsqrt(this);
  },
  reciprocal() {
    return u.reciprocal(this);
  },
  square() {
    return u.square(this);
  },
  sin() {
    return u.sin(this);
  },
  cos() {
    return u.cos(this);
  },
  tanh() {
    return u.tanh(this);
  },
  sigmoid() {
    return u.sigmoid(this);
  },
  relu() {
    return u.relu(this);
  },
  silu() {
    return u.silu(this);
  },
  sign() {
    return u.sign(this);
  },
  gelu(options) {
    return u.gelu(this, options);
  },
  sum(dim, keepdim) {
    return red.sum(this, dim, keepdim);
  },
  mean(dim, keepdim) {
    return red.mean(this, dim, keepdim);
  },
  max(dim, keepdim) {
    return red.max(this, dim, keepdim);
  },
  min(dim, keepdim) {
    return red.min(this, dim, keepdim);
  },
  argmax(dim, keepdim) {
    return red.argmax(this, dim, keepdim);
  },
  matmul(b, options) {
    return matmul(this, b, options);
  },
  softmax(dim) {
    return softmax(this, dim);
  },
  logSoftmax(dim) {
    return logSoftmax(this, dim);
  },
  reshape(shape) {
    return v.reshape(this, shape);
  },
  view(shape) {
    return v.view(this, shape);
  },
  flatten(s, e) {
    return v.flatten(this, s, e);
  },
  permute(dims) {
    return v.permute(this, dims);
  },
  transpose(a, b) {
    return v.transpose(this, a, b);
  },
  expand(shape) {
    return v.expand(this, shape);
  },
  slice(dim, start, end, step) {
    return v.slice(this, dim, start, end, step);
  },
  narrow(dim, start, length) {
    return v.narrow(this, dim, start, length);
  },
  squeeze(dim) {
    return v.squeeze(this, dim);
  },
  unsqueeze(dim) {
    return v.unsqueeze(this, dim);
  },
  contiguous() {
    return v.contiguous(this);
  },
  clone() {
    return v.clone(this);
  },
  detach() {
    return v.detach(this);
  },
  cast(dtype) {
    return cast(this, dtype);
  },
  indexSelect(dim, index) {
    return indexSelect(this, dim, index);
  },
  backward(options) {
    return backward(this, options instanceof Tensor ? { gradient: options } : options);
  },
  expandAs(other) {
    return v.expand(this, other instanceof Tensor ? other.shape : other);
  },
};

Object.assign(Tensor.prototype, methods);
