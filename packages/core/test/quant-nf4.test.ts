import { describe, expect, it } from 'vitest';
import {
  NF4_CODE_MAP,
  blockAbsmax,
  byteAt,
  dequantizeInt8,
  dequantizeNf4,
  dynamicCodeMap,
  nibbleAt,
  quantizeInt8,
  quantizeNf4,
  quantizeWeight,
  resolveQuantizationConfig,
} from '../src/index.js';

/** A small deterministic generator (mulberry32) and N(0, 1) samples by Box–Muller, in float64. */
function normals(seed: number, n: number, std = 1): Float64Array {
  let s = seed >>> 0;
  const u = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  return Float64Array.from({ length: n }, () => std * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()));
}

/** Φ⁻¹ by Acklam's rational approximation refined with one Halley step on erfc (|error| < 1e-13). */
function normalPpf(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  let x: number;
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p > 1 - 0.02425) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
      (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
  const e = 0.5 * erfc(-x / Math.SQRT2) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** erfc by its continued fraction / series (float64, relative error ~1e-15). */
function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  if (x < 2) {
    // erf series
    let sum = x;
    let term = x;
    for (let n = 1; n < 60; n++) {
      term *= (-x * x) / n;
      sum += term / (2 * n + 1);
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  let f = 0;
  for (let n = 60; n >= 1; n--) f = n / 2 / (x + f);
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / (x + f);
}

describe('NF4 code map', () => {
  it('is the published table: sorted, -1 .. 1 with an exact 0 at code 7', () => {
    expect(NF4_CODE_MAP).toHaveLength(16);
    expect(NF4_CODE_MAP[0]).toBe(-1);
    expect(NF4_CODE_MAP[7]).toBe(0);
    expect(NF4_CODE_MAP[15]).toBe(1);
    for (let i = 1; i < 16; i++) expect(NF4_CODE_MAP[i]).toBeGreaterThan(NF4_CODE_MAP[i - 1]);
  });

  it('equals its construction from normal quantiles (QLoRA, offset 0.9677083: 8 positive, 7 negative values)', () => {
    const f = Math.fround;
    const linspace = (a: number, b: number, n: number) => Array.from({ length: n }, (_, i) => f(a + ((b - a) * i) / (n - 1)));
    const positive = linspace(0.9677083, 0.5, 9).slice(0, -1).map(normalPpf);
    const negative = linspace(0.9677083, 0.5, 8)
      .slice(0, -1)
      .map((p) => -normalPpf(p));
    const values = [...positive, 0, ...negative].sort((a, b) => a - b);
    const max = Math.max(...values);
    values.forEach((v, i) => expect(Math.abs(v / max - NF4_CODE_MAP[i]), `code ${i}`).toBeLessThan(5e-7));
  });

  it('round-trips every code value exactly, in every block position', () => {
    // each block holds the 16 values scaled by its absmax (the block's max |value| is 1·absmax)
    const scales = [1, 0.5, 3.25, 1e-3];
    const values = scales.flatMap((s) =>
      [...NF4_CODE_MAP, ...NF4_CODE_MAP, ...NF4_CODE_MAP, ...NF4_CODE_MAP].map((v) => Math.fround(v * s)),
    );
    const q = quantizeNf4(values, scales.length, 64, { doubleQuant: false });
    for (let i = 0; i < values.length; i++) expect(nibbleAt(q.codes, i), `element ${i}`).toBe(i % 16);
    expect(Array.from(q.absmax!)).toEqual(scales.map(Math.fround));
    const back = dequantizeNf4(q);
    for (let i = 0; i < values.length; i++)
      expect(back[i]).toBe(Math.fround(NF4_CODE_MAP[i % 16] * Math.fround(scales[Math.floor(i / 64)])));
  });

  it('rounds to the nearest code value (midpoints decide)', () => {
    const mid = (NF4_CODE_MAP[9] + NF4_CODE_MAP[10]) / 2;
    const q = quantizeNf4([1, mid - 1e-4, mid + 1e-4, -0.01, 0.03, -0.99, ...new Array(58).fill(0)], 1, 64, { doubleQuant: false });
    expect([0, 1, 2, 3, 4, 5].map((i) => nibbleAt(q.codes, i))).toEqual([15, 9, 10, 7, 7, 0]);
  });
});

describe('dynamic 8-bit map (double quantization)', () => {
  it("has bitsandbytes' shape: 256 sorted values, -0.99.. to 1, one 0, 2^i values a decade", () => {
    const map = dynamicCodeMap();
    expect(map).toHaveLength(256);
    for (let i = 1; i < 256; i++) expect(map[i]).toBeGreaterThan(map[i - 1]);
    expect(map[255]).toBe(1);
    expect(map.filter((v) => v === 0)).toHaveLength(1);
    for (let i = 0; i < 7; i++) {
      const lo = 10 ** (i - 6) * 0.1;
      const hi = 10 ** (i - 6);
      expect(map.filter((v) => v > lo * 0.999 && v < hi * 0.9999).length, `decade ${i}`).toBe(2 ** i);
    }
    // the largest decade: midpoints of linspace(0.1, 1, 65)
    expect(map[254]).toBeCloseTo((1 + (1 - 0.9 / 64)) / 2, 6);
  });
});

describe('quantize/dequantize error against float64', () => {
  const rows = 96;
  const cols = 128;
  const w = normals(7, rows * cols, 0.02);

  function errors(back: ArrayLike<number>): { rel: number; max: number } {
    let se = 0;
    let sw = 0;
    let max = 0;
    for (let i = 0; i < w.length; i++) {
      se += (back[i] - w[i]) ** 2;
      sw += w[i] ** 2;
      max = Math.max(max, Math.abs(back[i] - w[i]));
    }
    return { rel: Math.sqrt(se / sw), max };
  }

  it('NF4 (block 64, float32 absmax): each element within half a code gap of its block absmax; relative RMS error ≈ 0.1', () => {
    const q = quantizeNf4(w, rows, cols, { doubleQuant: false });
    const back = dequantizeNf4(q);
    const gaps = NF4_CODE_MAP.slice(1).map((v, i) => v - NF4_CODE_MAP[i]);
    const halfGap = Math.max(...gaps) / 2;
    for (let i = 0; i < w.length; i++) {
      const a = q.absmax![Math.floor(i / 64)];
      expect(Math.abs(back[i] - w[i]), `element ${i}`).toBeLessThanOrEqual(halfGap * a * (1 + 1e-6) + 1e-9);
    }
    const e = errors(back);
    expect(e.rel).toBeGreaterThan(0.05);
    expect(e.rel).toBeLessThan(0.12);
  });

  it('NF4 with double quantization: absmax values within 1% of the exact ones; weight error barely above plain NF4', () => {
    const plain = quantizeNf4(w, rows, cols, { doubleQuant: false });
    const dq = quantizeNf4(w, rows, cols);
    expect(dq.absmax).toBeNull();
    expect(dq.nested!.blockSize).toBe(256);
    const blocks = plain.absmax!.length;
    for (let b = 0; b < blocks; b++) {
      expect(Math.abs(blockAbsmax(dq, b) - plain.absmax![b]) / plain.absmax![b], `block ${b}`).toBeLessThan(0.01);
    }
    // the codes are those of the exact absmax: only the scale of each block moves
    expect(Array.from(dq.codes)).toEqual(Array.from(plain.codes));
    const ePlain = errors(dequantizeNf4(plain));
    const eDq = errors(dequantizeNf4(dq));
    expect(eDq.rel).toBeLessThan(ePlain.rel * 1.05);
    // 4-bit codes + 8-bit absmax a 64 + float32 a 256·64: 4.127 bits a weight (QLoRA's 4.127)
    const bits = (dq.codes.length * 32 + dq.nested!.codes.length * 32 + dq.nested!.absmax.length * 32 + 32) / (rows * cols);
    expect(bits).toBeLessThan(4.2);
  });

  it('int8 (absmax a row): each element within half a step (absmax/127/2); relative RMS error below 1%', () => {
    const q = quantizeInt8(w, rows, cols);
    const back = dequantizeInt8(q);
    for (let i = 0; i < w.length; i++) {
      const step = q.absmax![Math.floor(i / cols)] / 127;
      expect(Math.abs(back[i] - w[i])).toBeLessThanOrEqual(step / 2 + step * 1e-5);
    }
    expect(errors(back).rel).toBeLessThan(0.01);
    expect(byteAt(q.codes, 0)).toBeGreaterThanOrEqual(0);
  });

  it('an all-zero block stays zero; a partial last block is quantized on its own', () => {
    const values = [...new Array(64).fill(0), ...Array.from({ length: 36 }, (_, i) => i - 18)];
    const q = quantizeNf4(values, 10, 10, { doubleQuant: false });
    expect(q.absmax).toEqual(Float32Array.of(0, 18));
    const back = dequantizeNf4(q);
    expect(Array.from(back.subarray(0, 64))).toEqual(new Array(64).fill(0));
    // 17 / 18 = 0.94 is nearest to the code value 1
    expect(back[99]).toBe(18);
    expect(back[82]).toBe(0);
  });
});

describe('quantization config', () => {
  it('fills defaults and names the bad field', () => {
    expect(resolveQuantizationConfig({ bits: 4 })).toEqual({
      bits: 4,
      quantType: 'nf4',
      doubleQuant: true,
      blockSize: 64,
      skipModules: ['lm_head', 'score', 'classifier'],
    });
    expect(() => resolveQuantizationConfig({ bits: 3 } as never)).toThrow(/bits must be 4 \(NF4\) or 8 \(int8\), got 3/);
    expect(() => resolveQuantizationConfig({ bits: 4, blocksize: 64 } as never)).toThrow(/unknown field 'blocksize'/);
    expect(() => resolveQuantizationConfig({ bits: 4, blockSize: 60 })).toThrow(/blockSize must be a positive multiple of 8/);
    expect(() => quantizeWeight([1, Number.NaN], 1, 2, { bits: 8 })).toThrow(/value 1 \(row 0, column 1\) is NaN/);
    expect(() => quantizeWeight([1, 2, 3], 2, 2, { bits: 4 })).toThrow(/expected 2·2 = 4 values, got 3/);
  });
});
