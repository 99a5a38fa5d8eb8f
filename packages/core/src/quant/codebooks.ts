/**
 * The code maps of the quantized formats, as bitsandbytes and the QLoRA paper (Dettmers et al.,
 * 2023, appendix E) publish them.
 */

/**
 * NF4: 4-bit NormalFloat. Code i holds the i-th value; the values are quantiles of N(0, 1)
 * (8 on the positive side, 7 on the negative, plus an exact 0) scaled into [-1, 1].
 */
export const NF4_CODE_MAP: readonly number[] = Object.freeze([
  -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635, -0.18477343022823334, -0.09105003625154495,
  0.0, 0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
  0.7229568362236023, 1.0,
]);

let dynamicMap: Float32Array | undefined;

/**
 * bitsandbytes' signed dynamic 8-bit map (create_dynamic_map with 7 exponent bits), which
 * quantizes the NF4 absmax values in double quantization: for each decade 10^(i-6), i = 0..6,
 * the 2^i midpoints of linspace(0.1, 1, 2^i + 1) times the decade, with both signs, plus 0 and 1;
 * sorted, 256 values. Computed in float32 like torch.
 */
export function dynamicCodeMap(): Float32Array {
  if (dynamicMap) return dynamicMap;
  const f = Math.fround;
  const values: number[] = [];
  for (let i = 0; i < 7; i++) {
    const items = 2 ** i + 1;
    const boundaries = linspaceFloat32(0.1, 1, items);
    const decade = 10 ** (i - 6);
    for (let j = 0; j < items - 1; j++) {
      const mean = f(f(boundaries[j] + boundaries[j + 1]) / 2);
      const v = f(decade * mean);
      values.push(v, -v);
    }
  }
  values.push(0, 1);
  values.sort((a, b) => a - b);
  dynamicMap = Float32Array.from(values);
  return dynamicMap;
}

/** torch.linspace in float32: start + i·step for the first half, end − (n−1−i)·step for the rest. */
function linspaceFloat32(start: number, end: number, n: number): Float32Array {
  const f = Math.fround;
  const out = new Float32Array(n);
  if (n === 1) {
    out[0] = start;
    return out;
  }
  const step = f((f(end) - f(start)) / (n - 1));
  const half = Math.floor(n / 2);
  for (let i = 0; i < n; i++) out[i] = i < half ? f(f(start) + f(step * i)) : f(f(end) - f(step * (n - 1 - i)));
  return out;
}
