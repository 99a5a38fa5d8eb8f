import {
  dequantizeData,
  keep,
  Linear,
  type Module,
  noGrad,
  type QuantizationConfig,
  QuantizedLinear,
  QuantizedWeight,
  quantizeWeight,
} from '@peftjs/core';
import type { BaseState, TunerLayer } from './tuner-layer.js';

/** What merging into a quantized base does: quantize the merged weight again, or keep it float. */
export type QuantizedBaseMerge = 'requantize' | 'dequantize';

/** The rounding error of re-quantizing one merged layer: W' (float, merged) against dequant(quant(W')). */
export interface QuantizedMergeReport {
  /** The layer's dotted name in the model. */
  key: string;
  format: 'nf4' | 'int8';
  /** ‖dequant(quant(W')) − W'‖_F / ‖W'‖_F. */
  relativeError: number;
  /** max |dequant(quant(W')) − W'|. */
  maxAbsError: number;
}

/** The quantization a QuantizedLinear was made with, to re-quantize a merged weight the same way. */
function configOf(base: QuantizedLinear): QuantizationConfig {
  if (base.format === 'int8') return { bits: 8 };
  return { bits: 4, blockSize: base.blockSize, doubleQuant: base.weight.nested !== null };
}

/**
 * The merged base of a tuner layer over a QuantizedLinear: W is dequantized, the adapters are
 * merged into it as on a float base (each method's mergedBaseState), and the result becomes a
 * float Linear ('dequantize') or a QuantizedLinear of the same format ('requantize', with the
 * rounding error measured). The layer itself is not changed; the caller installs the result.
 */
export async function mergeIntoQuantizedBase(
  layer: TunerLayer,
  adapters: readonly string[],
  mode: QuantizedBaseMerge,
  key: string,
  checkFinite: boolean,
): Promise<{ module: Module; report: QuantizedMergeReport | null }> {
  const base = layer.baseLayer;
  if (!(base instanceof QuantizedLinear)) throw new TypeError(`mergeAndUnload: '${key}' has no quantized base`);
  const dtype = base.bias?.dtype === 'float64' ? 'float64' : 'float32';
  const original: BaseState = new Map([['weight', base.dequantizeWeight(dtype)]]);
  if (base.bias) original.set('bias', base.bias);
  let state = original;
  try {
    noGrad(() => {
      for (const adapter of adapters) {
        const next = layer.mergedBaseState(adapter, state);
        for (const [k, t] of state) if (next.get(k) !== t && t !== base.bias) t.dispose();
        state = next;
      }
    });
    const weight = state.get('weight')!;
    const bias = state.get('bias') ?? null;
    const values = await weight.data();
    if (checkFinite && !values.every(Number.isFinite)) {
      throw new Error(
        `mergeAndUnload: merging adapters [${adapters.join(', ')}] into '${key}' gives NaN or infinite values in weight; nothing was merged (quantized base)`,
      );
    }
    const { outFeatures: out, inFeatures: inp } = base;
    const biasCopy = () => (bias ? keep(noGrad(() => bias.clone())) : null);
    if (mode === 'dequantize') {
      const linear = new Linear(inp, out, { bias: bias !== null, dtype });
      noGrad(() => {
        linear.weight.assign(weight);
        if (bias) linear.bias!.assign(bias);
      });
      linear.weight.requiresGrad = false;
      if (linear.bias) linear.bias.requiresGrad = false;
      return { module: linear, report: null };
    }
    const data = quantizeWeight(values, out, inp, configOf(base));
    const back = dequantizeData(data);
    let se = 0;
    let sw = 0;
    let maxAbs = 0;
    for (let i = 0; i < values.length; i++) {
      const d = back[i] - values[i];
      se += d * d;
      sw += values[i] * values[i];
      maxAbs = Math.max(maxAbs, Math.abs(d));
    }
    const quantized = QuantizedWeight.fromData(data, weight.backend);
    const module = new QuantizedLinear(quantized, biasCopy());
    return { module, report: { key, format: base.format, relativeError: sw > 0 ? Math.sqrt(se / sw) : 0, maxAbsError: maxAbs } };
  } finally {
    for (const t of state.values()) if (t !== base.bias) t.dispose();
    for (const t of original.values()) if (t !== base.bias) t.dispose();
  }
}
