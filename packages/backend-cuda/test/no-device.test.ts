import { CpuBackend } from '@peftjs/backend-cpu';
import { getBackend, registerBackend, removeBackend, setBackend } from '@peftjs/core';
import { describe, expect, it } from 'vitest';
import { CudaBackend, CudaUnavailableError, createCudaBackend } from '../src/index.js';
import { emulatedMissing, needsEmulated } from './emulated.js';

/** Whether this machine can run the real CUDA backend at all (a GPU and its driver). */
async function cudaWorks(): Promise<boolean> {
  try {
    (await createCudaBackend()).dispose();
    return true;
  } catch {
    return false;
  }
}

const hasGpu = await cudaWorks();

describe.skipIf(hasGpu)('cuda without a GPU (skipped: this machine has a CUDA device)', () => {
  it('importing the package registered cuda without starting it', async () => {
    // the import above ran registerBackend('cuda', ...): nothing threw
    await expect(setBackend('cuda')).rejects.toThrow(/^cuda: no CUDA device: /);
  });

  it('createCudaBackend rejects with a CudaUnavailableError naming the cause', async () => {
    const err = await createCudaBackend().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CudaUnavailableError);
    expect((err as Error).message).toMatch(/^cuda: no CUDA device: .+/);
  });

  it('the engine keeps its active backend when setBackend("cuda") fails', async () => {
    registerBackend('no-device-cpu', () => new CpuBackend(), 0);
    await setBackend('no-device-cpu');
    await expect(setBackend('cuda')).rejects.toThrow('cuda: no CUDA device');
    expect(getBackend()).toBe('cpu');
    removeBackend('no-device-cpu');
  });

  it.skipIf(emulatedMissing !== null)(needsEmulated('the emulated backend starts where the real one cannot'), () => {
    const backend = new CudaBackend({ emulated: true });
    expect(backend.info.emulated).toBe(true);
    backend.dispose();
  });
});
