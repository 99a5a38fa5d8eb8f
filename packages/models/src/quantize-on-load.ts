/**
 * Quantizing while a checkpoint streams in: each Linear that the quantization config targets
 * becomes a QuantizedLinear as soon as all of its parameters hold values, and its float weight is
 * freed there and then, so the float copy of the whole model never exists (the peak is the
 * quantized model plus about one float Linear). What this cannot do early (a Linear shared by two
 * names or tied to another module's tensor, one whose values come from initMissingWeights) is left
 * to core's quantizeModel after the load, which quantizes it exactly the same way.
 */
import {
  Linear,
  QuantizedLinear,
  isMeta,
  resolveQuantizationConfig,
  type Module,
  type QuantizationConfig,
  type Tensor,
} from '@peftjs/core';

export class LoadQuantizer {
  /** Each parameter of an early-quantizable Linear → that Linear and its dotted name. */
  private readonly owners = new Map<Tensor, { name: string; linear: Linear }>();

  constructor(
    private readonly model: Module,
    private readonly config: QuantizationConfig,
  ) {
    const { skipModules } = resolveQuantizationConfig(config);
    const names = new Map<Module, string[]>();
    const holders = new Map<Tensor, Set<Module>>();
    for (const [name, m] of model.namedModules()) {
      names.set(m, [...(names.get(m) ?? []), name]);
      for (const [key, p] of m.namedParameters()) {
        if (key.includes('.')) continue; // a child's; counted with the child
        holders.set(p, (holders.get(p) ?? new Set()).add(m));
      }
    }
    for (const [m, [name, ...more]] of names) {
      if (!(m instanceof Linear) || name === '' || more.length > 0) continue;
      if (skipModules.some((s) => name === s || name.endsWith(`.${s}`))) continue;
      const own = [...m.namedParameters()].map(([, p]) => p);
      if (own.some((p) => holders.get(p)!.size > 1)) continue;
      for (const p of own) this.owners.set(p, { name, linear: m });
    }
  }

  /** Called after `target` (a parameter of the model) got its values from the checkpoint. */
  async loaded(target: Tensor): Promise<void> {
    const owner = this.owners.get(target);
    if (!owner) return;
    const { name, linear } = owner;
    const own = [...linear.namedParameters()].map(([, p]) => p);
    if (own.some(isMeta)) return;
    for (const p of own) this.owners.delete(p);
    const quantized = await QuantizedLinear.fromLinear(linear, this.config);
    this.model.setSubmodule(name, quantized);
    linear.dispose();
  }
}
