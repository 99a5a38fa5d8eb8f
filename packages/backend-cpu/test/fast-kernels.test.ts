import {
  ARITHMETIC_OPS,
  COMPARE_OPS,
  UNARY_OPS,
  allocArray,
  contiguousStrides,
  sizeOf,
  type DType,
  type KernelName,
  type Layout,
  type TensorInfo,
} from '@peftjs/core';
import { describe, expect, it } from 'vitest';
import { erfFast } from '../src/fast/erf-table.js';
import { expFast } from '../src/fast/exp.js';
import { planRows } from '../src/fast/rows.js';
import { cpuKernels, erf, fastKernels, type CpuStorage } from '../src/index.js';

type Info = TensorInfo<CpuStorage>;

/** mulberry32, so a failure reproduces. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SPECIALS = [NaN, Infinity, -Infinity, 0, -0, 1e-30, 40, -40];

function info(data: CpuStorage['data'], layout: Layout, dtype: DType): Info {
  return { storage: { id: 0, dtype, data }, layout, dtype };
}

/** How an operand of a given logical shape lies in its buffer. */
type Kind = 'dense' | 'offset' | 'transposed' | 'strided';

/**
 * An operand of `shape` with values in [−3, 3) (integers for int32, 0/1 for bool) and, when
 * `specials`, NaN, ±Infinity and ±0 sprinkled in, laid out as `kind` says.
 */
function operand(shape: readonly number[], kind: Kind, dtype: DType, random: () => number, specials = true): Info {
  const size = sizeOf(shape);
  const spare = kind === 'offset' ? 5 : 0;
  const step = kind === 'strided' ? 2 : 1;
  const data = allocArray(dtype, size * step + spare + 1);
  for (let i = 0; i < data.length; i++) {
    const v = random() * 6 - 3;
    data[i] =
      dtype === 'bool'
        ? v > 0
          ? 1
          : 0
        : dtype === 'int32'
          ? Math.round(v * 10)
          : specials && random() < 0.1
            ? SPECIALS[i % SPECIALS.length]
            : v;
  }
  const rank = shape.length;
  if (kind === 'transposed' && rank >= 2) {
    // stored as [..., last, secondLast]
    const stored = [...shape.slice(0, -2), shape[rank - 1], shape[rank - 2]];
    const s = contiguousStrides(stored);
    return info(data, { shape: [...shape], strides: [...s.slice(0, -2), s[rank - 1], s[rank - 2]], offset: 0 }, dtype);
  }
  const strides = contiguousStrides(shape).map((x) => x * step);
  return info(data, { shape: [...shape], strides, offset: spare }, dtype);
}

/** `t` broadcast to `shape` (new and size-1 axes get stride 0), as core hands broadcast inputs to kernels. */
function broadcast(t: Info, shape: readonly number[]): Info {
  const lead = shape.length - t.layout.shape.length;
  const strides = shape.map((d, i) => (i < lead || t.layout.shape[i - lead] !== d ? 0 : t.layout.strides[i - lead]));
  return { ...t, layout: { shape: [...shape], strides, offset: t.layout.offset } };
}

function output(shape: readonly number[], dtype: DType): Info {
  const data = allocArray(dtype, sizeOf(shape));
  data.fill(7); // neither kernel may leave an element unwritten
  return info(data, { shape: [...shape], strides: contiguousStrides(shape), offset: 0 }, dtype);
}

type AnyArgs = Record<string, unknown>;

/** Runs kernel `name` of both tables on the same inputs, each into fresh copies of the outputs named in `outs`. */
function both(name: KernelName, args: AnyArgs, outs: readonly string[]): [AnyArgs, AnyArgs] {
  const copy = (): AnyArgs => {
    const a = { ...args };
    for (const o of outs) {
      const t = args[o] as Info | null;
      if (t) a[o] = { ...t, storage: { ...t.storage, data: t.storage.data.slice() } };
    }
    return a;
  };
  const ref = copy();
  const fast = copy();
  (cpuKernels[name] as (a: AnyArgs) => void)(ref);
  (fastKernels[name] as (a: AnyArgs) => void)(fast);
  return [ref, fast];
}

function expectSame(name: KernelName, args: AnyArgs, outs: readonly string[]): void {
  const [ref, fast] = both(name, args, outs);
  for (const o of outs) {
    if (!args[o]) continue;
    expect(Array.from((fast[o] as Info).storage.data), `${name} ${o}`).toEqual(Array.from((ref[o] as Info).storage.data));
  }
}

const SHAPES: readonly (readonly number[])[] = [[], [0], [3, 0, 2], [1], [7], [1, 5], [3, 4], [2, 3, 5], [4, 1, 6], [2, 3, 4, 5]];
const KINDS: readonly Kind[] = ['dense', 'offset', 'transposed', 'strided'];

describe('fast kernels agree with the reference bit for bit', () => {
  const random = rng(1);

  it('planRows merges what every layout allows and walks the rest', () => {
    const dense = { shape: [2, 3, 4], strides: [12, 4, 1], offset: 0 };
    expect(planRows([2, 3, 4], [dense, dense])).toMatchObject({ count: 1, length: 24, steps: [1, 1] });
    const rowBroadcast = { shape: [2, 3, 4], strides: [0, 0, 1], offset: 2 };
    const plan = planRows([2, 3, 4], [dense, rowBroadcast]);
    expect(plan).toMatchObject({ count: 6, length: 4, steps: [1, 1] });
    expect(Array.from(plan.starts[1])).toEqual([2, 2, 2, 2, 2, 2]);
    expect(planRows([2, 0], [dense]).count).toBe(0);
    expect(planRows([], [{ shape: [], strides: [], offset: 3 }])).toMatchObject({ count: 1, length: 1 });
  });

  for (const dtype of ['float32', 'float64', 'int32'] as const) {
    it(`binary ops on ${dtype}: same shapes in every layout, broadcasts, scalars, empty tensors`, () => {
      const ops =
        dtype === 'int32' ? [...ARITHMETIC_OPS.filter((op) => op !== 'pow'), ...COMPARE_OPS] : [...ARITHMETIC_OPS, ...COMPARE_OPS];
      for (const op of ops) {
        const outDType = (COMPARE_OPS as readonly string[]).includes(op) ? 'bool' : dtype;
        for (const shape of SHAPES) {
          for (const kind of KINDS) {
            const a = operand(shape, kind, dtype, random);
            const b = operand(shape, KINDS[(KINDS.indexOf(kind) + 1) % KINDS.length], dtype, random);
            expectSame('binary', { op, a, b, out: output(shape, outDType) }, ['out']);
          }
          if (shape.length === 0) continue;
          // row broadcast (a bias), column broadcast (a per-row statistic) and a scalar
          const row = broadcast(operand(shape.slice(-1), 'offset', dtype, random), shape);
          const column = broadcast(operand([...shape.slice(0, -1), 1], 'dense', dtype, random), shape);
          const scalar = broadcast(operand([], 'offset', dtype, random), shape);
          const full = operand(shape, 'transposed', dtype, random);
          for (const [a, b] of [
            [full, row],
            [column, full],
            [full, scalar],
            [scalar, row],
            [row, column],
          ]) {
            expectSame('binary', { op, a, b, out: output(shape, outDType) }, ['out']);
          }
        }
      }
    });
  }

  it('int32 mul wraps like the reference past 2^53', () => {
    const a = info(Int32Array.of(2 ** 30, -(2 ** 31), 123456789), { shape: [3], strides: [1], offset: 0 }, 'int32');
    expectSame('binary', { op: 'mul', a, b: a, out: output([3], 'int32') }, ['out']);
    expectSame('unary', { op: 'square', x: a, out: output([3], 'int32') }, ['out']);
  });

  it('unary ops in every layout, with NaN, ±Infinity and ±0', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      for (const op of UNARY_OPS) {
        for (const shape of SHAPES) {
          for (const kind of KINDS) {
            const x = operand(shape, kind, dtype, random);
            if (dtype === 'float32' && (op === 'erf' || op === 'gelu' || op === 'geluTanh' || op === 'silu')) continue; // the table erf and expFast, checked below
            expectSame('unary', { op, x, out: output(shape, dtype) }, ['out']);
          }
        }
      }
    }
    for (const op of ['neg', 'abs', 'square', 'relu', 'sign'] as const) {
      expectSame('unary', { op, x: operand([3, 5], 'transposed', 'int32', random), out: output([3, 5], 'int32') }, ['out']);
    }
  });

  it('float32 erf, gelu, geluTanh and silu agree with the reference within a few float32 ulps, keep −0 and propagate NaN', () => {
    for (const op of ['erf', 'gelu', 'geluTanh', 'silu'] as const) {
      for (const shape of [[0], [4, 9], [3, 1, 33]]) {
        for (const kind of KINDS) {
          const x = operand(shape, kind, 'float32', random);
          const [ref, fast] = both('unary', { op, x, out: output(shape, 'float32') }, ['out']);
          const r = (ref.out as Info).storage.data;
          const f = (fast.out as Info).storage.data;
          for (let i = 0; i < r.length; i++) {
            if (Number.isNaN(r[i])) expect(f[i]).toBeNaN();
            else if (!Number.isFinite(r[i])) expect(f[i]).toBe(r[i]);
            else expect(Math.abs(f[i] - r[i]), `${op}(${i})`).toBeLessThanOrEqual(2 ** -22 * Math.abs(r[i]));
          }
        }
      }
    }
    expect(Object.is(erfFast(-0), -0)).toBe(true);
    expect([erfFast(Infinity), erfFast(-Infinity), erfFast(6), erfFast(-7.5)]).toEqual([1, -1, 1, -1]);
    expect(erfFast(NaN)).toBeNaN();
  });

  it('the table erf is within 1e-13 (relative) of the reference erf over its range and near 0', () => {
    let worst = 0;
    for (let i = -20000; i <= 20000; i++) {
      const x = (i / 20000) * 6.5 + 1e-7 * random();
      worst = Math.max(worst, Math.abs(erfFast(x) - erf(x)) / Math.abs(erf(x)));
    }
    for (const x of [1e-300, 1e-20, 3e-9, 1e-4, -2e-3]) worst = Math.max(worst, Math.abs(erfFast(x) - erf(x)) / Math.abs(erf(x)));
    expect(worst).toBeLessThan(1e-13);
  });

  it('expFast is within 1e-15 (relative) of Math.exp for normal results; 0, Infinity and NaN at the ends', () => {
    let worst = 0;
    for (let i = -40000; i <= 40000; i++) {
      const x = (i / 40000) * 709.7 + 1e-6 * random();
      worst = Math.max(worst, Math.abs(expFast(x) - Math.exp(x)) / Math.exp(x));
    }
    for (const x of [0, -0, 1e-300, -1e-12, (0.5 * Math.LN2) / 64, 88.72, -87.33, 709.78, -708.3])
      worst = Math.max(worst, Math.abs(expFast(x) - Math.exp(x)) / Math.exp(x));
    expect(worst).toBeLessThan(1e-15);
    expect([expFast(-Infinity), expFast(-746), expFast(710), expFast(Infinity)]).toEqual([0, 0, Infinity, Infinity]);
    expect(expFast(NaN)).toBeNaN();
    expect(expFast(-744.4)).toBe(Math.exp(-744.4)); // a subnormal result
  });

  it('where, cast and fill in every layout and with broadcast operands', () => {
    for (const shape of SHAPES) {
      for (const kind of KINDS) {
        const cond = operand(shape, kind, 'bool', random);
        const a = operand(shape, 'strided', 'float32', random);
        const b =
          shape.length > 0
            ? broadcast(operand(shape.slice(-1), 'offset', 'float32', random), shape)
            : operand(shape, 'dense', 'float32', random);
        expectSame('where', { cond, a, b, out: output(shape, 'float32') }, ['out']);
        const x = operand(shape, kind, 'float64', random);
        for (const to of ['float32', 'int32', 'bool'] as const) expectSame('cast', { x, out: output(shape, to) }, ['out']);
        for (const dtype of ['float32', 'bool', 'int32'] as const) {
          const out = operand(shape, kind, dtype, random);
          expectSame('fill', { out, value: dtype === 'bool' ? NaN : -2.75 }, ['out']);
        }
      }
    }
  });

  it('copy between every pair of layouts, long dense runs included, and within one buffer', () => {
    for (const shape of [...SHAPES, [3, 40], [2, 2, 64]]) {
      for (const from of KINDS) {
        for (const to of KINDS) {
          const src = operand(shape, from, 'float32', random);
          expectSame('copy', { src, dst: operand(shape, to, 'float32', random) }, ['dst']);
        }
      }
    }
    // an overlapping window of the same buffer: the fast path leaves it to the reference
    const data = Float32Array.from({ length: 40 }, (_, i) => i);
    const src = info(data, { shape: [30], strides: [1], offset: 0 }, 'float32');
    const dst = info(data, { shape: [30], strides: [1], offset: 5 }, 'float32');
    fastKernels.copy({ src, dst });
    expect(Array.from(data.subarray(5, 35))).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(() => fastKernels.copy({ src, dst: output([29], 'float32') })).toThrow(/copy: src float32 \[30\] and dst float32 \[29\] differ/);
  });

  it('reductions over leading, trailing, middle and scattered axes, in every layout', () => {
    const cases: [number[], number[]][] = [
      [[5], [0]],
      [[3, 4], [1]],
      [[3, 4], [0]],
      [
        [3, 4],
        [0, 1],
      ],
      [[2, 3, 4], [1]],
      [
        [2, 3, 4],
        [0, 2],
      ],
      [
        [2, 3, 4, 5],
        [1, 2],
      ],
      [
        [2, 3, 4, 5],
        [0, 1],
      ],
      [[4, 1, 6], [1]],
      [[3, 0, 2], [0]],
      [[3, 0, 2], [1]],
      [[1, 1], [0]],
    ];
    for (const op of ['sum', 'max', 'min'] as const) {
      for (const dtype of ['float32', 'float64', 'int32'] as const) {
        for (const [shape, axes] of cases) {
          for (const kind of KINDS) {
            const x = operand(shape, kind, dtype, random);
            const kept = shape.filter((_, d) => !axes.includes(d));
            expectSame('reduce', { op, x, axes, out: output(kept, dtype) }, ['out']);
          }
          const x = broadcast(operand([shape[shape.length - 1]], 'dense', dtype, random), shape);
          expectSame(
            'reduce',
            {
              op,
              x,
              axes,
              out: output(
                shape.filter((_, d) => !axes.includes(d)),
                dtype,
              ),
            },
            ['out'],
          );
        }
      }
    }
  });

  it('softmax, log-softmax, layer norm, RMS norm and cross-entropy (with their backwards) on strided rows', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      for (const shape of [
        [0, 4],
        [3, 1],
        [5, 7],
        [2, 33],
      ]) {
        for (const kind of KINDS) {
          const special = kind !== 'dense'; // rows with NaN and ±Infinity on some layouts
          const x = operand(shape, kind, dtype, random, special);
          const dy = operand(shape, KINDS[(KINDS.indexOf(kind) + 2) % 4], dtype, random, special);
          const [rows, d] = shape;
          const out = () => output(shape, dtype);
          for (const [fwd, bwd] of [
            ['softmax', 'softmaxBackward'],
            ['logSoftmax', 'logSoftmaxBackward'],
          ] as const) {
            expectSame(fwd, { x, out: out() }, ['out']);
            const [ref] = both(fwd, { x, out: out() }, ['out']);
            expectSame(bwd, { y: ref.out, dy, dx: out() }, ['dx']);
          }
          for (const withParams of [false, true]) {
            const weight = withParams ? operand([d], 'strided', dtype, random, false) : null;
            const bias = withParams ? operand([d], 'offset', dtype, random, false) : null;
            const ln = { x, weight, bias, eps: 1e-5, out: out(), mean: output([rows], dtype), rstd: output([rows], dtype) };
            expectSame('layerNorm', ln, ['out', 'mean', 'rstd']);
            const [stats] = both('layerNorm', ln, ['out', 'mean', 'rstd']);
            const dw = withParams ? output([d], dtype) : null;
            expectSame(
              'layerNormBackward',
              { x, weight, mean: stats.mean, rstd: stats.rstd, dy, dx: out(), dweight: dw, dbias: dw && output([d], dtype) },
              ['dx', 'dweight', 'dbias'],
            );
            const rms = { x, weight, eps: 1e-6, out: out(), rstd: output([rows], dtype) };
            expectSame('rmsNorm', rms, ['out', 'rstd']);
            const [rs] = both('rmsNorm', rms, ['out', 'rstd']);
            expectSame('rmsNormBackward', { x, weight, rstd: rs.rstd, dy, dx: out(), dweight: dw }, ['dx', 'dweight']);
          }
          const target = info(
            Int32Array.from({ length: rows }, (_, i) => (i % 3 === 2 ? -100 : (i * 5) % d)),
            { shape: [rows], strides: [1], offset: 0 },
            'int32',
          );
          const dloss = operand([rows], 'strided', dtype, random, false);
          for (const labelSmoothing of [0, 0.1]) {
            expectSame('crossEntropy', { logits: x, target, ignoreIndex: -100, labelSmoothing, loss: output([rows], dtype) }, ['loss']);
            expectSame('crossEntropyBackward', { logits: x, target, dloss, ignoreIndex: -100, labelSmoothing, dlogits: out() }, [
              'dlogits',
            ]);
          }
        }
      }
    }
  });

  it('cross-entropy names a target out of range', () => {
    const logits = operand([2, 3], 'dense', 'float32', random);
    const target = info(Int32Array.of(0, 3), { shape: [2], strides: [1], offset: 0 }, 'int32');
    expect(() => fastKernels.crossEntropy({ logits, target, ignoreIndex: -100, labelSmoothing: 0, loss: output([2], 'float32') })).toThrow(
      'crossEntropy: target 3 is out of range for 3 classes',
    );
  });
});
