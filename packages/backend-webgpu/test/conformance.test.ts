import { BackendUnavailableError, defineConformance } from '@peftjs/conformance';
import { CpuBackend } from '@peftjs/backend-cpu';
import { createWebGPUBackend, WebGPUUnavailableError } from '../src/index.js';

// A missing adapter fails the run unless PEFTJS_WEBGPU_OPTIONAL=1 says this machine may lack one.
const optional = process.env.PEFTJS_WEBGPU_OPTIONAL === '1';

defineConformance({
  name: 'webgpu',
  createBackend: async () => {
    try {
      return await createWebGPUBackend();
    } catch (err) {
      if (optional && err instanceof WebGPUUnavailableError) throw new BackendUnavailableError(err.message);
      throw err;
    }
  },
  createReference: () => new CpuBackend({ fast: false }),
  // "loss goes down" of each PEFT method is a property of the method, checked on the CPU backends;
  // on a software adapter it would take most of this run
  filter: /^(?!methods\/[^:]+: loss goes down)/,
  // every float64 case (no float64 storage), PiSSA/OLoRA (host factorisation needs synchronous
  // reads), and the CPU's skips; each is printed with its reason
  expectSkipped: 83,
  tolerances: {
    // randn computes Box–Muller in f32, the reference in float64 rounded once: they differ by one ulp
    // at most (measured maximum 9.5e-8 relative to the largest value), so not bit for bit.
    philoxNormal: 2e-7,
  },
});
