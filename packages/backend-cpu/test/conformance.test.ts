import { defineConformance } from '@peftjs/conformance';
import { CpuBackend } from '../src/index.js';

// The CPU backend against the shared suite; its reference (the float64 oracle) is another CPU instance.
defineConformance({ name: 'cpu', createBackend: () => new CpuBackend(), createReference: () => new CpuBackend() });
