import '@peftjs/backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  crossEntropy,
  linearCrossEntropy,
  manualSeed,
  matmul,
  memory,
  randn,
  resetPeakMemory,
  setBackend,
  tensor,
  tidy,
  type Tensor,
} from '../src/index.js';

beforeAll(async () => {
  await setBackend('cpu');
});

function close(a: Tensor, b: Tensor, tol = 1e-5) {
  const x = a.dataSync();
  const y = b.dataSync();
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < y.length; i++) {
    worst = Math.max(worst, Math.abs(x[i] - y[i]));
    scale = Math.max(scale, Math.abs(y[i]));
  }
  expect(worst / Math.max(scale, 1e-30)).toBeLessThan(tol);
}

describe('linearCrossEntropy', () => {
  for (const [name, chunkSize, reduction, withBias] of [
    ['mean, uneven slices, bias', 3, 'mean', true],
    ['sum, one slice', 64, 'sum', false],
    ['mean, default slices', undefined, 'mean', false],
  ] as const) {
    it(`equals the plain loss and its gradients (${name})`, () => {
      manualSeed(5);
      const [n, h, v] = [10, 6, 17];
      const x = randn([n, h]).requiresGrad_();
      const w = randn([v, h]).requiresGrad_();
      const b = withBias ? randn([v]).requiresGrad_() : null;
      const target = tensor(Int32Array.from([1, 16, -100, 3, 0, 5, -100, 9, 2, 2]), { dtype: 'int32' });
      const plain = tidy(() => {
        const logits = matmul(x, w, { transposeB: true });
        const loss = crossEntropy(b ? logits.add(b) : logits, target, { reduction });
        loss.backward();
        return loss;
      });
      const want = [x, w, b].map((p) => p && p.grad!.clone());
      [x, w, b].forEach((p) => p && (p.grad = null));
      const fused = tidy(() => {
        const loss = linearCrossEntropy(x, w, target, { bias: b, chunkSize, reduction });
        loss.backward();
        return loss;
      });
      close(fused, plain);
      [x, w, b].forEach((p, i) => p && close(p.grad!, want[i]!));
      [x, w, b, target, plain, fused, ...want].forEach((t) => t?.dispose());
    });
  }

  it('never holds the whole logits', () => {
    manualSeed(1);
    const [n, h, v] = [256, 16, 2048];
    const x = randn([n, h]).requiresGrad_();
    const w = randn([v, h]);
    const target = tensor(
      Int32Array.from({ length: n }, (_, i) => (i * 7) % v),
      { dtype: 'int32' },
    );
    resetPeakMemory();
    const base = memory().numBytes;
    tidy(() => linearCrossEntropy(x, w, target, { chunkSize: 16 }).backward());
    // logits would be n·v·4 = 2 MiB; a slice of them and of their gradient are 2 · 16·v·4 = 256 KiB
    expect(memory().peakBytes - base).toBeLessThan((n * v * 4) / 3);
    [x, w, target].forEach((t) => t.dispose());
  });

  it('names the op and the shapes on bad input', () => {
    const x = randn([4, 3]);
    const w = randn([5, 2]);
    const t = tensor(Int32Array.from([0, 1, 2, 3]), { dtype: 'int32' });
    expect(() => linearCrossEntropy(x, w, t)).toThrow(/linearCrossEntropy: expected hidden \[N, H\] and weight \[V, H\], got /);
    [x, w, t].forEach((a) => a.dispose());
  });
});
