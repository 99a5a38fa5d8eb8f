import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memory, noGrad, setBackend, tensor, tidy } from '@peftjs/core';
import '@peftjs/backend-cpu';
import { fromPretrained } from '@peftjs/models/node';
import { GPT2LMHeadModel } from '@peftjs/models';
import { ByteTokenizer } from '@peftjs/data';
import { corpusBlocks, evenlySpaced } from '../src/pretrain/corpus.js';
import { evaluateLoss, combine } from '../src/pretrain/evaluate.js';
import { parsePretrainOptions } from '../src/pretrain/options.js';
import { runPretrain } from '../src/pretrain/run.js';

const COMMITTED = fileURLToPath(new URL('../models/byte-gpt2/', import.meta.url));

/** Cross-entropy (nats per byte) of a unigram byte model fitted to the training splits (add-one smoothing). */
function unigramLoss(train: readonly Int32Array[], held: readonly Int32Array[], vocab: number): number {
  const counts = new Float64Array(vocab).fill(1);
  for (const block of train) for (const id of block) counts[id]++;
  const total = counts.reduce((a, b) => a + b, 0);
  let nll = 0;
  let n = 0;
  for (const block of held) {
    for (let i = 1; i < block.length; i++) {
      nll -= Math.log(counts[block[i]] / total);
      n++;
    }
  }
  return nll / n;
}

beforeAll(async () => {
  await setBackend('cpu');
});

async function loadByteGpt2(dir: string): Promise<GPT2LMHeadModel> {
  const model = await fromPretrained(dir);
  if (!(model instanceof GPT2LMHeadModel)) throw new Error(`expected a GPT2LMHeadModel in ${dir}`);
  return model;
}

describe('pretrain', () => {
  const out = mkdtempSync(join(tmpdir(), 'pretrain-test-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('trains a tiny model for a few steps and writes a checkpoint that fromPretrained loads', async () => {
    const options = parsePretrainOptions([
      '--steps',
      '3',
      '--batch-size',
      '2',
      '--block-size',
      '16',
      '--n-layer',
      '1',
      '--n-head',
      '2',
      '--n-embd',
      '16',
      '--eval-blocks',
      '2',
      '--out',
      out,
      '--no-progress',
    ]);
    const before = memory().numTensors;
    const record = await runPretrain(options, 'pretrain test', { log: () => undefined });
    expect(memory().numTensors).toBe(before);
    expect(record.options.steps).toBe(3);
    expect(Number.isFinite(record.validation.all.loss)).toBe(true);

    const model = await loadByteGpt2(out);
    expect(model.config.vocabSize).toBe(257);
    expect(model.config.nEmbd).toBe(16);
    const logits = tidy(() =>
      noGrad(() => model.forward({ inputIds: tensor(Int32Array.from([72, 105, 33, 256]), { shape: [1, 4], dtype: 'int32' }) }).logits),
    );
    expect(logits.shape).toEqual([1, 4, 257]);
    expect((await logits.data()).every(Number.isFinite)).toBe(true);
    logits.dispose();

    const written = JSON.parse(readFileSync(join(out, 'training.json'), 'utf8'));
    expect(written.command).toBe('pretrain test');
    expect(written.options.seed).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'tokenizer_config.json'), 'utf8')).eos_token).toBeTruthy();
    expect(new ByteTokenizer().encode('Hi!')).toEqual([72, 105, 33]);
    expect(readFileSync(join(out, 'TRAINING.md'), 'utf8')).toContain('pretrain test');
  }, 120_000);

  it('is deterministic: the same seed gives the same weights', async () => {
    const again = mkdtempSync(join(tmpdir(), 'pretrain-test-'));
    try {
      await runPretrain(
        parsePretrainOptions([
          '--steps',
          '3',
          '--batch-size',
          '2',
          '--block-size',
          '16',
          '--n-layer',
          '1',
          '--n-head',
          '2',
          '--n-embd',
          '16',
          '--eval-blocks',
          '2',
          '--out',
          again,
          '--no-progress',
        ]),
        'pretrain test',
        { log: () => undefined },
      );
      expect(readFileSync(join(again, 'model.safetensors')).equals(readFileSync(join(out, 'model.safetensors')))).toBe(true);
    } finally {
      rmSync(again, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('the committed byte-gpt2 model', () => {
  it('loads and predicts held-out text better than a uniform byte model and a unigram byte model', async () => {
    const model = await loadByteGpt2(COMMITTED);
    const tokenizer = new ByteTokenizer();
    const blockSize = model.config.nPositions;
    const validation = corpusBlocks(tokenizer, 'validation', blockSize).map((c) => evenlySpaced(c.blocks, 4));
    const evaluations = [];
    for (const blocks of validation) evaluations.push(await evaluateLoss(model, blocks, 4));
    const evaluation = combine(evaluations);
    expect(evaluation.perplexity).toBeLessThan(256);
    const train = corpusBlocks(tokenizer, 'train', blockSize).flatMap((c) => c.blocks);
    expect(evaluation.loss).toBeLessThan(unigramLoss(train, validation.flat(), 257));
  }, 120_000);
});
