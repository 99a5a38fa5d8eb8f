import '@peftjs/backend-cpu';
import { LayerNorm, Linear, Module, manualSeed, memory, setBackend, type Tensor } from '@peftjs/core';
import { afterEach, beforeAll, beforeEach, expect } from 'vitest';

/** Unit tests run on the CPU backend; each must leave no tensor behind. */
export function useCpuBackend(): void {
  let before = 0;
  beforeAll(async () => {
    await setBackend('cpu');
  });
  beforeEach(() => {
    manualSeed(7);
    before = memory().numTensors;
  });
  afterEach(() => {
    expect(memory().numTensors).toBe(before);
  });
}

/** A small model with a norm and Linear layers of different widths: x [..., 8] → [..., 8]. */
export class SmallNet extends Module {
  constructor(dtype: 'float32' | 'float64' = 'float64') {
    super();
    this.registerModule('norm', new LayerNorm(8, { dtype }));
    this.registerModule('up', new Linear(8, 12, { dtype }));
    this.registerModule('down', new Linear(12, 8, { dtype }));
  }
  forward(x: Tensor): Tensor {
    const h = this.child<LayerNorm>('norm').forward(x);
    const u = this.child<Linear>('up').forward(h);
    const out = this.child<Linear>('down').forward(u);
    h.dispose();
    u.dispose();
    return out;
  }
}

export async function values(t: Tensor): Promise<number[]> {
  return Array.from(await t.data(), Number);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** The product of [n, n] matrices given as flat row-major arrays. */
export function matmulFlat(a: ArrayLike<number>, b: ArrayLike<number>, n: number, transposeA = false): number[] {
  const out = new Array<number>(n * n).fill(0);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) out[i * n + j] += (transposeA ? a[k * n + i]! : a[i * n + k]!) * b[k * n + j]!;
  return out;
}
