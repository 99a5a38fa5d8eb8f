import { Adafactor, AdamW, Lion, SGD, setBackend, tensor, type DType, type Optimizer, type Tensor } from '@peftjs/core';
import { beforeAll, describe, expect, it } from 'vitest';
import '@peftjs/backend-cpu';

// Lion and Adafactor against float64 implementations of the published formulas (Chen et al. 2023;
// torch.optim.Adafactor's documented algorithm), written here independently of the library.

type Vec = number[];
const STEPS = 12;

function gradientStream(n: number, seed: number): Vec[] {
  let s = seed;
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  return Array.from({ length: STEPS }, () => Array.from({ length: n }, () => next()));
}

function lionReference(p0: Vec, grads: Vec[], lr: number, b1: number, b2: number, wd: number): Vec[] {
  const p = [...p0];
  const m = p.map(() => 0);
  return grads.map((g) => {
    for (let i = 0; i < p.length; i++) {
      const c = b1 * m[i] + (1 - b1) * g[i];
      p[i] = p[i] * (1 - lr * wd) - lr * Math.sign(c);
      m[i] = b2 * m[i] + (1 - b2) * g[i];
    }
    return [...p];
  });
}

interface AdafactorRef {
  lr: number;
  tau: number;
  eps1: number;
  eps2: number;
  d: number;
  wd: number;
}

/** PyTorch's Adafactor for a [rows, cols] matrix (rows = 1 and vector = true for a vector). */
function adafactorReference(p0: Vec, shape: [number, number] | [number], grads: Vec[], o: AdafactorRef): Vec[] {
  const p = [...p0];
  const n = p.length;
  const rms = (v: Vec) => Math.sqrt(v.reduce((a, x) => a + x * x, 0) / v.length);
  const [rows, cols] = shape.length === 2 ? shape : [1, shape[0]];
  const R = new Array<number>(rows).fill(0);
  const C = new Array<number>(cols).fill(0);
  const V = new Array<number>(n).fill(0);
  return grads.map((g, k) => {
    const t = k + 1;
    const w = t ** o.tau;
    const alpha = Math.max(o.eps2, rms(p)) * Math.min(o.lr, 1 / Math.sqrt(t));
    for (let i = 0; i < n; i++) p[i] *= 1 - o.lr * o.wd;
    const variance = new Array<number>(n);
    if (shape.length === 2) {
      for (let r = 0; r < rows; r++) {
        let s = 0;
        for (let c = 0; c < cols; c++) s += g[r * cols + c] ** 2;
        R[r] = (1 - w) * R[r] + (w * s) / cols;
      }
      for (let c = 0; c < cols; c++) {
        let s = 0;
        for (let r = 0; r < rows; r++) s += g[r * cols + c] ** 2;
        C[c] = (1 - w) * C[c] + (w * s) / rows;
      }
      const meanR = Math.max(R.reduce((a, x) => a + x, 0) / rows, o.eps1);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) variance[r * cols + c] = (R[r] * C[c]) / meanR;
    } else {
      for (let i = 0; i < n; i++) variance[i] = V[i] = (1 - w) * V[i] + w * g[i] ** 2;
    }
    const u = g.map((gi, i) => gi / Math.sqrt(Math.max(variance[i], o.eps1 * o.eps1)));
    const denom = Math.max(1, rms(u) / o.d);
    for (let i = 0; i < n; i++) p[i] -= (alpha * u[i]) / denom;
    return [...p];
  });
}

async function run(p0: Vec, shape: number[], grads: Vec[], dtype: DType, make: (p: Tensor) => Optimizer<{ lr: number }>): Promise<Vec[]> {
  const p = tensor(p0, { shape, dtype, requiresGrad: true });
  const opt = make(p);
  const out: Vec[] = [];
  for (const g of grads) {
    p.grad = tensor(g, { shape, dtype });
    opt.step();
    out.push([...(await p.data())]);
  }
  opt.dispose();
  p.dispose();
  return out;
}

function expectClose(got: Vec[], want: Vec[], tol: number): void {
  got.forEach((row, s) =>
    row.forEach((x, i) => expect(Math.abs(x - want[s][i]), `step ${s + 1}, element ${i}: ${x} vs ${want[s][i]}`).toBeLessThan(tol)),
  );
}

const P0 = [0.5, -1.25, 2, 0.1, -0.3, 1.7];

describe('Lion and Adafactor against float64 references of their formulas', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  it('Lion: one step by hand', async () => {
    const [step] = await run([0.5, -1], [2], [[0.2, -0.3]], 'float64', (p) => new Lion([p], { lr: 0.1, weightDecay: 0.1 }));
    // p·(1 − 0.01) − 0.1·sign(0.1·g)
    expect(step[0]).toBeCloseTo(0.395, 15);
    expect(step[1]).toBeCloseTo(-0.89, 15);
  });

  for (const dtype of ['float64', 'float32'] as const) {
    const tol = dtype === 'float64' ? 1e-12 : 2e-6;
    it(`Lion over ${STEPS} steps (${dtype}, weight decay)`, async () => {
      const grads = gradientStream(6, 1);
      const want = lionReference(P0, grads, 0.01, 0.9, 0.99, 0.5);
      expectClose(await run(P0, [6], grads, dtype, (p) => new Lion([p], { lr: 0.01, weightDecay: 0.5 })), want, tol);
    });

    it(`Adafactor, factored [2, 3] matrix, over ${STEPS} steps (${dtype})`, async () => {
      const grads = gradientStream(6, 2);
      const eps1 = dtype === 'float64' ? 2 ** -52 : 2 ** -23;
      const want = adafactorReference(P0, [2, 3], grads, { lr: 0.01, tau: -0.8, eps1, eps2: 1e-3, d: 1, wd: 0 });
      expectClose(await run(P0, [2, 3], grads, dtype, (p) => new Adafactor([p])), want, tol);
    });

    it(`Adafactor, vector, large lr so clipping and weight decay act (${dtype})`, async () => {
      const grads = gradientStream(6, 3);
      const eps1 = dtype === 'float64' ? 2 ** -52 : 2 ** -23;
      const want = adafactorReference(P0, [6], grads, { lr: 0.5, tau: -0.5, eps1, eps2: 1e-3, d: 1.2, wd: 0.1 });
      const got = await run(P0, [6], grads, dtype, (p) => new Adafactor([p], { lr: 0.5, beta2Decay: -0.5, d: 1.2, weightDecay: 0.1 }));
      expectClose(got, want, tol);
    });
  }

  it('Adafactor: one step by hand (vector and factored matrix)', async () => {
    // vector p = [3, 4], g = [1, 2]: ρ = 0.01, α = RMS(p)·ρ = √12.5·0.01, V = g², U = [1, 1]
    const [v] = await run([3, 4], [2], [[1, 2]], 'float64', (p) => new Adafactor([p]));
    expect(v[0]).toBeCloseTo(3 - Math.sqrt(12.5) * 0.01, 14);
    expect(v[1]).toBeCloseTo(4 - Math.sqrt(12.5) * 0.01, 14);
    // matrix of ones, G = [[1, 2], [3, 4]]: R = [2.5, 12.5], C = [5, 10], V = R Cᵀ / 7.5, U² = [0.6, 1.2, 1.08, 0.96]
    const [m] = await run([1, 1, 1, 1], [2, 2], [[1, 2, 3, 4]], 'float64', (p) => new Adafactor([p]));
    [0.6, 1.2, 1.08, 0.96].forEach((u2, i) => expect(m[i]).toBeCloseTo(1 - 0.01 * Math.sqrt(u2), 14));
  });

  it('Adafactor keeps factored state: [rows, 1] and [1, cols], no first moment by default', async () => {
    const p = tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { requiresGrad: true },
    );
    const opt = new Adafactor([p]);
    p.grad = tensor([
      [1, 1, 1],
      [1, 1, 1],
    ]);
    opt.step();
    const { state } = opt.stateDict();
    expect(Object.keys(state[0].tensors).sort()).toEqual(['colVar', 'rowVar']);
    expect(state[0].tensors.rowVar.shape).toEqual([2, 1]);
    expect(state[0].tensors.colVar.shape).toEqual([1, 3]);
    expect(() => new Adafactor([p], { beta2Decay: 0.5 })).toThrow(/beta2Decay must be <= 0/);
    opt.dispose();
    p.dispose();
  });
});

describe('parameter groups', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  it('SGD and AdamW use each group’s own lr (LoRA+)', async () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([1, 2], { requiresGrad: true });
    const sgd = new SGD([{ params: [a] }, { params: [b], options: { lr: 0.5 } }], { lr: 0.1 });
    a.grad = tensor([1, -1]);
    b.grad = tensor([1, -1]);
    sgd.step();
    expect([...(await a.data())]).toEqual([Math.fround(0.9), Math.fround(2.1)]);
    expect([...(await b.data())]).toEqual([0.5, 2.5]);
    sgd.paramGroups[1].options.lr = 0.25; // what a scheduler does
    b.grad = tensor([2, 2]);
    sgd.step();
    expect([...(await b.data())]).toEqual([0, 2]);

    const c = tensor([1, 1], { requiresGrad: true, dtype: 'float64' });
    const d = tensor([1, 1], { requiresGrad: true, dtype: 'float64' });
    const adam = new AdamW(
      [
        { params: [c], options: { lr: 0.01 } },
        { params: [d], options: { lr: 0.1 } },
      ],
      { weightDecay: 0.1 },
    );
    c.grad = tensor([3, -3], { dtype: 'float64' });
    d.grad = tensor([3, -3], { dtype: 'float64' });
    adam.step();
    // first Adam step: m̂/√v̂ = g/|g| (up to eps); decay p·(1 − lr·wd)
    const first = (lr: number) => [1 - lr * 0.1 - lr * (3 / (3 + 1e-8)), 1 - lr * 0.1 + lr * (3 / (3 + 1e-8))];
    [...(await c.data())].forEach((x, i) => expect(x).toBeCloseTo(first(0.01)[i], 14));
    [...(await d.data())].forEach((x, i) => expect(x).toBeCloseTo(first(0.1)[i], 14));
    for (const t of [a, b, c, d]) t.dispose();
    sgd.dispose();
    adam.dispose();
  });
});

describe('optimizer state dicts', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  const makers: [string, (ps: Tensor[]) => Optimizer<{ lr: number }>][] = [
    [
      'SGD (Nesterov)',
      (ps) => new SGD([{ params: [ps[0]] }, { params: [ps[1]], options: { lr: 0.2 } }], { lr: 0.05, momentum: 0.9, nesterov: true }),
    ],
    ['AdamW', (ps) => new AdamW([{ params: [ps[0]] }, { params: [ps[1]], options: { lr: 0.02 } }])],
    ['Lion', (ps) => new Lion([{ params: [ps[0]] }, { params: [ps[1]], options: { lr: 0.002 } }], { weightDecay: 0.1 })],
    ['Adafactor', (ps) => new Adafactor([{ params: [ps[0]] }, { params: [ps[1]], options: { lr: 0.05 } }])],
  ];

  for (const [name, make] of makers) {
    it(`${name}: a restored optimizer continues exactly; a mismatched state dict changes nothing`, async () => {
      const grads = gradientStream(10, 9);
      const params = () => [tensor(P0, { shape: [2, 3], requiresGrad: true }), tensor([0.1, 0.2, 0.3, 0.4], { requiresGrad: true })];
      const setGrads = (ps: Tensor[], g: Vec) => {
        ps[0].grad = tensor(g.slice(0, 6), { shape: [2, 3] });
        ps[1].grad = tensor(g.slice(6));
      };
      const a = params();
      const optA = make(a);
      for (const g of grads.slice(0, 3)) {
        setGrads(a, g);
        optA.step();
      }
      const b = params();
      b.forEach((p, i) => p.assign(a[i]));
      const optB = make(b);
      const saved = optA.stateDict();
      optB.loadStateDict(saved);
      optB.paramGroups[1].options.lr = 123; // the state dict's hyper-parameters win on load
      optB.loadStateDict(saved);
      expect(optB.paramGroups.map((g) => g.options.lr)).toEqual(optA.paramGroups.map((g) => g.options.lr));

      // wrong shapes and counts fail with the reason and leave B as it was
      const wrongShape = {
        ...saved,
        state: {
          ...saved.state,
          1: { step: 3, tensors: Object.fromEntries(Object.keys(saved.state[1].tensors).map((k) => [k, tensor([1, 2])])) },
        },
      };
      expect(() => optB.loadStateDict(wrongShape)).toThrow(/state '\w+' of parameter 1 is float32 \[2\], expected float32/);
      expect(() => optB.loadStateDict({ ...saved, paramGroups: [saved.paramGroups[0]] })).toThrow(
        /1 parameter groups, the optimizer has 2/,
      );
      expect(() =>
        optB.loadStateDict({ ...saved, paramGroups: [saved.paramGroups[0], { ...saved.paramGroups[1], params: [1, 2] }] }),
      ).toThrow(/hold \[1, 2\] parameters, the optimizer's hold \[1, 1\]/);
      expect(() => optB.loadStateDict({ ...saved, state: { ...saved.state, 5: saved.state[0] } })).toThrow(
        /state for parameter 5, but the optimizer has 2/,
      );

      for (const g of grads.slice(3)) {
        setGrads(a, g);
        setGrads(b, g);
        optA.step();
        optB.step();
      }
      for (let i = 0; i < 2; i++) expect([...(await b[i].data())]).toEqual([...(await a[i].data())]);
      for (const t of [...a, ...b]) t.dispose();
      optA.dispose();
      optB.dispose();
    });
  }
});
