import { arange, expand, fill, matmul, memory, setBackend, sum, tensor } from '@peftjs/core';
import { beforeAll, describe, expect, it } from 'vitest';
import '@peftjs/backend-cpu';

beforeAll(async () => {
  await setBackend('cpu');
});

describe('ops refuse what the backend cannot hold before they run', () => {
  it('arange names itself and the bound that is not a finite number', () => {
    expect(() => arange(0, NaN)).toThrow('arange: end must be a finite number, got NaN');
    expect(() => arange(Infinity)).toThrow('arange: end must be a finite number, got Infinity');
    expect(() => arange(-Infinity, 3)).toThrow('arange: start must be a finite number, got -Infinity');
    expect(() => arange(0, 5, NaN)).toThrow('arange: step must be a finite non-zero number, got NaN');
    expect(() => arange(0, 1e12)).toThrow(
      /arange: output of shape \[1000000000000\] holds 1000000000000 int32 values .* more than the cpu backend's largest buffer/,
    );
  });

  it('a reduction over a broadcast view larger than any buffer is refused at once', () => {
    const before = memory().numTensors;
    const one = tensor([1]);
    const big = expand(one, [1e6, 1e6]);
    const started = performance.now();
    expect(() => sum(big)).toThrow(
      /sum: input 0 of shape \[1000000,1000000\] holds 1000000000000 float32 values \(4000000000000 bytes\), more than the cpu backend's largest buffer of 2147483647 bytes/,
    );
    expect(() => big.sum()).toThrow(/sum: input 0/);
    expect(performance.now() - started).toBeLessThan(1000);
    big.dispose();
    one.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('outputs larger than any buffer are refused before allocating', () => {
    const before = memory().numTensors;
    expect(() => fill([1e5, 1e5], 0)).toThrow(/fill: output of shape \[100000,100000\] holds 10000000000 float32 values/);
    const base = tensor([[1]]);
    const a = expand(base, [100_000, 1]);
    const b = expand(base, [1, 100_000]);
    expect(() => matmul(a, b)).toThrow(/matmul: output of shape \[100000,100000\]/);
    for (const t of [a, b, base]) t.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('sizes at the limit still work', async () => {
    const x = expand(tensor([2]), [1000, 1000]);
    const s = sum(x);
    expect(await s.item()).toBe(2_000_000);
    for (const t of [x, s]) t.dispose();
  });
});
