import '@peftjs/backend-cpu';
import { setBackend } from '@peftjs/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { MODULE_CASES } from './cases.js';
import { runGoldenCase } from './run-case.js';

/**
 * Relative tolerances (max error / max |golden|). float32: the whole-model tolerance. float64: the
 * `.f64` twins come from transformers 4.47's Llama after model.double(), which still computes the
 * RMSNorm, the rotary tables and the attention softmax (and PEFT the adaption softmax) in float32,
 * so they carry float32 rounding (their own distance to the float32 golden is up to 1e-5 for the
 * one-number adaption_gate gradient). True float64 gradients are checked by finite differences.
 */
const TOLERANCE = { float32: 1e-4, float64: 5e-5 } as const;

describe('prompt-learning modules match HF PEFT 0.18.1 (golden cases)', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  for (const [name, setup] of Object.entries(MODULE_CASES)) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`${name} (${dtype}): output, output without the method, and every gradient of sum(out²)`, async () => {
        const r = await runGoldenCase(name, dtype, setup);
        const grads = [...r.grads].map(([k, v]) => `${k.split('.').slice(-2).join('.')} ${v.toExponential(1)}`).join(', ');
        console.log(`${name} ${dtype}: out ${r.out.toExponential(1)}, out_base ${r.outBase.toExponential(1)}; grads ${grads}`);
        expect(r.out).toBeLessThan(TOLERANCE[dtype]);
        expect(r.outBase).toBeLessThan(TOLERANCE.float32);
        for (const [key, err] of r.grads) expect(err, key).toBeLessThan(TOLERANCE[dtype]);
      });
    }
  }
});
