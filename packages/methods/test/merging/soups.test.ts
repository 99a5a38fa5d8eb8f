import '@peftjs/backend-cpu';
import { dispose, memory, setBackend, tensor, type Tensor } from '@peftjs/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { greedySoup, modelSoup, type StateDict } from '../../src/merging/index.js';

beforeAll(async () => {
  await setBackend('cpu');
});

const model = (w: number[], extra: number[] = [0]): Map<string, Tensor> =>
  new Map([
    ['w', tensor(w, { dtype: 'float64' })],
    ['b', tensor(extra, { dtype: 'float64' })],
  ]);
const weightsOf = async (s: StateDict) => [...(await s.get('w')!.data())];
const release = (...states: StateDict[]) => dispose(states.flatMap((s) => [...s.values()]));

describe('model soups', () => {
  it('modelSoup averages, uniformly or with weights', async () => {
    const ms = [model([1, 2], [1]), model([3, 6], [2]), model([5, -1], [3])];
    const uniform = await modelSoup(ms);
    expect(await weightsOf(uniform)).toEqual([3, 7 / 3]);
    expect([...(await uniform.get('b')!.data())]).toEqual([2]);
    const weighted = await modelSoup(ms, { weights: [1, 1, 2] });
    expect(await weightsOf(weighted)).toEqual([(1 + 3 + 10) / 4, (2 + 6 - 2) / 4]);
    await expect(modelSoup(ms, { weights: [1, -1, 0] })).rejects.toThrow(
      'modelSoup: weights sum to 0 ([1, -1, 0]); a soup needs a non-zero total',
    );
    await expect(modelSoup([ms[0], new Map([['w', ms[1].get('w')!]])])).rejects.toThrow(
      'modelSoup: states[1] lacks "b" (states[0] has it, float64 [1])',
    );
    release(...ms, uniform, weighted);
  });

  it('greedySoup adds candidates in order of their own score while the soup does not get worse', async () => {
    // held-out score: closeness of w to the target [1, 1]; candidate 3 is noise that spoils any soup
    const target = [1, 1];
    const evaluate = async (s: StateDict) => -(await weightsOf(s)).reduce((acc, x, i) => acc + (x - target[i]) ** 2, 0);
    const candidates = [model([1.2, 0.7]), model([0.7, 1.4]), model([1.1, 1.1]), model([9, -9]), model([0.5, 0.5])];
    const before = memory().numTensors;
    const calls: number[][] = [];
    const result = await greedySoup(candidates, async (s) => {
      calls.push(await weightsOf(s));
      return evaluate(s);
    });
    // own scores: −0.13, −0.25, −0.02, −164, −0.5 → order 2, 0, 1, 4, 3
    expect(result.scores.map((s) => Number(s.toFixed(4)))).toEqual([-0.13, -0.25, -0.02, -164, -0.5]);
    // soup {2,0}: [1.15, 0.9] → −0.0325 < −0.02: rejected; {2,1}: [0.9, 1.25] → −0.0725: rejected;
    // {2,4}: [0.8, 0.8] → −0.08: rejected; {2,3}: rejected. So the soup is candidate 2 alone.
    expect(result.ingredients).toEqual([2]);
    expect(await weightsOf(result.state)).toEqual([1.1, 1.1]);
    expect(calls.length).toBe(5 + 4);
    release(result.state);
    expect(memory().numTensors).toBe(before);

    // with complementary errors the soup improves: [1.2, 0.8] and [0.8, 1.2] average to the target
    const pair = [model([1.2, 0.8]), model([0.8, 1.2]), model([1.3, 1.3]), model([3, 3])];
    const withPair = memory().numTensors;
    const soup = await greedySoup(pair, evaluate);
    // {0,1} = [1, 1] scores 0 >= −0.08: kept; {0,1,2} = [1.1, 1.1] scores −0.02 < 0: rejected
    expect(soup.ingredients).toEqual([0, 1]);
    expect(await weightsOf(soup.state)).toEqual([1, 1]);
    expect(soup.score).toBe(-0);
    release(soup.state);
    expect(memory().numTensors).toBe(withPair);

    // a loss instead of a score, and precomputed scores
    const byLoss = await greedySoup(pair, async (s) => -(await evaluate(s)), { greaterIsBetter: false, scores: [0.08, 0.08, 0.18, 8] });
    expect(byLoss.ingredients).toEqual([0, 1]);
    release(byLoss.state);
    await expect(greedySoup(pair, evaluate, { scores: [1] })).rejects.toThrow(
      'greedySoup: scores must have one number per candidate (4), got 1',
    );
    await expect(greedySoup(pair, () => Number.NaN)).rejects.toThrow(
      'greedySoup: got the score NaN for candidates[0]; scores must be numbers',
    );
    expect(memory().numTensors).toBe(withPair);
    // an evaluator failing on a soup leaves nothing behind either
    let calls2 = 0;
    const failing = async (s: StateDict) => {
      if (++calls2 === 6) throw new Error('evaluation failed');
      return evaluate(s);
    };
    await expect(greedySoup(pair, failing)).rejects.toThrow('evaluation failed');
    expect(memory().numTensors).toBe(withPair);
    release(...candidates, ...pair);
  });
});
