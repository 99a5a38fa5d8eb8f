import { registerBackend } from '@peftjs/core';
import { CpuBackend } from './backend.js';

export { CpuBackend, type CpuBackendOptions } from './backend.js';
export { fastMatmulFloat32, type ThreadUsage } from './fast/matmul.js';
export { fastKernels } from './fast/kernels.js';
export type { CpuStorage } from './storage.js';
export { cpuKernels } from './kernels/index.js';
export { erf } from './math/erf.js';

// Importing this package makes 'cpu' available (lowest priority: a GPU backend wins when present).
registerBackend('cpu', () => new CpuBackend(), 1);
