import { CpuBackend } from '@peftjs/backend-cpu';
import { defineConformance } from '@peftjs/conformance';

/**
 * Runs the golden PEFT cases whose folder name matches `cases` through the conformance suite's
 * method template (forward and gradients in float32 and float64, disable, merge, save, reload,
 * trainable count, training) on the CPU backend.
 */
export function goldenCases(cases: RegExp): void {
  defineConformance({
    name: 'cpu',
    createBackend: () => new CpuBackend(),
    createReference: () => new CpuBackend({ fast: false }),
    filter: new RegExp(`^methods/(?:${cases.source}): `),
  });
}
