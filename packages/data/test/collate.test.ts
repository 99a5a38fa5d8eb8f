import { memory, setBackend, type Tensor } from '@peftjs/core';
import '@peftjs/backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { ByteTokenizer, IGNORE_INDEX, dataCollatorForLanguageModeling, dataCollatorWithPadding } from '../src/index.js';

beforeAll(async () => {
  await setBackend('cpu');
});

const read = async (t: Tensor) => ({ dtype: t.dtype, shape: [...t.shape], values: await t.array() });
const dispose = (batch: Record<string, Tensor | undefined>) => Object.values(batch).forEach((t) => t?.dispose());

describe('collators', () => {
  it('pads a classification batch into int32 tensors with labels [B]', async () => {
    const before = memory().numTensors;
    const collate = dataCollatorWithPadding({ padTokenId: 0 });
    const batch = collate([
      { inputIds: [5, 6, 7], label: 1 },
      { inputIds: [8], label: 0 },
    ]);
    expect(await read(batch.inputIds)).toEqual({
      dtype: 'int32',
      shape: [2, 3],
      values: [
        [5, 6, 7],
        [8, 0, 0],
      ],
    });
    expect(await read(batch.attentionMask)).toEqual({
      dtype: 'int32',
      shape: [2, 3],
      values: [
        [1, 1, 1],
        [1, 0, 0],
      ],
    });
    expect(await read(batch.labels!)).toEqual({ dtype: 'int32', shape: [2], values: [1, 0] });
    dispose({ ...batch });
    expect(memory().numTensors).toBe(before);
  });

  it('gives causal-LM labels with -100 at padding (left padding too), keeping a real token equal to the pad id', async () => {
    const tok = new ByteTokenizer({ specialTokens: ['<|endoftext|>'], padToken: '<|endoftext|>' });
    const examples = [{ inputIds: [...tok.encode('hi'), tok.eosTokenId!] }, { inputIds: tok.encode('a') }];
    const right = dataCollatorForLanguageModeling({ tokenizer: tok })(examples);
    expect(await right.inputIds.array()).toEqual([
      [104, 105, 256],
      [97, 256, 256],
    ]);
    expect(await right.labels!.array()).toEqual([
      [104, 105, 256],
      [97, IGNORE_INDEX, IGNORE_INDEX],
    ]);
    const left = dataCollatorForLanguageModeling({ tokenizer: tok, side: 'left' })(examples);
    expect(await left.inputIds.array()).toEqual([
      [104, 105, 256],
      [256, 256, 97],
    ]);
    expect(await left.attentionMask.array()).toEqual([
      [1, 1, 1],
      [0, 0, 1],
    ]);
    expect(await left.labels!.array()).toEqual([
      [104, 105, 256],
      [IGNORE_INDEX, IGNORE_INDEX, 97],
    ]);
    dispose({ ...right });
    dispose({ ...left });
  });

  it('pads per-token labels with -100 and truncates them with the inputs', async () => {
    const collate = dataCollatorForLanguageModeling({ padTokenId: 0, maxLength: 3, truncation: true });
    const batch = collate([
      { inputIds: [1, 2, 3, 4], labels: [IGNORE_INDEX, IGNORE_INDEX, 3, 4] },
      { inputIds: [5], labels: [5] },
    ]);
    expect(await batch.labels!.array()).toEqual([
      [IGNORE_INDEX, IGNORE_INDEX, 3],
      [5, IGNORE_INDEX, IGNORE_INDEX],
    ]);
    expect(await batch.inputIds.array()).toEqual([
      [1, 2, 3],
      [5, 0, 0],
    ]);
    dispose({ ...batch });
    const noLabels = dataCollatorWithPadding({ padTokenId: 0 })([{ inputIds: [1] }]);
    expect(noLabels.labels).toBeUndefined();
    dispose({ ...noLabels });
  });

  it('reports bad batches by name', () => {
    const before = memory().numTensors;
    expect(() => dataCollatorWithPadding({ tokenizer: new ByteTokenizer() })([{ inputIds: [1] }])).toThrow(
      'dataCollatorWithPadding: no padTokenId given and the tokenizer has no pad token',
    );
    expect(() => dataCollatorWithPadding({ padTokenId: 0 })([])).toThrow('dataCollatorWithPadding: needs a non-empty array of examples');
    expect(() => dataCollatorWithPadding({ padTokenId: 0 })([{ inputIds: [1], label: 1 }, { inputIds: [2] }])).toThrow(
      'dataCollatorWithPadding: some examples have a label and some do not (examples[1])',
    );
    expect(() => dataCollatorWithPadding({ padTokenId: 0 })([{ inputIds: [1], label: 0.5 }])).toThrow(
      'examples[0].label must be an integer class, got 0.5',
    );
    expect(() => dataCollatorForLanguageModeling({ padTokenId: 0 })([{ inputIds: [1, 2], labels: [1] }])).toThrow(
      'dataCollatorForLanguageModeling: examples[0] has 2 inputIds but 1 labels',
    );
    expect(memory().numTensors).toBe(before);
  });
});
