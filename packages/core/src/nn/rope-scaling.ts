/**
 * RoPE scaling (Hugging Face's `rope_scaling`): the inverse frequencies of rotary embeddings
 * stretched so a model reaches past the context it was trained on. "linear" divides every
 * frequency by `factor` (positions interpolated); "llama3" (Llama 3.1) leaves high frequencies,
 * divides low ones by `factor` and blends the band between by wavelength.
 */
export type RopeScaling =
  | { readonly ropeType: 'linear'; readonly factor: number }
  | {
      readonly ropeType: 'llama3';
      readonly factor: number;
      readonly lowFreqFactor: number;
      readonly highFreqFactor: number;
      readonly originalMaxPositionEmbeddings: number;
    };

/** A config.json `rope_scaling` object (`rope_type`, or the older `type`) as a RopeScaling; null stays null. */
export function parseRopeScaling(json: unknown, where = 'rope_scaling'): RopeScaling | null {
  if (json === null || json === undefined) return null;
  if (typeof json !== 'object' || Array.isArray(json))
    throw new RangeError(`${where} must be an object or null, got ${JSON.stringify(json)}`);
  const o = json as Record<string, unknown>;
  const type = o.rope_type ?? o.type;
  const num = (key: string, test: (v: number) => boolean, want: string): number => {
    const v = o[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || !test(v))
      throw new RangeError(`${where}.${key} must be ${want}, got ${JSON.stringify(v)}`);
    return v;
  };
  if (type === 'default') return null;
  if (type === 'linear') return { ropeType: 'linear', factor: num('factor', (v) => v >= 1, 'a number ≥ 1') };
  if (type === 'llama3') {
    const lowFreqFactor = num('low_freq_factor', (v) => v > 0, 'a positive number');
    const highFreqFactor = num('high_freq_factor', (v) => v > lowFreqFactor, `a number above low_freq_factor ${lowFreqFactor}`);
    return {
      ropeType: 'llama3',
      factor: num('factor', (v) => v >= 1, 'a number ≥ 1'),
      lowFreqFactor,
      highFreqFactor,
      originalMaxPositionEmbeddings: num('original_max_position_embeddings', (v) => Number.isInteger(v) && v > 0, 'a positive integer'),
    };
  }
  throw new RangeError(`${where}: rope_type ${JSON.stringify(type)} is not supported (supported: "default", "linear", "llama3")`);
}

/** The config.json form of a RopeScaling (HF's snake_case keys). */
export function ropeScalingJSON(s: RopeScaling | null): Record<string, unknown> | null {
  if (!s) return null;
  if (s.ropeType === 'linear') return { rope_type: 'linear', factor: s.factor };
  return {
    rope_type: 'llama3',
    factor: s.factor,
    low_freq_factor: s.lowFreqFactor,
    high_freq_factor: s.highFreqFactor,
    original_max_position_embeddings: s.originalMaxPositionEmbeddings,
  };
}

/**
 * The D/2 inverse frequencies theta^(−2i/D), scaled; rounded to float32 at each step, as Hugging
 * Face computes them in float32.
 */
export function ropeInverseFrequencies(dim: number, theta: number, scaling: RopeScaling | null = null): number[] {
  const f = Math.fround;
  const base = Array.from({ length: dim / 2 }, (_, i) => f(1 / theta ** ((2 * i) / dim)));
  if (!scaling) return base;
  if (scaling.ropeType === 'linear') return base.map((v) => f(v / scaling.factor));
  const { factor, lowFreqFactor, highFreqFactor, originalMaxPositionEmbeddings: ctx } = scaling;
  const lowFreqWavelen = ctx / lowFreqFactor;
  const highFreqWavelen = ctx / highFreqFactor;
  return base.map((inv) => {
    const wavelen = f((2 * Math.PI) / inv);
    if (wavelen < highFreqWavelen) return inv;
    if (wavelen > lowFreqWavelen) return f(inv / factor);
    const smooth = f((ctx / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor));
    return f(f(f(1 - smooth) * f(inv / factor)) + f(smooth * inv));
  });
}
