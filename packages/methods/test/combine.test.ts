import { CpuBackend } from '@peftjs/backend-cpu';
import { defineConformance } from '@peftjs/conformance';

// PEFT's add_weighted_adapter goldens through addWeightedAdapter on a PEFT model.
defineConformance({
  name: 'cpu',
  createBackend: () => new CpuBackend(),
  createReference: () => new CpuBackend({ fast: false }),
  filter: /^combine\//,
});
