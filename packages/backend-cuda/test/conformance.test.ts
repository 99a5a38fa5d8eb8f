import { CpuBackend } from '@peftjs/backend-cpu';
import { BackendUnavailableError, defineConformance } from '@peftjs/conformance';
import { CudaBackend, CudaUnavailableError } from '../src/index.js';

// The .cu kernels compiled as host C++ (blocks in sequence, threads as fibers) against the whole
// suite. Only a machine without cmake or a C++ compiler, where the package built no addon, skips it.
defineConformance({
  name: 'cuda-emulated',
  createBackend: () => {
    try {
      return new CudaBackend({ emulated: true });
    } catch (err) {
      if (err instanceof CudaUnavailableError) throw new BackendUnavailableError(err.message);
      throw err;
    }
  },
  createReference: () => new CpuBackend({ fast: false }),
});
