import { setBackend } from '@peftjs/core';
import '@peftjs/backend-cpu';
import { beforeAll } from 'vitest';

/** Unit tests in the enclosing describe block run on the CPU backend. */
export function useCpuBackend(): void {
  beforeAll(async () => {
    await setBackend('cpu');
  });
}
