/**
 * Keep-mask (1 keep, 0 drop) of the entries whose magnitude rank lies in [start, start + count),
 * rank 0 being the largest |x|. Equal magnitudes rank by position (the earlier entry first), so
 * exactly `count` entries are kept. Linear time apart from one sort of the magnitudes.
 */
export function magnitudeRankMask(values: ArrayLike<number>, start: number, count: number): Uint8Array {
  const n = values.length;
  const mask = new Uint8Array(n);
  const end = Math.min(n, start + count);
  if (start >= end) return mask;
  const sorted = new Float64Array(n);
  for (let i = 0; i < n; i++) sorted[i] = Math.abs(values[i]);
  sorted.sort(); // ascending; rank r sits at n - 1 - r
  const hi = sorted[n - 1 - start]; // magnitude at the first kept rank
  const lo = sorted[n - end]; // magnitude at the last kept rank
  // ranks taken by entries strictly larger than a magnitude: its group of equal entries starts there
  const firstRank = (value: number) => n - upperBound(sorted, value);
  const hiStart = firstRank(hi);
  const loStart = firstRank(lo);
  let hiSeen = 0;
  let loSeen = 0;
  for (let i = 0; i < n; i++) {
    const v = Math.abs(values[i]);
    if (v < hi && v > lo) mask[i] = 1;
    else if (v === hi) {
      const rank = hiStart + hiSeen++;
      if (rank >= start && rank < end) mask[i] = 1;
    } else if (v === lo) {
      const rank = loStart + loSeen++;
      if (rank >= start && rank < end) mask[i] = 1;
    }
  }
  return mask;
}

/** The first index whose value is greater than `value` in an ascending array. */
function upperBound(sorted: Float64Array, value: number): number {
  let a = 0;
  let b = sorted.length;
  while (a < b) {
    const mid = (a + b) >>> 1;
    if (sorted[mid] <= value) a = mid + 1;
    else b = mid;
  }
  return a;
}
