import '@peftjs/backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Dropout,
  GatedMLP,
  Linear,
  checkpoint,
  manualSeed,
  memory,
  noGrad,
  randn,
  resetPeakMemory,
  setBackend,
  sum,
  tidy,
  type Tensor,
} from '../src/index.js';

beforeAll(async () => {
  await setBackend('cpu');
});

/** A block with dropout between two layers, whose parameters are closed over (not passed as inputs). */
function block(width: number) {
  manualSeed(3);
  const mlp = new GatedMLP(width, 4 * width);
  const out = new Linear(width, width);
  const drop = new Dropout(0.3);
  const forward = (x: Tensor) => out.forward(drop.forward(mlp.forward(x)));
  const params = [...mlp.parameters(), ...out.parameters()];
  return { forward, params, dispose: () => [mlp, out].forEach((m) => m.dispose()) };
}

function gradsOf(params: Tensor[]): number[][] {
  return params.map((p) => [...p.grad!.dataSync()]);
}

describe('checkpoint', () => {
  it('gives the gradients of the plain function, dropout replaying its mask', () => {
    const b = block(8);
    const x = randn([2, 5, 8]).requiresGrad_();
    manualSeed(11);
    const plain = tidy(() => sum(b.forward(x).square()));
    plain.backward();
    const want = gradsOf(b.params);
    const wantX = [...x.grad!.dataSync()];
    b.params.forEach((p) => (p.grad = null));
    x.grad = null;
    manualSeed(11);
    const ckpt = tidy(() => sum(checkpoint(b.forward, x).square()));
    // the generator moves on between forward and backward: the rerun must still see the first state
    randn([7]).dispose();
    ckpt.backward();
    expect(ckpt.itemSync()).toBeCloseTo(plain.itemSync(), 5);
    gradsOf(b.params).forEach((g, i) => g.forEach((v, j) => expect(v).toBeCloseTo(want[i][j], 5)));
    [...x.grad!.dataSync()].forEach((v, j) => expect(v).toBeCloseTo(wantX[j], 5));
    [plain, ckpt, x].forEach((t) => t.dispose());
    b.dispose();
  });

  it('reaches parameters when the input does not require grad (frozen embeddings under LoRA)', () => {
    const b = block(4);
    const x = randn([1, 3, 4]);
    const loss = tidy(() => sum(checkpoint(b.forward, x)));
    expect(loss.requiresGrad).toBe(true);
    loss.backward();
    expect(b.params.every((p) => p.grad !== null)).toBe(true);
    [loss, x].forEach((t) => t.dispose());
    b.dispose();
  });

  it('records nothing under noGrad and frees everything after backward', () => {
    const b = block(4);
    const x = randn([1, 3, 4]).requiresGrad_();
    const off = noGrad(() => checkpoint(b.forward, x));
    expect(off.requiresGrad).toBe(false);
    off.dispose();
    const before = memory().numTensors;
    tidy(() => sum(checkpoint(b.forward, x)).backward());
    b.params.forEach((p) => (p.grad = null));
    x.grad = null;
    expect(memory().numTensors).toBe(before);
    x.dispose();
    b.dispose();
  });

  it('keeps only the inputs: the peak of live bytes during backward falls', () => {
    const width = 32;
    const layers = Array.from({ length: 12 }, () => block(width));
    const x = randn([4, 64, width]).requiresGrad_();
    const peak = (ckpt: boolean) => {
      resetPeakMemory();
      const base = memory().numBytes;
      tidy(() => {
        let h = x;
        for (const l of layers) h = ckpt ? checkpoint(l.forward, h) : l.forward(h);
        sum(h).backward();
      });
      layers.forEach((l) => l.params.forEach((p) => (p.grad = null)));
      x.grad = null;
      return memory().peakBytes - base;
    };
    const plain = peak(false);
    const saved = peak(true);
    expect(saved * 3).toBeLessThan(plain);
    x.dispose();
    layers.forEach((l) => l.dispose());
  });

  it('rejects inputs that are not tensors', () => {
    expect(() => checkpoint((a: Tensor) => a, null as unknown as Tensor)).toThrow(/checkpoint: input 0 must be a Tensor, got null/);
  });
});
