/**
 * The index of the value of a sorted code map nearest to x (the lower one on a tie, as
 * bitsandbytes' decision tree over the midpoints does), by binary search over the midpoints.
 */
export function nearestCode(sortedMap: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = sortedMap.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    // midpoint between values mid and mid + 1, in float32 like bitsandbytes' thresholds
    const threshold = Math.fround((sortedMap[mid] + sortedMap[mid + 1]) / 2);
    if (x > threshold) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
