import '@peftjs/backend-cpu';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { autocast, autocastDType, matmul, setBackend, tensor } from '../src/index.js';

// Half compute itself is checked by the conformance suite's half cases on backends that have it.
describe('autocast on a backend without half compute (cpu)', () => {
  afterEach(() => vi.restoreAllMocks());

  it('runs in full precision after one warning, and throws when strict', async () => {
    await setBackend('cpu');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const a = tensor([
      [1, 2],
      [3, 4],
    ]);
    const dtypes = [0, 1].map(() =>
      autocast('float16', () => {
        expect(autocastDType()).toBeNull();
        const y = matmul(a, a);
        const d = y.dtype;
        y.dispose();
        return d;
      }),
    );
    expect(dtypes).toEqual(['float32', 'float32']);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/cpu backend does not compute in float16/);
    expect(() => autocast('bfloat16', () => 1, { strict: true })).toThrow(/autocast: the cpu backend does not compute in bfloat16/);
    a.dispose();
  });

  it('rejects a dtype that is not half, and leaves the region when fn throws or resolves', async () => {
    await setBackend('cpu');
    expect(() => autocast('float32' as never, () => 1)).toThrow(/autocast: dtype must be 'float16' or 'bfloat16', got float32/);
    expect(() =>
      autocast(
        'float16',
        () => {
          throw new Error('boom');
        },
        { enabled: false },
      ),
    ).toThrow('boom');
    expect(autocastDType()).toBeNull();
    await expect(autocast('float16', async () => 3, { enabled: false })).resolves.toBe(3);
    expect(autocastDType()).toBeNull();
  });
});
