import type { BinaryOp, UnaryOp } from '@peftjs/core';
import { describe, expect, it } from 'vitest';
import { cpuKernels } from '../src/index.js';
import { expectClose, tensor, values, view, zeros, type Info } from './helpers.js';

function runUnary(op: UnaryOp, x: Info, dtype = x.dtype): number[] {
  const out = zeros([...x.layout.shape], dtype);
  cpuKernels.unary({ op, x, out });
  return values(out);
}

function runBinary(op: BinaryOp, a: Info, b: Info, dtype = a.dtype): number[] {
  const out = zeros([...a.layout.shape], dtype);
  cpuKernels.binary({ op, a, b, out });
  return values(out);
}

describe('unary', () => {
  const xs = [-2.5, -1, -0.3, 0, 0.7, 2];
  const x = tensor(xs, [2, 3]);

  it('matches the Math formulas in float64', () => {
    const expected: Partial<Record<UnaryOp, (v: number) => number>> = {
      neg: (v) => -v,
      abs: Math.abs,
      exp: Math.exp,
      log: Math.log,
      sqrt: Math.sqrt,
      rsqrt: (v) => 1 / Math.sqrt(v),
      reciprocal: (v) => 1 / v,
      square: (v) => v * v,
      sin: Math.sin,
      cos: Math.cos,
      tanh: Math.tanh,
      sigmoid: (v) => 1 / (1 + Math.exp(-v)),
      silu: (v) => v / (1 + Math.exp(-v)),
      relu: (v) => Math.max(v, 0),
      sign: (v) => (v > 0 ? 1 : v < 0 ? -1 : 0),
      geluTanh: (v) => 0.5 * v * (1 + Math.tanh(0.7978845608028654 * (v + 0.044715 * v ** 3))),
    };
    for (const [op, f] of Object.entries(expected)) {
      expectClose(runUnary(op as UnaryOp, x), xs.map(f), 1e-15);
    }
  });

  it('gelu is the exact erf form (values from mpmath)', () => {
    const points = tensor([-3, -0.5, 0, 0.5, 1, 2.5], [6]);
    expectClose(
      runUnary('gelu', points),
      [-0.00404969409489028358, -0.15426876936299344818, 0, 0.34573123063700655182, 0.84134474606854294859, 2.4844758366855596621],
      2e-15,
    );
    expectClose(runUnary('erf', tensor([-1, 0.5], [2])), [-0.84270079294971486934, 0.52049987781304653768], 1e-15);
  });

  it('relu propagates NaN, sign of ±0 and NaN is 0 (PyTorch), sigmoid saturates without NaN', () => {
    const special = tensor([NaN, -0, 800, -800], [4]);
    expect(runUnary('relu', special)).toEqual([NaN, 0, 800, 0]);
    expect(runUnary('sign', special)).toEqual([0, 0, 1, -1]);
    expect(runUnary('sigmoid', special).slice(1)).toEqual([0.5, 1, 0]);
    expect(runUnary('silu', special).slice(2)).toEqual([800, -0]);
  });

  it('rounds float32 outputs once, from the float64 result', () => {
    const x32 = tensor([0.1, 1.7, -2], [3], 'float32');
    expect(runUnary('exp', x32)).toEqual(values(x32).map((v) => Math.fround(Math.exp(v))));
  });

  it('int32 results wrap like Int32Array', () => {
    const ints = tensor([-(2 ** 31), 65536, 123456789, -3], [4], 'int32');
    expect(runUnary('neg', ints)).toEqual([-(2 ** 31), -65536, -123456789, 3]);
    expect(runUnary('abs', ints)).toEqual([-(2 ** 31), 65536, 123456789, 3]);
    // 123456789² passes 2^53, so a float64 square would round before wrapping
    expect(runUnary('square', ints)).toEqual([0, 0, Number(BigInt.asIntN(32, 123456789n * 123456789n)), 9]);
  });

  it('reads strided inputs', () => {
    const transposed = view([1, 2, 3, 4, 5, 6], 'float64', { shape: [3, 2], strides: [1, 3], offset: 0 });
    expect(runUnary('neg', transposed)).toEqual([-1, -4, -2, -5, -3, -6]);
  });
});

describe('binary', () => {
  const a = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
  const column = view([10, 20], 'float64', { shape: [2, 3], strides: [1, 0], offset: 0 });

  it('arithmetic with a broadcast (stride 0) operand', () => {
    expect(runBinary('add', a, column)).toEqual([11, 12, 13, 24, 25, 26]);
    expect(runBinary('sub', a, column)).toEqual([-9, -8, -7, -16, -15, -14]);
    expect(runBinary('mul', a, column)).toEqual([10, 20, 30, 80, 100, 120]);
    expect(runBinary('div', a, column)).toEqual([0.1, 0.2, 0.3, 0.2, 0.25, 0.3]);
    expect(runBinary('pow', column, a)).toEqual([10, 100, 1000, 20 ** 4, 20 ** 5, 20 ** 6]);
    expect(runBinary('maximum', a, view([3], 'float64', { shape: [2, 3], strides: [0, 0], offset: 0 }))).toEqual([3, 3, 3, 4, 5, 6]);
    expect(runBinary('minimum', a, view([3], 'float64', { shape: [2, 3], strides: [0, 0], offset: 0 }))).toEqual([1, 2, 3, 3, 3, 3]);
  });

  it('follows IEEE and Math.pow at the edges; maximum/minimum propagate NaN', () => {
    const x = tensor([1, -1, 0, -8, 0], [5]);
    const y = tensor([0, 0, 0, 1 / 3, 0], [5]);
    expect(runBinary('div', x, y)).toEqual([Infinity, -Infinity, NaN, -24, NaN]);
    expect(runBinary('pow', x, y)).toEqual([1, 1, 1, NaN, 1]);
    const p = tensor([NaN, 1, NaN], [3]);
    const q = tensor([0, NaN, NaN], [3]);
    expect(runBinary('maximum', p, q)).toEqual([NaN, NaN, NaN]);
    expect(runBinary('minimum', p, q)).toEqual([NaN, NaN, NaN]);
  });

  it('int32 arithmetic wraps, division truncates toward zero and x / 0 is 0', () => {
    const x = tensor([2 ** 31 - 1, -(2 ** 31), 65536, 123456789, -7, 7, 7, -(2 ** 31)], [8], 'int32');
    const y = tensor([1, 1, 65536, 987654321, 2, -2, 0, -1], [8], 'int32');
    expect(runBinary('add', x, y).slice(0, 2)).toEqual([-(2 ** 31), -(2 ** 31) + 1]);
    expect(runBinary('sub', x, y).slice(0, 2)).toEqual([2 ** 31 - 2, 2 ** 31 - 1]);
    expect(runBinary('mul', x, y).slice(2, 4)).toEqual([0, Number(BigInt.asIntN(32, 123456789n * 987654321n))]);
    expect(runBinary('div', x, y).slice(4)).toEqual([-3, -3, 0, -(2 ** 31)]);
  });

  it('comparisons write bool, and NaN compares unequal', () => {
    const x = tensor([1, 2, NaN, 3], [4], 'float32');
    const y = tensor([2, 2, NaN, 1], [4], 'float32');
    const results: Record<string, number[]> = {};
    for (const op of ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const) {
      const out = zeros([4], 'bool');
      cpuKernels.binary({ op, a: x, b: y, out });
      expect(out.storage.data).toBeInstanceOf(Uint8Array);
      results[op] = values(out);
    }
    expect(results).toEqual({
      eq: [0, 1, 0, 0],
      ne: [1, 0, 1, 1],
      lt: [1, 0, 0, 0],
      le: [1, 1, 0, 0],
      gt: [0, 0, 0, 1],
      ge: [0, 1, 0, 1],
    });
  });

  it('bool outputs stay 0/1', () => {
    expect(runBinary('add', tensor([1, 1, 0], [3], 'bool'), tensor([1, 0, 0], [3], 'bool'))).toEqual([1, 1, 0]);
  });
});

describe('where', () => {
  it('picks a or b by a broadcast condition', () => {
    const cond = view([1, 0], 'bool', { shape: [2, 3], strides: [1, 0], offset: 0 });
    const a = view([9], 'float32', { shape: [2, 3], strides: [0, 0], offset: 0 });
    const b = tensor([1, 2, 3, 4, 5, 6], [2, 3], 'float32');
    const out = zeros([2, 3], 'float32');
    cpuKernels.where({ cond, a, b, out });
    expect(values(out)).toEqual([9, 9, 9, 4, 5, 6]);
  });
});
