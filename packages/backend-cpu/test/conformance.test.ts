import { defineConformance } from '@peftjs/conformance';
import { CpuBackend } from '../src/index.js';

// The reference kernels, and the default backend with its fast path, against the shared suite;
// the oracle (float64) is always the plain reference.
const reference = () => new CpuBackend({ fast: false });
defineConformance({ name: 'cpu-reference', createBackend: reference, createReference: reference });
defineConformance({ name: 'cpu', createBackend: () => new CpuBackend(), createReference: reference });
