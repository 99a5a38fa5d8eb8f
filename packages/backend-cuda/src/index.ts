import { registerBackend } from '@peftjs/core';
import { CudaBackend } from './backend.js';

export { CudaBackend, type CudaBackendOptions, type CudaDeviceInfo } from './backend.js';
export { CudaUnavailableError } from './addon.js';
export { GemmRunner, type GemmFormat, type GemmKernel, type GemmPath } from './gemm.js';
export type { CudaStorage } from './storage.js';

let instance: Promise<CudaBackend> | undefined;

/**
 * Creates the CUDA backend; rejects with a CudaUnavailableError ("cuda: no CUDA device: ...") on a
 * machine without the driver, a device or the built addon.
 */
export async function createCudaBackend(options: ConstructorParameters<typeof CudaBackend>[0] = {}): Promise<CudaBackend> {
  return new CudaBackend(options);
}

/**
 * Importing this package registers 'cuda' above WebGPU and the CPU backend. Nothing is loaded until
 * the engine asks; without CUDA, `await setBackend('cuda')` rejects with the reason and the
 * engine's automatic choice moves on to another backend.
 */
registerBackend(
  'cuda',
  () => {
    if (!instance) {
      instance = createCudaBackend();
      instance.catch(() => {}); // the engine may start it without awaiting; whoever awaits sees the error
    }
    return instance;
  },
  3,
);
