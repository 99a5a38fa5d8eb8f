/** Axis ticks at round numbers: steps of 1, 2 or 5 times a power of ten, about `target` of them. */
export function niceTicks(min: number, max: number, target = 6): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max) || min > max)
    throw new RangeError(`niceTicks: needs finite min ≤ max, got [${min}, ${max}]`);
  if (min === max) return [min];
  const raw = (max - min) / Math.max(1, target);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const ticks: number[] = [];
  // integer multiples of step, rounded to the step's decimals so 0.30000000000000004 prints as 0.3
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  for (let i = Math.ceil(min / step - 1e-9); i * step <= max + step * 1e-9; i++) ticks.push(Number((i * step).toFixed(decimals)));
  return ticks;
}

/** A tick value as short text: no trailing zeros, at most the decimals the step needs. */
export function formatTick(value: number, ticks: readonly number[]): string {
  const step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) : Math.abs(value) || 1;
  const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
  return value.toFixed(decimals);
}

/** niceTicks widened by a step at either end where needed, so the first and last tick enclose [min, max]. */
export function coveringTicks(min: number, max: number, target = 6): number[] {
  const ticks = niceTicks(min, max, target);
  if (ticks.length < 2) return ticks;
  const step = ticks[1] - ticks[0];
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  if (ticks[0] > min) ticks.unshift(Number((ticks[0] - step).toFixed(decimals)));
  if (ticks[ticks.length - 1] < max) ticks.push(Number((ticks[ticks.length - 1] + step).toFixed(decimals)));
  return ticks;
}
