import { readFileSync } from 'node:fs';
import { clipGradNorm, clipGradValue, memory, setBackend, tensor, zeros, type Tensor } from '@peftjs/core';
import { beforeAll, describe, expect, it } from 'vitest';
import '@peftjs/backend-cpu';

// Fixtures made by PyTorch's clip_grad_norm_ / clip_grad_value_ (core/test/fixtures/make_training_fixtures.py).
interface Grad {
  shape: number[];
  values: number[];
}
interface Fixture {
  clipGradNorm: { maxNorm: number; normType: number | 'inf'; grads: Grad[]; totalNorm: number; clipped: number[][] }[];
  clipGradValue: { clipValue: number; grads: Grad[]; clipped: number[][] }[];
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/training.json', import.meta.url), 'utf8')) as Fixture;

function withGrads(grads: Grad[]): Tensor[] {
  return grads.map((g) => {
    const p = zeros(g.shape, 'float64');
    p.requiresGrad = true;
    p.grad = tensor(g.values, { shape: g.shape, dtype: 'float64' });
    return p;
  });
}

describe('gradient clipping against PyTorch', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  for (const c of fixture.clipGradNorm) {
    it(`clipGradNorm(maxNorm ${c.maxNorm}, normType ${c.normType})`, async () => {
      const before = memory().numTensors;
      const params = withGrads(c.grads);
      const norm = clipGradNorm(params, c.maxNorm, c.normType === 'inf' ? Infinity : c.normType);
      expect(await norm.item()).toBeCloseTo(c.totalNorm, 12);
      for (let i = 0; i < params.length; i++) {
        const got = await params[i].grad!.data();
        c.clipped[i].forEach((x, j) => expect(got[j]).toBeCloseTo(x, 12));
      }
      norm.dispose();
      params.forEach((p) => p.dispose());
      expect(memory().numTensors).toBe(before);
    });
  }

  it('clipGradNorm by hand: grads [3, 4] and [12] have norm 13; max 6.5 halves them (up to the 1e-6)', async () => {
    const [a, b] = withGrads([
      { shape: [2], values: [3, 4] },
      { shape: [1], values: [12] },
    ]);
    const norm = clipGradNorm([a, b, zeros([1])], 6.5);
    expect(await norm.item()).toBe(13);
    const k = 6.5 / (13 + 1e-6);
    expect([...(await a.grad!.data()), ...(await b.grad!.data())]).toEqual([3 * k, 4 * k, 12 * k]);
    expect(() => clipGradNorm([a], -1)).toThrow(/clipGradNorm: maxNorm must be a finite number >= 0, got -1/);
    [a, b, norm].forEach((t) => t.dispose());
  });

  it('clipGradValue clamps like clip_grad_value_', async () => {
    const c = fixture.clipGradValue[0];
    const params = withGrads(c.grads);
    clipGradValue(params, c.clipValue);
    for (let i = 0; i < params.length; i++) expect([...(await params[i].grad!.data())]).toEqual(c.clipped[i]);
    params.forEach((p) => p.dispose());
  });
});
