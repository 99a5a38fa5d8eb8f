import { setBackend, tidy, type Tensor } from '@peftjs/core';
import '@peftjs/backend-cpu';
import { beforeAll } from 'vitest';

/** Unit tests in the enclosing describe block run on the CPU backend. */
export function useCpuBackend(): void {
  beforeAll(async () => {
    await setBackend('cpu');
  });
}

/** max |a − b| over all elements, read back (the intermediates are freed). */
export async function maxAbsDiff(a: Tensor, b: Tensor): Promise<number> {
  const d = tidy(() => a.sub(b).abs().max());
  const v = await d.item();
  d.dispose();
  return v;
}
