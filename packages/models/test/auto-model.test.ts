import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@peftjs/backend-cpu';
import { manualSeed, setBackend, tensor, tidy, type KeyValueCache, type Tensor } from '@peftjs/core';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import {
  AutoModelForCausalLM as AutoFromSource,
  BertConfig,
  BertModel,
  GPT2Config,
  GPT2ForSequenceClassification,
  GPT2LMHeadModel,
  LlamaConfig,
  LlamaForCausalLM,
  memorySink,
  memorySource,
  savePretrained as saveToSink,
  type CausalLMOutput,
  type PastKeyValues,
  type SequenceClassifierOutput,
} from '../src/index.js';
import { AutoModelForCausalLM, AutoModelForSequenceClassification, fromPretrained, savePretrained } from '../src/node/index.js';

const tinyGpt2 = () => new GPT2Config({ vocabSize: 32, nPositions: 16, nEmbd: 8, nLayer: 1, nHead: 2, padTokenId: 0 });

async function savedTo(model: Parameters<typeof savePretrained>[0]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'peftjs-auto-'));
  await savePretrained(model, dir);
  model.dispose();
  return dir;
}

describe('Auto classes', () => {
  beforeAll(async () => {
    await setBackend('cpu');
    manualSeed(7);
  });

  it('AutoModelForCausalLM loads GPT-2 and Llama with typed outputs and remembers the folder', async () => {
    const dirs = [
      await savedTo(new GPT2LMHeadModel(tinyGpt2())),
      await savedTo(
        new LlamaForCausalLM(
          new LlamaConfig({
            vocabSize: 32,
            hiddenSize: 8,
            intermediateSize: 16,
            numHiddenLayers: 1,
            numAttentionHeads: 2,
            numKeyValueHeads: 1,
            maxPositionEmbeddings: 16,
          }),
        ),
      ),
    ];
    const classes = [];
    for (const dir of dirs) {
      const model = await AutoModelForCausalLM.fromPretrained(dir);
      classes.push(model.constructor.name);
      expect(model.nameOrPath).toBe(dir);
      const inputIds = tensor([[1, 2, 3, 4]], { dtype: 'int32' });
      const loss = tidy(() => {
        const { logits, loss } = model.forward({ inputIds, labels: inputIds });
        expectTypeOf(logits).toEqualTypeOf<Tensor>();
        expectTypeOf(loss).toEqualTypeOf<Tensor | undefined>();
        expect(logits.shape).toEqual([1, 4, 32]);
        return loss!;
      });
      expect(Number.isFinite(await loss.item())).toBe(true);
      loss.dispose();
      inputIds.dispose();
      model.dispose();
    }
    expect(classes).toEqual(['GPT2LMHeadModel', 'LlamaForCausalLM']);
    expectTypeOf<Awaited<ReturnType<typeof AutoModelForCausalLM.fromPretrained>>['forward']>().returns.toEqualTypeOf<CausalLMOutput>();
    expectTypeOf<CausalLMOutput['pastKeyValues']>().toEqualTypeOf<PastKeyValues | KeyValueCache | undefined>();
  });

  it('AutoModelForSequenceClassification loads a language-model checkpoint with a fresh score head', async () => {
    const dir = await savedTo(new GPT2LMHeadModel(tinyGpt2()));
    const model = await AutoModelForSequenceClassification.fromPretrained(dir);
    expect(model).toBeInstanceOf(GPT2ForSequenceClassification);
    expectTypeOf(model.forward).returns.toEqualTypeOf<SequenceClassifierOutput>();
    const { logits } = model.forward({ inputIds: tensor([[1, 2, 3]], { dtype: 'int32' }) });
    expect(logits.shape).toEqual([1, 2]);
    model.dispose();
  });

  it('refuses a model type the task has no class for, naming the known ones', async () => {
    const dir = await savedTo(
      new BertModel(
        new BertConfig({
          vocabSize: 32,
          hiddenSize: 8,
          numHiddenLayers: 1,
          numAttentionHeads: 2,
          intermediateSize: 16,
          maxPositionEmbeddings: 16,
        }),
      ),
    );
    await expect(AutoModelForCausalLM.fromPretrained(dir)).rejects.toThrow(
      'AutoModelForCausalLM: no causal language model class for model_type "bert"; known: gpt2, llama',
    );
  });

  it('the main entry loads from any FileSource', async () => {
    const sink = memorySink();
    const source = new GPT2LMHeadModel(tinyGpt2());
    await saveToSink(source, sink);
    source.dispose();
    const model = await AutoFromSource.fromPretrained(memorySource(sink.files), { nameOrPath: 'tiny-gpt2' });
    expect(model).toBeInstanceOf(GPT2LMHeadModel);
    expect(model.nameOrPath).toBe('tiny-gpt2');
    model.dispose();
  });

  it('fromPretrained(dir) keeps the folder as nameOrPath', async () => {
    const dir = await savedTo(new GPT2LMHeadModel(tinyGpt2()));
    const model = await fromPretrained(dir);
    expect(model.nameOrPath).toBe(dir);
    model.dispose();
  });
});
