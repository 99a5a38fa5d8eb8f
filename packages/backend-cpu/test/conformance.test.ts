import { defineConformance } from '@peftjs/conformance';
import { CpuBackend } from '../src/index.js';

// The reference kernels, and the default backend with its fast path, against the shared suite;
// the oracle (float64) is always the plain reference.
const reference = () => new CpuBackend({ fast: false });
// Skips, each printed with its reason: disable→base for PiSSA, OLoRA and bias='all' (PEFT's own Δ is
// not 0), merge for the prompt-learning methods and adaption prompt, which have nothing to merge (8),
// and the 221 half-precision cases (the op table's float rows in float16 and bfloat16, and the
// autocast training cases: the CPU computes in float32 and float64 only).
const expectSkipped = 8 + 221;
defineConformance({ name: 'cpu-reference', createBackend: reference, createReference: reference, expectSkipped });
defineConformance({ name: 'cpu', createBackend: () => new CpuBackend(), createReference: reference, expectSkipped });
