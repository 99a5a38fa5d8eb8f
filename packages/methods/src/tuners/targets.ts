import { Conv1D, Linear, QuantizedLinear, type Module } from '@peftjs/core';
import type { TargetFields } from './target-fields.js';
import { fullMatch, searchGroup } from './python-regex.js';

/** A list entry matches the name itself or a dotted suffix of it (`q_proj` matches `layers.0.q_proj`). */
function matchesName(names: readonly string[], key: string): boolean {
  return names.some((t) => key === t || key.endsWith(`.${t}`));
}

/** PEFT's exclude_modules test. */
export function isExcluded(exclude: string | readonly string[] | null, key: string): boolean {
  if (exclude === null) return false;
  return typeof exclude === 'string' ? fullMatch(exclude, key, 'exclude_modules') : matchesName(exclude, key);
}

/** The layer number in a module name (`model.layers.3.mlp` → 3), found after `layersPattern` when given. */
export function layerIndex(key: string, layersPattern: string | readonly string[] | null): number | null {
  const patterns = layersPattern === null ? [null] : typeof layersPattern === 'string' ? [layersPattern] : layersPattern;
  for (const p of patterns) {
    const found = searchGroup(p === null ? '.*\\.[^.]*\\.(\\d+)\\.' : `.*\\.(?:${p})\\.(\\d+)\\.`, key, 1, 'layers_pattern');
    if (found !== null) return Number(found);
  }
  return null;
}

/**
 * PEFT's check_target_module_exists: whether the module named `key` is adapted under `config`.
 * `targetModules` is one regex (full match) or a list of names matched exactly or as a dotted
 * suffix; `excludeModules` wins; `layersToTransform` keeps only the listed layer numbers.
 */
export function isTargetModule(config: TargetFields, key: string): boolean {
  if (isExcluded(config.excludeModules, key)) return false;
  const targets = config.targetModules;
  if (targets === null) return false;
  const matched = typeof targets === 'string' ? fullMatch(targets, key, 'target_modules') : matchesName(targets, key);
  if (!matched || config.layersToTransform === null) return matched;
  const index = layerIndex(key, config.layersPattern);
  if (index === null) return false;
  const layers = typeof config.layersToTransform === 'number' ? [config.layersToTransform] : config.layersToTransform;
  return layers.includes(index);
}

/** Output heads that 'all-linear' leaves alone, as PEFT does. */
const OUTPUT_HEADS = new Set(['lm_head', 'score', 'classifier']);

/**
 * PEFT's 'all-linear': the last name segment of every Linear, Conv1D or QuantizedLinear (PEFT
 * counts bitsandbytes' 4- and 8-bit layers too), except the output head. Returned as a list of
 * names, as PEFT expands it.
 */
export function allLinearTargets(model: Module): string[] {
  const names = new Set<string>();
  for (const [key, m] of model.namedModules()) {
    if (!(m instanceof Linear || m instanceof Conv1D || m instanceof QuantizedLinear)) continue;
    const last = key.split('.').pop()!;
    if (!OUTPUT_HEADS.has(last)) names.add(last);
  }
  return [...names];
}

/** The key of `pattern` (rank_pattern, alpha_pattern) that matches module `key`: `(.*\.)?(k)$`. */
export function patternValue(pattern: Record<string, number>, key: string, fallback: number, field = 'rank_pattern/alpha_pattern'): number {
  for (const [k, v] of Object.entries(pattern)) {
    if (fullMatch(`(?:.*\\.)?(?:${k})`, key, `${field} key ${JSON.stringify(k)}`)) return v;
  }
  return fallback;
}
