import { Linear, Module, readSafetensors } from '@peftjs/core';
import { locateGoldenDir } from '@peftjs/conformance';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  WaveFTConfig,
  daubechiesFilter,
  getPeftModel,
  proportionalFrequencies,
  reconstructionFilters,
  roundHalfEven,
  spectrumMap,
  spectrumPositions,
  waveletReduction,
  type WaveFTLayer,
} from '../src/index.js';
import { useCpuBackend } from './cpu.js';
import { goldenCases } from './golden.js';

goldenCases(/waveft/);

/**
 * PEFT's WaveFT ΔW (without scaling) step by step, densely: the padded spectrum, its four bands,
 * conv_transpose2d (stride 2) of [cA, cH, cV, cD] with outer(lo,lo), outer(hi,lo), outer(lo,hi),
 * outer(hi,hi), the crop of ⌊(2L−3)/2⌋ on every side, then the centred crop to [out, in].
 */
function denseReference(family: string, out: number, inn: number, rows: Int32Array, cols: Int32Array, values: number[]): number[][] {
  const reduction = waveletReduction(family)!;
  const even = (n: number) => (n % 2 === 0 ? n : n + 1);
  const [h, w] = [even(out + reduction), even(inn + reduction)];
  const dense = Array.from({ length: h }, () => new Array<number>(w).fill(0));
  rows.forEach((r, j) => (dense[r + Math.floor((h - out) / 2)]![cols[j]! + Math.floor((w - inn) / 2)] = values[j]!));
  const { lo, hi } = reconstructionFilters(family);
  const length = lo.length;
  const [h2, w2] = [h / 2, w / 2];
  const full = Array.from({ length: 2 * h2 + length - 2 }, () => new Array<number>(2 * w2 + length - 2).fill(0));
  const bands: [number, number, number[], number[]][] = [
    [0, 0, lo, lo],
    [0, w2, hi, lo],
    [h2, 0, lo, hi],
    [h2, w2, hi, hi],
  ];
  for (const [r0, c0, p, q] of bands) {
    for (let i = 0; i < h2; i++) {
      for (let j = 0; j < w2; j++) {
        const c = dense[r0 + i]![c0 + j]!;
        if (c === 0) continue;
        for (let a = 0; a < length; a++) for (let b = 0; b < length; b++) full[2 * i + a]![2 * j + b]! += c * p[a]! * q[b]!;
      }
    }
  }
  const pad = Math.floor((2 * length - 3) / 2);
  const cropped = full.slice(pad, full.length - pad).map((row) => row.slice(pad, row.length - pad));
  const [sr, sc] = [Math.floor((cropped.length - out) / 2), Math.floor((cropped[0]!.length - inn) / 2)];
  return cropped.slice(sr, sr + out).map((row) => row.slice(sc, sc + inn));
}

describe('WaveFT', () => {
  useCpuBackend();

  it('places the spectrum where PEFT does: torch.randperm replayed equals the golden indices', async () => {
    const { dir } = await locateGoldenDir();
    const extras = readSafetensors(await readFile(join(dir, 'peft/waveft/extras.safetensors'))).tensors;
    for (const [name, out] of [
      ['q_proj', 16],
      ['v_proj', 16],
      ['up_proj', 32],
    ] as const) {
      const want = Array.from(extras.get(`base_model.model.${name}.waveft_indices.default`)!.data as BigInt64Array, Number);
      const { rows, cols } = spectrumPositions(out, 16, 24, 777);
      expect([...rows, ...cols]).toEqual(want);
    }
  });

  it('computes the Daubechies filters: db2 in closed form, and orthonormality and vanishing moments up to db10', () => {
    const s3 = Math.sqrt(3);
    const db2 = [1 + s3, 3 + s3, 3 - s3, 1 - s3].map((v) => v / (4 * Math.SQRT2));
    daubechiesFilter(2).forEach((v, i) => expect(v).toBeCloseTo(db2[i]!, 14));
    for (let n = 1; n <= 10; n++) {
      const h = daubechiesFilter(n);
      expect(h).toHaveLength(2 * n);
      expect(h.reduce((a, b) => a + b, 0)).toBeCloseTo(Math.SQRT2, 12);
      for (let shift = 0; shift < n; shift++) {
        const dot = h.reduce((acc, v, k) => acc + v * (h[k + 2 * shift] ?? 0), 0);
        expect(dot).toBeCloseTo(shift === 0 ? 1 : 0, 11);
      }
      // the high-pass filter kills polynomials of degree < n
      for (let p = 0; p < n; p++)
        expect(h.reduce((acc, v, k) => acc + (k % 2 === 0 ? 1 : -1) * v * k ** p, 0) / (2 * n) ** p).toBeCloseTo(0, 9);
    }
  });

  it("the sparse map equals PEFT's dense reconstruction for several families and odd shapes", () => {
    for (const family of ['db1', 'db2', 'db3', 'db4', 'sym3']) {
      for (const [out, inn, count] of [
        [16, 16, 24],
        [7, 10, 30],
        [5, 9, 45],
        [12, 5, 13],
      ] as const) {
        const positions = spectrumPositions(out, inn, count, 5);
        const values = Array.from({ length: count }, (_, j) => Math.sin(j + 1));
        const want = denseReference(family, out, inn, positions.rows, positions.cols, values);
        const map = spectrumMap(family, true, out, inn, positions);
        const got = new Array<number>(out * inn).fill(0);
        map.flat.forEach((f, e) => (got[f]! += values[map.entry[e]!]! * map.coefficient[e]!));
        for (let r = 0; r < out; r++) for (let c = 0; c < inn; c++) expect(got[r * inn + c]).toBeCloseTo(want[r]![c]!, 12);
      }
    }
  });

  it('config: PEFT 0.18.1 defaults; wavelet families PEFT knows but peft.js does not compute are refused by name', () => {
    expect(new WaveFTConfig({}).toJSON()).toMatchObject({
      n_frequency: 2592,
      scaling: 25,
      wavelet_family: 'db1',
      use_idwt: true,
      random_loc_seed: 777,
      proportional_parameters: false,
      init_weights: true,
    });
    expect(() => new WaveFTConfig({ waveletFamily: 'sym4' })).toThrow(
      /waveletFamily \(wavelet_family\) 'sym4' is not supported by peft.js \(supported: db1–db10, sym2, sym3\)/,
    );
    expect(() => new WaveFTConfig({ waveletFamily: 'haar' })).toThrow(/'haar' is not a family PEFT knows/);
    expect(new WaveFTConfig({ waveletFamily: 'coif2', useIdwt: false }).waveletFamily).toBe('coif2');
  });

  class Net extends Module {
    constructor() {
      super();
      this.registerModule('a', new Linear(8, 4));
      this.registerModule('b', new Linear(4, 8));
      this.registerModule('c', new Linear(8, 8));
    }
    forward(): never {
      throw new Error('unused');
    }
  }

  it('proportional_parameters shares n_frequency × targets by size, rounding as Python', async () => {
    expect([0.5, 1.5, 2.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, 2, 3]);
    const config = new WaveFTConfig({ targetModules: ['a', 'b', 'c'], nFrequency: 5, proportionalParameters: true });
    // sizes 32, 32, 64 of 128; budget 15 → 3.75, 3.75, 7.5 → 4, 4, 8
    expect(Object.fromEntries(proportionalFrequencies(new Net(), config))).toEqual({ a: 4, b: 4, c: 8 });
    const peft = getPeftModel(new Net(), config);
    const sizes = ['a', 'b', 'c'].map((k) => (peft.getBaseModel().getSubmodule(k) as WaveFTLayer).spectrum.at('default').shape[0]);
    expect(sizes).toEqual([4, 4, 8]);
    // without the transform, ΔW is the scaled spectrum itself
    const plain = getPeftModel(
      new Net(),
      new WaveFTConfig({ targetModules: ['c'], nFrequency: 3, useIdwt: false, initWeights: false, scaling: 2 }),
    );
    const layer = plain.getBaseModel().getSubmodule('c') as WaveFTLayer;
    const deltaWeight = layer.deltaWeight('default');
    const delta = await deltaWeight.data();
    deltaWeight.dispose();
    const spectrum = await layer.spectrum.at('default').data();
    const { rows, cols } = layer.positions.get('default')!;
    const want = new Array<number>(64).fill(0);
    rows.forEach((r, j) => (want[r * 8 + cols[j]!] = 2 * spectrum[j]!));
    Array.from(delta).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 6));
    peft.dispose();
    plain.dispose();
  });
});
