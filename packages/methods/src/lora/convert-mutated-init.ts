import { concat, formatShape, neg, noGrad, shapesEqual, type Tensor } from '@peftjs/core';
import { initChangesBase, type LoraConfig } from './config.js';

/**
 * PEFT's subtract_mutated_init (save_pretrained with path_initial_model_for_weight_conversion):
 * a PiSSA or OLoRA adapter trained on the residual base W_res = W − s·B₀·A₀ becomes a plain LoRA
 * adapter of the original W. Since W_res + s·B·A = W + s·(B·A − B₀·A₀) = W + s·[B, −B₀]·[A; A₀],
 * A' = [A; A₀] and B' = [B, −B₀], with r and α doubled so that the scaling stays (α·√2 with rsLoRA).
 *
 * `state` and `initial` hold the adapter's tensors under their saved names: the trained ones and
 * those saved right after initialisation. Returns new A' and B' tensors (the caller disposes them;
 * other entries of `state` are passed through) and the config to save.
 */
export function convertMutatedInit(
  state: ReadonlyMap<string, Tensor>,
  initial: ReadonlyMap<string, Tensor>,
  config: LoraConfig,
): { state: Map<string, Tensor>; config: LoraConfig; made: Tensor[] } {
  const fn = 'convertMutatedInit';
  if (!initChangesBase(config.initLoraWeights) && config.initLoraWeights !== true) {
    throw new TypeError(
      `${fn}: only PiSSA and OLoRA adapters change the base weights; this one has initLoraWeights ${JSON.stringify(config.initLoraWeights)}`,
    );
  }
  if (config.useDora) throw new TypeError(`${fn}: a DoRA adapter cannot be written as a plain LoRA of the original weights`);
  if (config.loraBias) throw new TypeError(`${fn}: an adapter with loraBias cannot be written as a plain LoRA of the original weights`);
  const patterns = Object.keys(config.rankPattern).length > 0 || Object.keys(config.alphaPattern).length > 0;
  if (config.useRslora && patterns)
    throw new TypeError(`${fn}: not supported when useRslora is combined with rankPattern or alphaPattern (as in PEFT)`);

  const out = new Map<string, Tensor>();
  const made: Tensor[] = [];
  try {
    noGrad(() => {
      for (const [key, t] of state) {
        const isA = /\.lora_(embedding_)?A(\.weight)?$/.test(key);
        const isB = /\.lora_(embedding_)?B(\.weight)?$/.test(key);
        if (!isA && !isB) {
          out.set(key, t);
          continue;
        }
        const t0 = initial.get(key);
        if (!t0) throw new RangeError(`${fn}: the initial adapter has no ${key}`);
        if (!shapesEqual(t0.shape, t.shape))
          throw new RangeError(`${fn}: ${key} is ${formatShape(t.shape)} but ${formatShape(t0.shape)} in the initial adapter`);
        const t0d = t0.cast(t.dtype);
        // A is [r, in] and B [out, r]: the ranks stack along A's rows and B's columns
        const rankAxis = isA ? 0 : 1;
        const second = isB ? neg(t0d) : t0d;
        const joined = concat([t, second], rankAxis);
        if (second !== t0d) second.dispose();
        if (t0d !== t0) t0d.dispose();
        made.push(joined);
        out.set(key, joined);
      }
    });
  } catch (err) {
    for (const t of made) t.dispose();
    throw err;
  }
  const double = (p: Record<string, number>) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, 2 * v]));
  const converted = config.with({
    initLoraWeights: true,
    r: 2 * config.r,
    loraAlpha: config.useRslora ? config.loraAlpha * Math.SQRT2 : 2 * config.loraAlpha,
    rankPattern: double(config.rankPattern),
    alphaPattern: double(config.alphaPattern),
  });
  return { state: out, config: converted, made };
}
