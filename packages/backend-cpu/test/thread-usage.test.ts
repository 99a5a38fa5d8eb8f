import { matmul, randn, registerBackend, removeBackend, setBackend } from '@peftjs/core';
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../src/index.js';

describe('CpuBackend.threadUsage', () => {
  it('reports the threads a large matmul was split over; one thread on the reference path', async () => {
    const backend = new CpuBackend({ threads: 2 });
    expect(await backend.whenThreadsReady()).toMatchObject({ requested: 2, started: 2 });
    registerBackend('cpu-thread-usage', () => backend, 0);
    try {
      await setBackend('cpu-thread-usage');
      const a = randn([256, 256]);
      const b = randn([256, 256]);
      // the caller takes over a range its worker has not woken up for (a busy machine), so a product
      // may run on one thread: repeat until the worker has computed a share, within a bound
      const start = Date.now();
      while (backend.threadUsage().maxUsed < 2 && Date.now() - start < 20000) {
        const c = matmul(a, b);
        expect(c.shape).toEqual([256, 256]);
        c.dispose();
        await new Promise((r) => setTimeout(r, 1));
      }
      [a, b].forEach((t) => t.dispose());
      expect(backend.threadUsage()).toEqual({ requested: 2, started: 2, maxUsed: 2 });
    } finally {
      removeBackend('cpu-thread-usage');
    }
    const reference = new CpuBackend({ fast: false });
    expect(await reference.whenThreadsReady()).toEqual({ requested: 1, started: 1, maxUsed: 1 });
    expect(new CpuBackend({ threads: 1 }).threadUsage()).toMatchObject({ requested: 1, started: 1, maxUsed: 1 });
  });
});
