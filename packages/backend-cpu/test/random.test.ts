import { philox4x32, philoxWords } from '@peftjs/core';
import { describe, expect, it } from 'vitest';
import { cpuKernels } from '../src/index.js';
import { expectClose, values, zeros } from './helpers.js';

const block = (c: number[], k: number[]): number[] => Array.from(philox4x32(c[0], c[1], c[2], c[3], k[0], k[1], new Uint32Array(4)));

/** Word j of the stream for (key, counter), straight from the block function. */
function word(key: number[], counterLo: number, j: number): number {
  return block([counterLo + Math.floor(j / 4), 0, 0, 0], key)[j % 4];
}

describe('philox4x32 (core) known answers from Random123', () => {
  it('counter 0, key 0', () => {
    expect(block([0, 0, 0, 0], [0, 0])).toEqual([0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]);
  });

  it('counter and key all ones', () => {
    const ones = 0xffffffff;
    expect(block([ones, ones, ones, ones], [ones, ones])).toEqual([0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]);
  });

  it('pi digits', () => {
    expect(block([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0])).toEqual([
      0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1,
    ]);
  });

  it('philoxWords carries the 64-bit counter across its low word', () => {
    const key = [3, 4] as const;
    const words = Array.from(philoxWords(key, [0xffffffff, 7], new Uint32Array(6)));
    expect(words).toEqual([...block([0xffffffff, 7, 0, 0], [3, 4]), ...block([0, 8, 0, 0], [3, 4]).slice(0, 2)]);
  });
});

describe('random kernels follow the Philox stream', () => {
  const key: [number, number] = [0x12345678, 0x9abcdef0];
  const u = (w: number) => (w >>> 8) / 2 ** 24;

  it('randomUniform: element j is low + (high − low)·u(word j)', () => {
    const out = zeros([2, 3]);
    cpuKernels.randomUniform({ out, low: -2, high: 3, key, counter: [5, 0] });
    expect(values(out)).toEqual([0, 1, 2, 3, 4, 5].map((j) => -2 + 5 * u(word(key, 5, j))));
    const f32 = zeros([6], 'float32');
    cpuKernels.randomUniform({ out: f32, low: -2, high: 3, key, counter: [5, 0] });
    expect(values(f32)).toEqual(values(out).map(Math.fround));
  });

  it('a call equals the calls over its consecutive counter ranges', () => {
    const whole = zeros([8]);
    const first = zeros([4]);
    const second = zeros([4]);
    cpuKernels.randomUniform({ out: whole, low: 0, high: 1, key, counter: [9, 0] });
    cpuKernels.randomUniform({ out: first, low: 0, high: 1, key, counter: [9, 0] });
    cpuKernels.randomUniform({ out: second, low: 0, high: 1, key, counter: [10, 0] });
    expect(values(whole)).toEqual([...values(first), ...values(second)]);
    expect(values(first)).not.toEqual(values(second));
  });

  it('randomNormal: Box–Muller on word pairs, odd sizes use the first of the last pair', () => {
    const out = zeros([5]);
    cpuKernels.randomNormal({ out, mean: 1, std: 2, key, counter: [0, 3] });
    const w = (j: number) => block([Math.floor(j / 4), 3, 0, 0], key)[j % 4];
    const expected = [0, 1, 2, 3, 4].map((j) => {
      const p = j - (j % 2);
      const r = Math.sqrt(-2 * Math.log(((w(p) >>> 8) + 1) / 2 ** 24));
      const theta = 2 * Math.PI * u(w(p + 1));
      return 1 + 2 * (j % 2 === 0 ? r * Math.cos(theta) : r * Math.sin(theta));
    });
    expectClose(values(out), expected, 1e-15);
  });

  it('randomNormal has mean and std close to the requested ones', () => {
    const out = zeros([20000]);
    cpuKernels.randomNormal({ out, mean: 0.5, std: 3, key, counter: [0, 0] });
    const v = values(out);
    const mean = v.reduce((s, x) => s + x, 0) / v.length;
    const std = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length);
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.07);
    expect(Math.abs(std - 3)).toBeLessThan(0.07);
  });

  it("tensors larger than the kernels' word chunk follow one stream, across the counter's carry", () => {
    // 40,001 elements: a few chunks of words and an odd tail; the low counter word wraps inside the call
    const n = 40001;
    const counter: [number, number] = [0xffffffff - 3000, 2];
    const words = philoxWords(key, counter, new Uint32Array(n + 1));
    const uniform = zeros([n], 'float32');
    cpuKernels.randomUniform({ out: uniform, low: 0, high: 1, key, counter });
    expect(values(uniform)).toEqual(Array.from(words.subarray(0, n), (w) => Math.fround(u(w))));
    const bernoulli = zeros([n], 'int32');
    cpuKernels.randomBernoulli({ out: bernoulli, p: 0.5, key, counter });
    expect(values(bernoulli)).toEqual(Array.from(words.subarray(0, n), (w) => (u(w) < 0.5 ? 1 : 0)));
    const normal = zeros([n]);
    cpuKernels.randomNormal({ out: normal, mean: 0, std: 1, key, counter });
    const expected = Array.from({ length: n }, (_, j) => {
      const p = j - (j % 2);
      const r = Math.sqrt(-2 * Math.log(((words[p] >>> 8) + 1) / 2 ** 24));
      const theta = 2 * Math.PI * u(words[p + 1]);
      return j % 2 === 0 ? r * Math.cos(theta) : r * Math.sin(theta);
    });
    expectClose(values(normal), expected, 1e-15);
  });

  it('randomBernoulli: element j is u(word j) < p, in any dtype', () => {
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      const out = zeros([9], dtype);
      cpuKernels.randomBernoulli({ out, p: 0.3, key, counter: [2, 0] });
      expect(values(out)).toEqual([...Array(9).keys()].map((j) => (u(word(key, 2, j)) < 0.3 ? 1 : 0)));
    }
    const many = zeros([4000]);
    cpuKernels.randomBernoulli({ out: many, p: 0.3, key, counter: [0, 0] });
    const rate = values(many).reduce((s, x) => s + x, 0) / 4000;
    expect(Math.abs(rate - 0.3)).toBeLessThan(0.03);
    cpuKernels.randomBernoulli({ out: many, p: 0, key, counter: [0, 0] });
    expect(values(many).every((x) => x === 0)).toBe(true);
    cpuKernels.randomBernoulli({ out: many, p: 1, key, counter: [0, 0] });
    expect(values(many).every((x) => x === 1)).toBe(true);
  });
});
