import { add, clone, dispose, div, mul, noGrad, tidy, type Tensor } from '@peftjs/core';
import { assertMatchingStates, mapStates, type StateDict } from './state-dict.js';
import { resolveWeights } from './validate.js';

export interface ModelSoupOptions {
  /** Mixing weights (default uniform); the soup is Σ wᵢ θᵢ / Σ wᵢ. */
  weights?: readonly number[];
}

/**
 * A model soup (Wortsman et al.): the (weighted) average of fine-tuned models' weights, key by key.
 * Integer tensors are copied from the first model. Returns a new state dict.
 */
export async function modelSoup(states: readonly StateDict[], options: ModelSoupOptions = {}): Promise<Map<string, Tensor>> {
  const fn = 'modelSoup';
  if (!Array.isArray(states) || states.length === 0) throw new RangeError(`${fn}: states must be a non-empty array of state dicts`);
  assertMatchingStates(fn, states[0], 'states[0]', states, 'states');
  const weights = resolveWeights(fn, options.weights, states.length);
  const total = weights.reduce((a, b) => a + b, 0);
  if (total === 0) throw new RangeError(`${fn}: weights sum to 0 ([${weights.join(', ')}]); a soup needs a non-zero total`);
  return mapStates(states[0], (key) =>
    noGrad(() =>
      tidy(() =>
        div(
          states.reduce<Tensor | null>((acc, s, i) => (acc ? add(acc, mul(s.get(key)!, weights[i])) : mul(s.get(key)!, weights[i])), null)!,
          total,
        ),
      ),
    ),
  );
}

export interface GreedySoupOptions {
  /** The candidates' own scores, when already known (skips evaluating each one alone). */
  scores?: readonly number[];
  /** true (default) when a higher score is better (accuracy); false for a loss. */
  greaterIsBetter?: boolean;
}

export interface GreedySoupResult {
  /** The soup: a new state dict owned by the caller. */
  state: Map<string, Tensor>;
  /** Indices into the candidates, in the order they entered the soup. */
  ingredients: number[];
  /** The soup's held-out score. */
  score: number;
  /** Each candidate's own score. */
  scores: number[];
}

/**
 * Greedy soup (Wortsman et al.): sort the candidates by their own held-out score, start from the best
 * and add each next one when the uniform soup with it scores at least as well. `evaluate` must not
 * dispose the state it is given.
 */
export async function greedySoup(
  candidates: readonly StateDict[],
  evaluate: (state: StateDict) => Promise<number> | number,
  options: GreedySoupOptions = {},
): Promise<GreedySoupResult> {
  const fn = 'greedySoup';
  if (!Array.isArray(candidates) || candidates.length === 0)
    throw new RangeError(`${fn}: candidates must be a non-empty array of state dicts`);
  if (typeof evaluate !== 'function') throw new TypeError(`${fn}: evaluate must be a function (state) => score`);
  assertMatchingStates(fn, candidates[0], 'candidates[0]', candidates, 'candidates');
  const { greaterIsBetter = true } = options;
  const checkScore = (score: unknown, what: string): number => {
    if (typeof score !== 'number' || Number.isNaN(score))
      throw new TypeError(`${fn}: got the score ${String(score)} for ${what}; scores must be numbers`);
    return score;
  };
  if (options.scores && (!Array.isArray(options.scores) || options.scores.length !== candidates.length)) {
    throw new RangeError(
      `${fn}: scores must have one number per candidate (${candidates.length}), got ${Array.isArray(options.scores) ? options.scores.length : String(options.scores)}`,
    );
  }
  const scores = options.scores ? options.scores.map((s, i) => checkScore(s, `scores[${i}]`)) : [];
  if (!options.scores) for (const [i, c] of candidates.entries()) scores.push(checkScore(await evaluate(c), `candidates[${i}]`));
  const better = (a: number, b: number) => (greaterIsBetter ? a >= b : a <= b);
  const order = candidates.map((_, i) => i).sort((a, b) => (greaterIsBetter ? scores[b] - scores[a] : scores[a] - scores[b]) || a - b);

  const ingredients = [order[0]];
  let best = scores[order[0]];
  let soup: Map<string, Tensor> | null = null;
  try {
    for (const next of order.slice(1)) {
      const trial = await modelSoup([...ingredients, next].map((i) => candidates[i]));
      let score: number;
      try {
        score = checkScore(await evaluate(trial), `the soup of candidates [${[...ingredients, next].join(', ')}]`);
      } catch (e) {
        dispose([...trial.values()]);
        throw e;
      }
      if (better(score, best)) {
        ingredients.push(next);
        best = score;
        if (soup) dispose([...soup.values()]);
        soup = trial;
      } else {
        dispose([...trial.values()]);
      }
    }
  } catch (e) {
    if (soup) dispose([...soup.values()]);
    throw e;
  }
  const state = soup ?? new Map([...candidates[order[0]]].map(([k, t]) => [k, noGrad(() => clone(t))]));
  return { state, ingredients, score: best, scores };
}
