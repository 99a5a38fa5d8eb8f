import { resolveQuantizationConfig, type QuantizationConfig } from '../quant/config.js';
import { Linear } from './linear.js';
import type { Module } from './module.js';
import { QuantizedLinear } from './quantized-linear.js';

export interface QuantizeModelReport {
  /** Dotted names of the layers now quantized. */
  quantized: string[];
  /** Linear layers left in float (skipModules). */
  skipped: string[];
  /** Bytes of the weights before and after (float weights vs quantized buffers; biases excluded). */
  weightBytesBefore: number;
  weightBytesAfter: number;
}

/** Whether dotted `name` is `skip` or ends with `.skip`. */
function matches(name: string, skip: string): boolean {
  return name === skip || name.endsWith(`.${skip}`);
}

/**
 * Replaces every Linear of `model` (except those named in `skipModules`, by default the output
 * head) with a QuantizedLinear holding its weight quantized as `config` says (transformers'
 * load_in_4bit / load_in_8bit on a loaded model). One layer at a time: each float weight is freed
 * as soon as its quantized copy exists. Embeddings and norms stay float, as bitsandbytes leaves them.
 */
export async function quantizeModel(model: Module, config: QuantizationConfig): Promise<QuantizeModelReport> {
  const c = resolveQuantizationConfig(config);
  const report: QuantizeModelReport = { quantized: [], skipped: [], weightBytesBefore: 0, weightBytesAfter: 0 };
  const targets = [...model.namedModules()].filter((e): e is [string, Linear] => e[1] instanceof Linear && e[0] !== '');
  // a Linear shared by two names is quantized once and stays shared
  const done = new Map<Linear, QuantizedLinear>();
  for (const [name, linear] of targets) {
    if (c.skipModules.some((s) => matches(name, s))) {
      report.skipped.push(name);
      continue;
    }
    const shared = done.get(linear);
    if (shared) {
      model.setSubmodule(name, shared);
      report.quantized.push(name);
      continue;
    }
    const quantized = await QuantizedLinear.fromLinear(linear, config);
    done.set(linear, quantized);
    model.setSubmodule(name, quantized);
    report.weightBytesBefore += linear.weight.size * (linear.weight.dtype === 'float64' ? 8 : 4);
    report.weightBytesAfter += quantized.weightBytes;
    linear.dispose();
    report.quantized.push(name);
  }
  return report;
}
