import type { Module } from '@peftjs/core';

/**
 * Frees the tensors of modules taken out of `model`, except those `model` still holds: a module
 * whose weight is tied to one that stays (GPT-2's lm_head shares wte's weight) keeps it alive.
 */
export function disposeDetached(removed: readonly Module[], model: Module): void {
  const live = new Set(model.stateDict().values());
  for (const m of removed) for (const t of m.stateDict().values()) if (!live.has(t)) t.dispose();
}
