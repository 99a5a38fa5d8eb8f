/**
 * rng_state.json: the global Philox stream and the named ones (a Trainer's, each model's dropout).
 * Older checkpoints hold only `{ key, counter }` of the global stream. Every state is checked before
 * any generator is set, so a bad file changes nothing.
 */
import type { Generator } from '../random/generator.js';

type State = { key: [number, number]; counter: number };

const FILE = 'rng_state.json';

export function rngStateOf(global: Generator, named: ReadonlyMap<string, Generator> = new Map()): Record<string, State> {
  const out: Record<string, State> = { global: global.getState() };
  for (const [name, g] of named) Object.defineProperty(out, name, { value: g.getState(), enumerable: true });
  return out;
}

function checkState(value: unknown, where: string): State {
  const v = value as Partial<State> | null;
  const okKey = Array.isArray(v?.key) && v.key.length === 2 && v.key.every((k) => Number.isInteger(k) && k >= 0 && k <= 0xffffffff);
  if (!okKey || !Number.isSafeInteger(v!.counter) || v!.counter! < 0) {
    throw new Error(
      `restoreCheckpoint: ${FILE}${where} must be { key: [two uint32], counter: integer >= 0 }, got ${JSON.stringify(value)?.slice(0, 200)}`,
    );
  }
  return { key: [v!.key![0]!, v!.key![1]!], counter: v!.counter! };
}

/** Checks the file and returns what sets the generators, to run once everything else is restored. */
export function parseRngState(
  json: Record<string, unknown>,
  named: ReadonlyMap<string, Generator> = new Map(),
): { apply(global: Generator): void } {
  const legacy = Object.hasOwn(json, 'key');
  const global = checkState(legacy ? json : json.global, legacy ? '' : '.global');
  const states = new Map<Generator, State>();
  for (const [name, g] of named) {
    if (!legacy && Object.hasOwn(json, name)) states.set(g, checkState(json[name], `.${name}`));
  }
  return {
    apply(globalGenerator) {
      globalGenerator.setState(global);
      for (const [g, state] of states) g.setState(state);
    },
  };
}
