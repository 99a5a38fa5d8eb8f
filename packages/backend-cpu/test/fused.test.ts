import { describe, expect, it } from 'vitest';
import { cpuKernels } from '../src/index.js';
import { expectClose, numericGradient, tensor, values, view, zeros } from './helpers.js';

// Direct float64 formulas, written independently of the kernels.
const rowsOf = (x: readonly number[], d: number) => Array.from({ length: x.length / d }, (_, r) => x.slice(r * d, r * d + d));
const sum = (v: readonly number[]) => v.reduce((s, x) => s + x, 0);
const dot = (a: readonly number[], b: readonly number[]) => sum(a.map((x, i) => x * b[i]));
const softmaxRow = (v: readonly number[]) => v.map((x) => Math.exp(x) / sum(v.map(Math.exp)));
const logSoftmaxRow = (v: readonly number[]) => v.map((x) => x - Math.log(sum(v.map(Math.exp))));

function layerNormRef(x: number[], d: number, w: number[] | null, b: number[] | null, eps: number) {
  return rowsOf(x, d).map((row) => {
    const mean = sum(row) / d;
    const variance = sum(row.map((v) => (v - mean) ** 2)) / d;
    const rstd = 1 / Math.sqrt(variance + eps);
    return { mean, rstd, y: row.map((v, k) => (v - mean) * rstd * (w ? w[k] : 1) + (b ? b[k] : 0)) };
  });
}

function rmsNormRef(x: number[], d: number, w: number[] | null, eps: number) {
  return rowsOf(x, d).map((row) => {
    const rstd = 1 / Math.sqrt(sum(row.map((v) => v * v)) / d + eps);
    return { rstd, y: row.map((v, k) => v * rstd * (w ? w[k] : 1)) };
  });
}

function crossEntropyRef(logits: number[], c: number, target: number[], ignore: number, eps: number): number[] {
  return rowsOf(logits, c).map((row, n) => {
    if (target[n] === ignore) return 0;
    const logp = logSoftmaxRow(row);
    return (1 - eps) * -logp[target[n]] + eps * (sum(logp.map((v) => -v)) / c);
  });
}

const X = [0.3, -1.2, 2.5, 0.7, -0.4, 1.1, 0.05, -2.2, 1.6, 0.9, -0.8, 0.2];

describe('softmax and logSoftmax', () => {
  it('match the direct formula, row by row', () => {
    const out = zeros([3, 4]);
    cpuKernels.softmax({ x: tensor(X, [3, 4]), out });
    expectClose(values(out), rowsOf(X, 4).flatMap(softmaxRow), 1e-15);
    const logOut = zeros([3, 4]);
    cpuKernels.logSoftmax({ x: tensor(X, [3, 4]), out: logOut });
    expectClose(values(logOut), rowsOf(X, 4).flatMap(logSoftmaxRow), 1e-14);
  });

  it('are stable for large logits and handle −∞', () => {
    const out = zeros([2, 3]);
    cpuKernels.softmax({ x: tensor([1000, 1001, 1002, 0, -Infinity, 0], [2, 3]), out });
    expectClose(values(out), [...softmaxRow([0, 1, 2]), 0.5, 0, 0.5], 1e-15);
    const logOut = zeros([1, 2]);
    cpuKernels.logSoftmax({ x: tensor([1000, 1000], [1, 2]), out: logOut });
    expectClose(values(logOut), [-Math.LN2, -Math.LN2], 1e-15);
  });

  it('read a strided input (softmax over the columns of a transposed view)', () => {
    const t = view(X, 'float64', { shape: [4, 3], strides: [1, 4], offset: 0 });
    const out = zeros([4, 3]);
    cpuKernels.softmax({ x: t, out });
    const columns = [0, 1, 2, 3].map((k) => [0, 1, 2].map((r) => X[r * 4 + k]));
    expectClose(values(out), columns.flatMap(softmaxRow), 1e-15);
  });

  it('backward kernels match finite differences of Σ dy·y', () => {
    const dy = [0.5, -1, 2, 0.25, 1.5, 0.3, -0.7, 1, -0.2, 0.1, 0.9, -1.3];
    for (const [forward, backward, rowFn] of [
      ['softmax', 'softmaxBackward', softmaxRow],
      ['logSoftmax', 'logSoftmaxBackward', logSoftmaxRow],
    ] as const) {
      const y = zeros([3, 4]);
      cpuKernels[forward]({ x: tensor(X, [3, 4]), out: y });
      const dx = zeros([3, 4]);
      cpuKernels[backward]({ y, dy: tensor(dy, [3, 4]), dx });
      const loss = (x: number[]) => dot(rowsOf(x, 4).flatMap(rowFn), dy);
      expectClose(values(dx), numericGradient(loss, X), 1e-8);
    }
  });
});

describe('layerNorm', () => {
  const w = [1.5, -0.5, 2, 0.75];
  const b = [0.1, 0.2, -0.3, 0];
  const eps = 1e-5;

  it('matches the formula, with and without weight and bias, saving mean and rstd', () => {
    for (const [weight, bias] of [
      [w, b],
      [null, null],
      [w, null],
    ] as const) {
      const out = zeros([3, 4]);
      const mean = zeros([3]);
      const rstd = zeros([3]);
      cpuKernels.layerNorm({
        x: tensor(X, [3, 4]),
        weight: weight && tensor(weight, [4]),
        bias: bias && tensor(bias, [4]),
        eps,
        out,
        mean,
        rstd,
      });
      const ref = layerNormRef(X, 4, weight, bias, eps);
      expectClose(
        values(out),
        ref.flatMap((r) => r.y),
        1e-14,
      );
      expectClose(
        values(mean),
        ref.map((r) => r.mean),
        1e-15,
      );
      expectClose(
        values(rstd),
        ref.map((r) => r.rstd),
        1e-15,
      );
    }
  });

  it('in float32 stays within float32 rounding of the float64 formula', () => {
    const x32 = tensor(X, [3, 4], 'float32');
    const out = zeros([3, 4], 'float32');
    cpuKernels.layerNorm({
      x: x32,
      weight: tensor(w, [4], 'float32'),
      bias: null,
      eps,
      out,
      mean: zeros([3], 'float32'),
      rstd: zeros([3], 'float32'),
    });
    expectClose(
      values(out),
      layerNormRef(values(x32), 4, w.map(Math.fround), null, eps).flatMap((r) => r.y),
      3e-7,
    );
  });

  it('backward matches finite differences for dx, dweight and dbias', () => {
    const dy = [0.5, -1, 2, 0.25, 1.5, 0.3, -0.7, 1, -0.2, 0.1, 0.9, -1.3];
    const x = tensor(X, [3, 4]);
    const mean = zeros([3]);
    const rstd = zeros([3]);
    cpuKernels.layerNorm({ x, weight: tensor(w, [4]), bias: tensor(b, [4]), eps, out: zeros([3, 4]), mean, rstd });
    const dx = zeros([3, 4]);
    const dweight = zeros([4]);
    const dbias = zeros([4]);
    cpuKernels.layerNormBackward({ x, weight: tensor(w, [4]), mean, rstd, dy: tensor(dy, [3, 4]), dx, dweight, dbias });
    const loss = (xv: number[], wv: number[], bv: number[]) =>
      dot(
        layerNormRef(xv, 4, wv, bv, eps).flatMap((r) => r.y),
        dy,
      );
    expectClose(
      values(dx),
      numericGradient((v) => loss(v, w, b), X),
      1e-7,
    );
    expectClose(
      values(dweight),
      numericGradient((v) => loss(X, v, b), w),
      1e-7,
    );
    expectClose(
      values(dbias),
      numericGradient((v) => loss(X, w, v), b),
      1e-7,
    );

    const dxPlain = zeros([3, 4]);
    cpuKernels.layerNormBackward({ x, weight: null, mean, rstd, dy: tensor(dy, [3, 4]), dx: dxPlain, dweight: null, dbias: null });
    expectClose(
      values(dxPlain),
      numericGradient(
        (v) =>
          dot(
            layerNormRef(v, 4, null, null, eps).flatMap((r) => r.y),
            dy,
          ),
        X,
      ),
      1e-7,
    );
  });
});

describe('rmsNorm', () => {
  const w = [1.5, -0.5, 2, 0.75];
  const eps = 1e-6;

  it('matches the formula and saves rstd', () => {
    for (const weight of [w, null]) {
      const out = zeros([3, 4]);
      const rstd = zeros([3]);
      cpuKernels.rmsNorm({ x: tensor(X, [3, 4]), weight: weight && tensor(weight, [4]), eps, out, rstd });
      const ref = rmsNormRef(X, 4, weight, eps);
      expectClose(
        values(out),
        ref.flatMap((r) => r.y),
        1e-14,
      );
      expectClose(
        values(rstd),
        ref.map((r) => r.rstd),
        1e-15,
      );
    }
  });

  it('backward matches finite differences for dx and dweight', () => {
    const dy = [0.5, -1, 2, 0.25, 1.5, 0.3, -0.7, 1, -0.2, 0.1, 0.9, -1.3];
    const x = tensor(X, [3, 4]);
    const rstd = zeros([3]);
    cpuKernels.rmsNorm({ x, weight: tensor(w, [4]), eps, out: zeros([3, 4]), rstd });
    const dx = zeros([3, 4]);
    const dweight = zeros([4]);
    cpuKernels.rmsNormBackward({ x, weight: tensor(w, [4]), rstd, dy: tensor(dy, [3, 4]), dx, dweight });
    const loss = (xv: number[], wv: number[]) =>
      dot(
        rmsNormRef(xv, 4, wv, eps).flatMap((r) => r.y),
        dy,
      );
    expectClose(
      values(dx),
      numericGradient((v) => loss(v, w), X),
      1e-7,
    );
    expectClose(
      values(dweight),
      numericGradient((v) => loss(X, v), w),
      1e-7,
    );
  });
});

describe('crossEntropy', () => {
  const target = [2, -100, 0, 1];
  const logits = [...X.slice(0, 9), 1000, -1000, 999];

  it('matches the formula with ignore index and label smoothing', () => {
    for (const eps of [0, 0.1]) {
      const loss = zeros([4]);
      cpuKernels.crossEntropy({
        logits: tensor(X.slice(0, 9).concat([0.5, 0.5, 0.5]), [4, 3]),
        target: tensor(target, [4], 'int32'),
        ignoreIndex: -100,
        labelSmoothing: eps,
        loss,
      });
      expectClose(values(loss), crossEntropyRef(X.slice(0, 9).concat([0.5, 0.5, 0.5]), 3, target, -100, eps), 1e-14);
      expect(values(loss)[1]).toBe(0);
    }
  });

  it('is stable for large logits', () => {
    const loss = zeros([4]);
    cpuKernels.crossEntropy({
      logits: tensor(logits, [4, 3]),
      target: tensor(target, [4], 'int32'),
      ignoreIndex: -100,
      labelSmoothing: 0,
      loss,
    });
    // row 3: logits [1000, −1000, 999], target 1: nll = 1000 + log(1 + e^−1) + 1000
    expectClose([values(loss)[3]], [2000 + Math.log1p(Math.exp(-1))], 1e-15);
  });

  it('ignores by equality with ignoreIndex, which may be a valid class', () => {
    const loss = zeros([2]);
    cpuKernels.crossEntropy({
      logits: tensor(X.slice(0, 6), [2, 3]),
      target: tensor([1, 2], [2], 'int32'),
      ignoreIndex: 2,
      labelSmoothing: 0,
      loss,
    });
    expectClose(values(loss), [-logSoftmaxRow(X.slice(0, 3))[1], 0], 1e-14);
  });

  it('rejects a target out of range', () => {
    const run = () =>
      cpuKernels.crossEntropy({
        logits: tensor(X.slice(0, 6), [2, 3]),
        target: tensor([1, 3], [2], 'int32'),
        ignoreIndex: -100,
        labelSmoothing: 0,
        loss: zeros([2]),
      });
    expect(run).toThrow(/target 3 is out of range for 3 classes/);
  });

  it('backward matches finite differences of Σ dloss·loss, with zeros on ignored rows', () => {
    const dloss = [0.7, 2, -1.5, 0.4];
    const x = X.slice(0, 9).concat([0.5, -0.5, 1]);
    for (const eps of [0, 0.2]) {
      const dlogits = zeros([4, 3]);
      cpuKernels.crossEntropyBackward({
        logits: tensor(x, [4, 3]),
        target: tensor(target, [4], 'int32'),
        dloss: tensor(dloss, [4]),
        ignoreIndex: -100,
        labelSmoothing: eps,
        dlogits,
      });
      const numeric = numericGradient((v) => dot(crossEntropyRef(v, 3, target, -100, eps), dloss), x);
      expectClose(values(dlogits), numeric, 1e-8);
      expect(values(dlogits).slice(3, 6)).toEqual([0, 0, 0]);
    }
  });
});
