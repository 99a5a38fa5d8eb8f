import { Conv1D, Linear, Module, noGrad, sum, tensor, tidy, type Tensor } from '@peftjs/core';
import { loadInputs, loadPeftModel, locateGoldenDir, nodeGoldenSource, openPeftCase, outputTensor } from '@peftjs/conformance';
import { describe, expect, it } from 'vitest';
import { C3AConfig, blockCirculant, getPeftModel } from '../src/index.js';
import { useCpuBackend } from './cpu.js';
import { goldenCases } from './golden.js';

goldenCases(/c3a/);

/** PEFT's per-block map, from its definition with complex DFTs: fft(ifft(x) ⊙ fft(w)).real. */
function fftCorrelate(x: number[], w: number[]): number[] {
  const b = x.length;
  const dft = (v: [number, number][], sign: number, scale: number): [number, number][] =>
    v.map((_, f) => {
      let re = 0;
      let im = 0;
      v.forEach(([a, c], t) => {
        const angle = (sign * 2 * Math.PI * f * t) / b;
        re += a * Math.cos(angle) - c * Math.sin(angle);
        im += a * Math.sin(angle) + c * Math.cos(angle);
      });
      return [re * scale, im * scale];
    });
  const ix = dft(
    x.map((v) => [v, 0]),
    1,
    1 / b,
  );
  const fw = dft(
    w.map((v) => [v, 0]),
    -1,
    1,
  );
  const product = ix.map(([a, c], f): [number, number] => [a * fw[f]![0] - c * fw[f]![1], a * fw[f]![1] + c * fw[f]![0]]);
  return dft(product, -1, 1).map(([re]) => re);
}

describe('C3A', () => {
  useCpuBackend();

  it("the block-circulant matrix applies PEFT's FFT circular correlation block by block", async () => {
    const [m, n, b] = [2, 3, 4];
    const w = Array.from({ length: m * n * b }, (_, i) => Math.sin(i * 1.3));
    const x = Array.from({ length: n * b }, (_, i) => Math.cos(i * 0.7));
    const kernels = tensor(w, { shape: [m, n, b], dtype: 'float64' });
    const matrix = blockCirculant(kernels);
    const y = tidy(() => matrix.matmul(tensor(x, { shape: [n * b, 1], dtype: 'float64' })));
    const got = await y.data();
    for (let i = 0; i < m; i++) {
      const want = new Array<number>(b).fill(0);
      for (let j = 0; j < n; j++) {
        fftCorrelate(x.slice(j * b, (j + 1) * b), w.slice((i * n + j) * b, (i * n + j + 1) * b)).forEach((v, k) => (want[k]! += v));
      }
      want.forEach((v, k) => expect(got[i * b + k]).toBeCloseTo(v, 12));
    }
    for (const t of [kernels, matrix, y]) t.dispose();
  });

  it("our kernel gradients are the finite differences of PEFT's forward; PEFT's golden ones upstream of a C3A layer are not", async () => {
    const c = await openPeftCase(nodeGoldenSource((await locateGoldenDir()).dir), 'c3a');
    const peft = await loadPeftModel(c, 'float64');
    const inputs = await loadInputs(c, 'float64');
    const loss = (): Tensor => tidy(() => sum(outputTensor((peft.forward as (...a: unknown[]) => unknown)(...inputs.args)).square()));
    const l = loss();
    l.backward();
    l.dispose();
    const golden = await c.arrays('grads.safetensors');
    const h = 1e-6;
    for (const name of ['q_proj', 'v_proj', 'up_proj']) {
      const key = `base_model.model.${name}.c3a_kernel.default`;
      const p = new Map(peft.namedParameters()).get(key)!;
      const ours = await p.grad!.data();
      const theirs = golden.get(`${key}.f64`)!.values;
      let oursVsFd = 0;
      let theirsVsFd = 0;
      for (const index of [0, 7, 13, 42, 50]) {
        const shifted = async (delta: number): Promise<number> => {
          const basis = new Float64Array(p.size);
          basis[index] = delta;
          noGrad(() => {
            const step = tensor(basis, { shape: p.shape, dtype: 'float64' });
            const moved = p.add(step);
            p.assign(moved);
            for (const t of [step, moved]) t.dispose();
          });
          const value = loss();
          const v = await value.item();
          value.dispose();
          return v;
        };
        const plus = await shifted(h);
        const minus = await shifted(-2 * h);
        await shifted(h);
        const fd = (plus - minus) / (2 * h);
        oursVsFd = Math.max(oursVsFd, Math.abs(ours[index]! - fd));
        theirsVsFd = Math.max(theirsVsFd, Math.abs(theirs[index]! - fd));
      }
      expect(oursVsFd).toBeLessThan(1e-6);
      if (name === 'up_proj') expect(theirsVsFd).toBeLessThan(1e-6);
      else expect(theirsVsFd).toBeGreaterThan(1e-4);
    }
    for (const p of peft.parameters()) {
      p.grad?.dispose();
      p.grad = null;
    }
    inputs.dispose();
    peft.dispose();
  });

  it('config: PEFT 0.18.1 defaults, no exclude_modules; errors name the field', () => {
    const json = new C3AConfig({ targetModules: ['q'] }).toJSON();
    expect(json).toMatchObject({ block_size: 256, block_size_pattern: {}, init_weights: 'xavier_uniform', bias: 'none' });
    expect('exclude_modules' in json).toBe(false);
    expect(() => new C3AConfig({ initWeights: 'orthogonal' as 'gaussian' })).toThrow(/initWeights \(init_weights\) must be/);
    expect(() => new C3AConfig({ blockSizePattern: { q: 0 } })).toThrow(/blockSizePattern\['q'\]/);
    expect(() => new C3AConfig({ bias: 'c3a_only' })).toThrow(/bias is not supported by peft.js/);
  });

  it('refuses block sizes that do not divide the layer, and non-Linear layers, naming the module', () => {
    class Net extends Module {
      constructor() {
        super();
        this.registerModule('fc', new Conv1D(8, 6));
        this.registerModule('lin', new Linear(8, 6));
      }
      forward(): never {
        throw new Error('unused');
      }
    }
    expect(() => getPeftModel(new Net(), new C3AConfig({ targetModules: ['fc'], blockSize: 2 }))).toThrow(
      /C3A: cannot adapt module 'fc' of type Conv1D/,
    );
    expect(() => getPeftModel(new Net(), new C3AConfig({ targetModules: ['lin'], blockSize: 4 }))).toThrow(
      /C3A: the block size 4 must divide the output size 6 of module 'lin'/,
    );
  });
});
