import '@peftjs/backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { KeyValueCache, concat, memory, randn, setBackend, tensor, tidy } from '../src/index.js';

describe('KeyValueCache', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  it('appends in place across block boundaries and holds what concat would', async () => {
    const before = memory().numDataBuffers;
    const cache = new KeyValueCache({ blockSize: 3 });
    const parts = [randn([2, 2, 4, 5]), randn([2, 2, 1, 5]), randn([2, 2, 1, 5]), randn([2, 2, 2, 5])];
    for (const p of parts) tidy(() => void cache.layer(0).append(p, p.mul(2)));
    expect(cache.length).toBe(8);
    const empty = randn([2, 2, 0, 5]);
    const [k, v] = cache.layer(0).append(empty, empty);
    const want = concat(parts, 2);
    expect(Array.from(await k.data())).toEqual(Array.from(await want.data()));
    const want2 = want.mul(2);
    expect(Array.from(await v.data())).toEqual(Array.from(await want2.data()));
    // beam reordering keeps rows by index
    const index = tensor([1, 1], { dtype: 'int32' });
    cache.reorder(index);
    const [k2, v2] = cache.layer(0).append(empty, empty);
    const row1 = want.slice(0, 1, 2);
    const got = await k2.data();
    const r = await row1.data();
    expect(Array.from(got.subarray(0, r.length))).toEqual(Array.from(r));
    expect(Array.from(got.subarray(r.length))).toEqual(Array.from(r));
    for (const t of [...parts, empty, k, v, want, want2, index, k2, v2, row1]) t.dispose();
    cache.dispose();
    expect(memory().numDataBuffers).toBe(before);
  });

  it('refuses keys that do not extend the cache', () => {
    const cache = new KeyValueCache();
    const a = randn([1, 2, 3, 4]);
    const b = randn([1, 3, 1, 4]);
    tidy(() => void cache.layer(0).append(a, a));
    expect(() => cache.layer(0).append(b, b)).toThrow(/new keys float32 \[1,3,1,4\] do not extend the cached float32 \[1, 2, 3, 4\]/);
    expect(() => new KeyValueCache({ blockSize: 0 })).toThrow(/blockSize must be a positive integer, got 0/);
    a.dispose();
    b.dispose();
    cache.dispose();
  });
});
