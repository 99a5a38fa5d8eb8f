import { FUSED_KERNELS } from '@peftjs/core';
import { CpuBackend } from '@peftjs/backend-cpu';
import { defineConformance } from '../src/index.js';
import { cpuVariant } from './variant.js';

// Backends shaped like the GPU ones, built from the CPU kernels: the suite must pass them (with
// the skips it reports), and they exercise core's other paths (composed fused ops, contiguous copies).

defineConformance({
  name: 'cpu without fused kernels',
  createBackend: () => cpuVariant({ drop: FUSED_KERNELS, reason: 'core composes it from primitives' }),
  createReference: () => new CpuBackend(),
});

defineConformance({
  name: 'cpu requiring contiguous inputs',
  createBackend: () => cpuVariant({ capabilities: { requiresContiguous: true } }),
  createReference: () => new CpuBackend(),
});

defineConformance({
  name: 'cpu with float32 only and async reads',
  createBackend: () => cpuVariant({ capabilities: { dtypes: ['float32', 'int32', 'bool'], syncRead: false } }),
  createReference: () => new CpuBackend(),
});
