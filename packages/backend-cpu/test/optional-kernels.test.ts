import { AdamW, gelu, mul, parameter, registerBackend, setBackend, silu, sum, tensor, tidy, type DType, type Tensor } from '@peftjs/core';
import { describe, expect, it } from 'vitest';
import { CpuBackend, cpuKernels, fastKernels } from '../src/index.js';
import { expectClose } from './helpers.js';

/** A CPU backend without the optional kernels (core composes them), and one counting their calls. */
function backends() {
  const composed = new CpuBackend();
  const kernels = { ...composed.kernels } as Record<string, unknown>;
  delete kernels.activationBackward;
  delete kernels.adamwStep;
  (composed as unknown as { kernels: unknown }).kernels = kernels;
  const fused = new CpuBackend();
  const calls = { activationBackward: 0, adamwStep: 0 };
  const table = { ...fused.kernels } as Record<string, (a: unknown) => void>;
  for (const name of ['activationBackward', 'adamwStep'] as const) {
    const inner = table[name];
    table[name] = (a) => {
      calls[name]++;
      inner(a);
    };
  }
  (fused as unknown as { kernels: unknown }).kernels = table;
  registerBackend('cpu-composed-optional', () => composed, 0);
  registerBackend('cpu-fused-optional', () => fused, 0);
  return { calls };
}

const { calls } = backends();

/** mulberry32 values in [−4, 4). */
function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 8 - 4;
  });
}

async function activationGrad(backend: string, f: (x: Tensor) => Tensor, x0: Float32Array, dtype: DType): Promise<number[]> {
  await setBackend(backend);
  const x = parameter(tensor(dtype === 'float64' ? Float64Array.from(x0) : x0, { shape: [x0.length], dtype }));
  const w = tensor(dtype === 'float64' ? Float64Array.from(x0, (v) => v * 0.3 + 1) : Float32Array.from(x0, (v) => v * 0.3 + 1), {
    shape: [x0.length],
    dtype,
  });
  tidy(() => sum(mul(f(x), w)).backward());
  const g = Array.from(await x.grad!.data());
  x.dispose();
  w.dispose();
  return g;
}

describe('optional kernels against the composed versions', () => {
  const cases: [string, (x: Tensor) => Tensor][] = [
    ['gelu', (x) => gelu(x)],
    ['geluTanh', (x) => gelu(x, { approximate: 'tanh' })],
    ['silu', silu],
  ];
  for (const [name, f] of cases) {
    it(`${name} backward: the fused kernel matches the composed rule (float32 and float64)`, async () => {
      const x0 = values(2000, name.length);
      x0.set([0, -0, 30, -30, 1e-6, -1e-6], 0);
      for (const dtype of ['float32', 'float64'] as const) {
        const before = calls.activationBackward;
        const fused = await activationGrad('cpu-fused-optional', f, x0, dtype);
        expect(calls.activationBackward).toBe(before + 1);
        const composed = await activationGrad('cpu-composed-optional', f, x0, dtype);
        expectClose(fused, composed, dtype === 'float32' ? 2e-6 : 1e-13);
      }
    });
  }

  it('AdamW: the fused step matches the composed update over several steps (with weight decay)', async () => {
    const run = async (backend: string) => {
      await setBackend(backend);
      const p = parameter(tensor(values(300, 5), { shape: [20, 15] }));
      const q = parameter(tensor(values(7, 6), { shape: [7] }));
      const optimizer = new AdamW([p, q], { lr: 0.05, weightDecay: 0.1 });
      for (let step = 0; step < 4; step++) {
        tidy(() => {
          optimizer.zeroGrad();
          sum(mul(mul(p, p), step + 1))
            .add(sum(mul(q, p.slice(0, 0, 7).slice(1, 0, 1).reshape([7]))))
            .backward();
          optimizer.step();
        });
      }
      const out = [Array.from(await p.data()), Array.from(await q.data())];
      optimizer.dispose();
      p.dispose();
      q.dispose();
      return out;
    };
    const before = calls.adamwStep;
    const fused = await run('cpu-fused-optional');
    expect(calls.adamwStep).toBe(before + 8);
    const composed = await run('cpu-composed-optional');
    fused.forEach((f, i) => expectClose(f, composed[i], 2e-6));
  });
});

describe('fast optional kernels against the reference kernels', () => {
  const info = (data: Float32Array | Float64Array, shape: number[], strides?: number[], offset = 0) =>
    ({
      storage: { id: 0, dtype: data instanceof Float32Array ? 'float32' : 'float64', data },
      layout: { shape, strides: strides ?? [shape[1] ?? 1, 1].slice(2 - shape.length), offset },
      dtype: data instanceof Float32Array ? 'float32' : 'float64',
    }) as never;

  it('adamwStep: the same bits, first step (no state) and later ones, dense and strided', () => {
    const attrs = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, step: 3 };
    for (const withState of [false, true]) {
      for (const strided of [false, true]) {
        const n = 64;
        const src = (seed: number) => values(strided ? 2 * n + 1 : n, seed);
        const operand = (seed: number) => (strided ? info(src(seed), [n], [2], 1) : info(src(seed), [n]));
        const [param, grad, m] = [operand(1), operand(2), operand(3)];
        const v = info(Float32Array.from(src(4), Math.abs), strided ? [n] : [n], strided ? [2] : undefined, strided ? 1 : 0);
        const outs = () => ({
          paramOut: info(new Float32Array(n), [n]),
          mOut: info(new Float32Array(n), [n]),
          vOut: info(new Float32Array(n), [n]),
        });
        const fast = outs();
        const ref = outs();
        const args = { param, grad, m: withState ? m : null, v: withState ? v : null, ...attrs };
        fastKernels.adamwStep({ ...args, ...fast });
        cpuKernels.adamwStep({ ...args, ...ref });
        for (const key of ['paramOut', 'mOut', 'vOut'] as const) {
          expect((fast[key] as { storage: { data: Float32Array } }).storage.data).toEqual(
            (ref[key] as { storage: { data: Float32Array } }).storage.data,
          );
        }
      }
    }
  });

  it('activationBackward: float32 within a few ulps of the reference, NaN and ±Infinity kept; strided falls back', () => {
    const n = 4096;
    const x = values(n, 9);
    x.set([NaN, Infinity, -Infinity, 0, -0, 12, -12, 1e-7], 0);
    const dy = values(n, 10);
    for (const op of ['gelu', 'geluTanh', 'silu'] as const) {
      const fast = info(new Float32Array(n), [n]);
      const ref = info(new Float32Array(n), [n]);
      fastKernels.activationBackward({ op, x: info(x, [n]), dy: info(dy, [n]), dx: fast });
      cpuKernels.activationBackward({ op, x: info(x, [n]), dy: info(dy, [n]), dx: ref });
      expectClose(
        (fast as { storage: { data: Float32Array } }).storage.data,
        (ref as { storage: { data: Float32Array } }).storage.data,
        1e-6,
      );
      // a broadcast dy (stride 0) is the reference's job: same bits
      const one = Float32Array.of(0.5);
      const fastB = info(new Float32Array(n), [n]);
      const refB = info(new Float32Array(n), [n]);
      fastKernels.activationBackward({ op, x: info(x, [n]), dy: info(one, [n], [0]), dx: fastB });
      cpuKernels.activationBackward({ op, x: info(x, [n]), dy: info(one, [n], [0]), dx: refB });
      expect((fastB as { storage: { data: Float32Array } }).storage.data).toEqual(
        (refB as { storage: { data: Float32Array } }).storage.data,
      );
    }
  });
});
