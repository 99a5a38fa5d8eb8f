/**
 * The conformance suite with plain Node (no vitest), bundled into one file for a GPU machine that
 * has no node_modules (scripts/bundle-gpu-check.mjs): the real CUDA backend, then the emulated
 * build (with --emulated), each against the CPU reference. Exits 1 when a case fails, 2 when there
 * is no CUDA device.
 */
import { CpuBackend } from '@peftjs/backend-cpu';
import { runConformanceCli } from '@peftjs/conformance/runner';
import { CudaBackend, CudaUnavailableError } from '../src/index.js';

const reference = () => new CpuBackend({ fast: false });
let code = 0;
try {
  const real = new CudaBackend();
  console.log(`cuda: ${real.info.device}; GEMM: ${real.info.gemm}`);
  real.dispose();
  code = await runConformanceCli({ name: 'cuda', createBackend: () => new CudaBackend(), createReference: reference });
} catch (err) {
  if (!(err instanceof CudaUnavailableError)) throw err;
  console.log(`conformance: cuda: not run: ${err.message}`);
  code = 2;
}
if (process.argv.includes('--emulated')) {
  code |= await runConformanceCli({
    name: 'cuda-emulated',
    createBackend: () => new CudaBackend({ emulated: true }),
    createReference: reference,
  });
}
process.exit(code);
