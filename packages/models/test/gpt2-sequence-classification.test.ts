import '@peftjs/backend-cpu';
import { AdamW, manualSeed, memory, noGrad, setBackend, tensor, tidy, type Tensor } from '@peftjs/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  GPT2Config,
  GPT2ForSequenceClassification,
  GPT2LMHeadModel,
  loadPretrained,
  memorySink,
  memorySource,
  readCheckpoint,
  savePretrained,
} from '../src/index.js';

const config = (init = {}) =>
  new GPT2Config({ vocabSize: 20, nPositions: 8, nEmbd: 8, nLayer: 2, nHead: 2, embdPdrop: 0, residPdrop: 0, attnPdrop: 0, ...init });

const ids = (rows: number[][]) => tensor(rows, { dtype: 'int32' });
const values = async (t: Tensor) => [...(await t.data())];

/** score(h) for one unpadded row, from the base model's hidden state at its last position. */
async function rowLogits(model: GPT2ForSequenceClassification, row: number[]): Promise<number[]> {
  const out = tidy(() =>
    noGrad(() => {
      const h = model.transformer.forward({ inputIds: ids([row]) }).lastHiddenState;
      return h
        .slice(1, row.length - 1, row.length)
        .reshape([1, 8])
        .matmul(model.score.weight.transpose(0, 1));
    }),
  );
  const v = await values(out);
  out.dispose();
  return v;
}

function expectClose(actual: number[], expected: number[], tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => expect(Math.abs(a - expected[i])).toBeLessThan(tol * Math.max(1, Math.abs(expected[i]))));
}

describe('GPT2ForSequenceClassification', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  it("has HF's names: the transformer and a bias-free score [numLabels, nEmbd]", () => {
    manualSeed(0);
    const model = new GPT2ForSequenceClassification(config({ numLabels: 3 }));
    const shapes = Object.fromEntries([...model.stateDict()].map(([k, t]) => [k, t.shape]));
    expect(shapes['score.weight']).toEqual([3, 8]);
    expect(shapes['transformer.wte.weight']).toEqual([20, 8]);
    expect(shapes['transformer.h.1.attn.c_attn.weight']).toEqual([8, 24]);
    expect(Object.keys(shapes).filter((k) => k.startsWith('score'))).toEqual(['score.weight']);
    model.dispose();
  });

  it('reads each row at its last real token: the attention mask (with ids or inputsEmbeds) or, without one, the last non-pad id', async () => {
    manualSeed(1);
    const model = new GPT2ForSequenceClassification(config({ padTokenId: 0 }));
    const rows = [
      [5, 7, 9, 11, 13],
      [3, 4],
      [6, 2, 8],
    ];
    const padded = rows.map((r) => [...r, ...Array(5 - r.length).fill(0)]);
    const mask = rows.map((r) => [...r.map(() => 1), ...Array(5 - r.length).fill(0)]);
    const expected = (await Promise.all(rows.map((r) => rowLogits(model, r)))).flat();

    const before = memory().numTensors;
    const withMask = tidy(() => noGrad(() => model.forward({ inputIds: ids(padded), attentionMask: ids(mask) }).logits));
    const byPadId = tidy(() => noGrad(() => model.forward({ inputIds: ids(padded) }).logits));
    expect(withMask.shape).toEqual([3, 2]);
    expectClose(await values(withMask), expected);
    expectClose(await values(byPadId), expected);
    // inputsEmbeds (what prompt learning passes) pool by the mask the same way
    const byEmbeds = tidy(() =>
      noGrad(() => model.forward({ inputsEmbeds: model.transformer.wte.forward(ids(padded)), attentionMask: ids(mask) }).logits),
    );
    expectClose(await values(byEmbeds), expected);
    withMask.dispose();
    byPadId.dispose();
    byEmbeds.dispose();
    expect(memory().numTensors).toBe(before);
    model.dispose();
  });

  it('takes the last position of a single row with no pad token, and refuses a batch it cannot read', async () => {
    manualSeed(2);
    const model = new GPT2ForSequenceClassification(config());
    const logits = tidy(() => noGrad(() => model.forward({ inputIds: ids([[1, 2, 3]]) }).logits));
    expectClose(await values(logits), await rowLogits(model, [1, 2, 3]));
    logits.dispose();
    expect(() =>
      model.forward({
        inputIds: ids([
          [1, 2],
          [3, 4],
        ]),
      }),
    ).toThrow(
      'GPT2ForSequenceClassification.forward: cannot find the last token of 2 rows [2,2] without an attentionMask or config.padTokenId',
    );
    model.dispose();
  });

  it('computes the cross-entropy of the pooled logits, and training lowers it', async () => {
    manualSeed(3);
    const model = new GPT2ForSequenceClassification(config({ padTokenId: 0, numLabels: 3 }));
    const batch = {
      inputIds: ids([
        [4, 5, 6, 0],
        [7, 8, 0, 0],
        [9, 10, 11, 12],
      ]),
      attentionMask: ids([
        [1, 1, 1, 0],
        [1, 1, 0, 0],
        [1, 1, 1, 1],
      ]),
      labels: tensor([2, 0, 1], { dtype: 'int32' }),
    };
    const out = tidy(() => noGrad(() => model.forward(batch)));
    const logits = await values(out.logits);
    const labels = [2, 0, 1];
    // mean over rows of logsumexp(row) − row[label]
    const expected =
      labels.reduce((s, y, i) => {
        const row = logits.slice(3 * i, 3 * i + 3);
        const m = Math.max(...row);
        return s + m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0)) - row[y];
      }, 0) / 3;
    expectClose([await out.loss!.item()], [expected]);
    out.logits.dispose();
    out.loss!.dispose();

    const opt = new AdamW(model.parameters(), { lr: 1e-2, weightDecay: 0 });
    const losses: number[] = [];
    let afterFirst = 0; // the optimizer's state is made at its first step
    for (let i = 0; i < 15; i++) {
      const loss = tidy(() => model.forward(batch).loss!);
      losses.push(await loss.item());
      loss.backward();
      opt.step();
      opt.zeroGrad();
      loss.dispose();
      if (i === 0) afterFirst = memory().numTensors;
    }
    expect(memory().numTensors).toBe(afterFirst);
    expect(losses[14]).toBeLessThan(losses[0] * 0.5);
    opt.dispose();
    model.dispose();
    Object.values(batch).forEach((t) => t.dispose());
  });

  it('loads a language-model checkpoint with a fresh score head, and its own checkpoints by architecture', async () => {
    manualSeed(4);
    const lm = new GPT2LMHeadModel(config());
    const sink = memorySink();
    await savePretrained(lm, sink);
    const lmJSON = JSON.parse(sink.files.get('config.json') as string);
    expect(lmJSON).not.toHaveProperty('pad_token_id');
    expect(lmJSON).not.toHaveProperty('id2label');

    const classifier = new GPT2ForSequenceClassification(
      GPT2Config.fromJSON({ ...lmJSON, pad_token_id: 0, id2label: { 0: 'ham', 1: 'spam' } }),
    );
    const state = await readCheckpoint(memorySource(sink.files));
    state.set('lm_head.weight', lm.stateDict().get('lm_head.weight')!.clone()); // some LM checkpoints carry the head: it is not used
    const result = classifier.loadWeights(state);
    state.forEach((t) => t.dispose());
    expect(result.missingKeys).toEqual(['score.weight']);
    expect(await values(classifier.transformer.stateDict().get('h.1.mlp.c_fc.weight')!)).toEqual(
      await values(lm.transformer.stateDict().get('h.1.mlp.c_fc.weight')!),
    );

    const saved = memorySink();
    await savePretrained(classifier, saved);
    const json = JSON.parse(saved.files.get('config.json') as string);
    expect(json).toMatchObject({
      architectures: ['GPT2ForSequenceClassification'],
      pad_token_id: 0,
      id2label: { 0: 'ham', 1: 'spam' },
      label2id: { ham: 0, spam: 1 },
    });
    const reloaded = await loadPretrained<GPT2ForSequenceClassification>(memorySource(saved.files));
    expect(reloaded).toBeInstanceOf(GPT2ForSequenceClassification);
    expect(reloaded.config.padTokenId).toBe(0);
    const input = { inputIds: ids([[3, 4, 5, 0]]), attentionMask: ids([[1, 1, 1, 0]]) };
    const [a, b] = [classifier, reloaded].map((m) => tidy(() => noGrad(() => m.forward(input).logits)));
    expect(await values(b)).toEqual(await values(a));
    [a, b, input.inputIds, input.attentionMask].forEach((t) => t.dispose());
    [lm, classifier, reloaded].forEach((m) => m.dispose());
  });

  it('rejects a mask of the wrong shape and impossible label settings, naming them', () => {
    const model = new GPT2ForSequenceClassification(config({ padTokenId: 0 }));
    expect(() => model.forward({ inputIds: ids([[1, 2, 3]]), attentionMask: ids([[1, 1]]) })).toThrow(
      'GPT2ForSequenceClassification.forward: attentionMask must be [1, 3], got [1,2]',
    );
    expect(() => config({ numLabels: 3, id2label: { 0: 'a', 1: 'b' } })).toThrow(
      'GPT2Config: id2label (id2label) has 2 labels but num_labels is 3',
    );
    expect(() => GPT2Config.fromJSON({ pad_token_id: 'x' })).toThrow(
      'GPT2Config: padTokenId (pad_token_id) must be an integer or null, got "x"',
    );
    model.dispose();
  });
});
