import { matchStart } from './python-regex.js';

/**
 * The value for module `key` in a pattern dict matched as PEFT's FourierFT and C3A match
 * n_frequency_pattern / block_size_pattern: the first key k with re.match(`.*\.k$`, key), so a
 * key only matches after a dot (a top-level module name never matches).
 */
export function dottedPatternValue(pattern: Record<string, number>, key: string, fallback: number): number {
  for (const [k, v] of Object.entries(pattern)) {
    if (matchStart(`.*\\.${k}$`, key, `pattern key ${JSON.stringify(k)}`)) return v;
  }
  return fallback;
}
