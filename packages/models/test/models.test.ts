import '@peftjs/backend-cpu';
import { AdamW, manualSeed, memory, randn, setBackend, tensor, tidy, type Tensor } from '@peftjs/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BertConfig,
  BertForSequenceClassification,
  BertModel,
  GPT2Config,
  GPT2LMHeadModel,
  LlamaConfig,
  LlamaForCausalLM,
  ViTConfig,
  ViTForImageClassification,
  loadPretrained,
  memorySink,
  memorySource,
  savePretrained,
  type ModelOutput,
  type PreTrainedModel,
  type PreTrainedModelWith,
} from '../src/index.js';

const shapes = (m: PreTrainedModel) => Object.fromEntries([...m.stateDict()].map(([k, t]) => [k, t.shape]));

/** A few AdamW steps on one batch; returns the first and last loss. */
async function train(model: PreTrainedModelWith<ModelOutput>, inputs: Record<string, Tensor>, steps = 8): Promise<[number, number]> {
  const opt = new AdamW(model.parameters(), { lr: 1e-2, weightDecay: 0 });
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const loss = tidy(() => model.forward(inputs).loss!);
    losses.push((await loss.data())[0]);
    loss.backward();
    opt.step();
    opt.zeroGrad();
    loss.dispose();
  }
  return [losses[0], losses[losses.length - 1]];
}

describe('model families', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  it("BERT uses HF's names and shapes; BertForSequenceClassification's loss goes down", async () => {
    manualSeed(1);
    const config = new BertConfig({
      vocabSize: 20,
      hiddenSize: 8,
      numHiddenLayers: 2,
      numAttentionHeads: 2,
      intermediateSize: 16,
      maxPositionEmbeddings: 10,
      numLabels: 3,
      hiddenDropoutProb: 0,
      attentionProbsDropoutProb: 0,
    });
    const model = new BertForSequenceClassification(config);
    const s = shapes(model);
    expect(s).toMatchObject({
      'bert.embeddings.word_embeddings.weight': [20, 8],
      'bert.embeddings.position_embeddings.weight': [10, 8],
      'bert.embeddings.token_type_embeddings.weight': [2, 8],
      'bert.embeddings.LayerNorm.weight': [8],
      'bert.embeddings.LayerNorm.bias': [8],
      'bert.encoder.layer.0.attention.self.query.weight': [8, 8],
      'bert.encoder.layer.0.attention.self.key.bias': [8],
      'bert.encoder.layer.1.attention.self.value.weight': [8, 8],
      'bert.encoder.layer.0.attention.output.dense.weight': [8, 8],
      'bert.encoder.layer.0.attention.output.LayerNorm.weight': [8],
      'bert.encoder.layer.0.intermediate.dense.weight': [16, 8],
      'bert.encoder.layer.0.output.dense.weight': [8, 16],
      'bert.encoder.layer.0.output.LayerNorm.bias': [8],
      'bert.pooler.dense.weight': [8, 8],
      'classifier.weight': [3, 8],
      'classifier.bias': [3],
    });
    expect(Object.keys(s).length).toBe(5 + 2 * 16 + 2 + 2);
    // HF init: padding row zero, LayerNorm ones
    expect([...(await model.stateDict().get('bert.embeddings.word_embeddings.weight')!.data())].slice(0, 8).every((v) => v === 0)).toBe(
      true,
    );
    const inputIds = tensor(
      [
        [2, 5, 7, 1],
        [3, 3, 9, 0],
      ],
      { dtype: 'int32' },
    );
    const attentionMask = tensor(
      [
        [1, 1, 1, 1],
        [1, 1, 1, 0],
      ],
      { dtype: 'int32' },
    );
    const labels = tensor([2, 0], { dtype: 'int32' });
    const [first, last] = await train(model, { inputIds, attentionMask, labels }, 25);
    expect(first).toBeGreaterThan(0.5);
    expect(last).toBeLessThan(first * 0.5);
    // padding does not change the other positions: masked token's id is irrelevant
    model.eval();
    const a = model.forward({ inputIds, attentionMask }).logits;
    const b = model.forward({
      inputIds: tensor(
        [
          [2, 5, 7, 1],
          [3, 3, 9, 17],
        ],
        { dtype: 'int32' },
      ),
      attentionMask,
    }).logits;
    const [da, db] = [await a.data(), await b.data()];
    da.forEach((v, i) => expect(Math.abs(v - db[i])).toBeLessThan(1e-5));
    const base = new BertModel(config);
    expect(Object.keys(shapes(base))[0]).toBe('embeddings.word_embeddings.weight');
    model.dispose();
    base.dispose();
  });

  it("ViT uses HF's names and shapes; ViTForImageClassification's loss goes down", async () => {
    manualSeed(2);
    const config = new ViTConfig({
      imageSize: 8,
      patchSize: 4,
      numChannels: 3,
      hiddenSize: 8,
      numHiddenLayers: 1,
      numAttentionHeads: 2,
      intermediateSize: 16,
      numLabels: 2,
    });
    const model = new ViTForImageClassification(config);
    expect(shapes(model)).toEqual({
      'vit.embeddings.cls_token': [1, 1, 8],
      'vit.embeddings.position_embeddings': [1, 5, 8],
      'vit.embeddings.patch_embeddings.projection.weight': [8, 3, 4, 4],
      'vit.embeddings.patch_embeddings.projection.bias': [8],
      'vit.encoder.layer.0.attention.attention.query.weight': [8, 8],
      'vit.encoder.layer.0.attention.attention.query.bias': [8],
      'vit.encoder.layer.0.attention.attention.key.weight': [8, 8],
      'vit.encoder.layer.0.attention.attention.key.bias': [8],
      'vit.encoder.layer.0.attention.attention.value.weight': [8, 8],
      'vit.encoder.layer.0.attention.attention.value.bias': [8],
      'vit.encoder.layer.0.attention.output.dense.weight': [8, 8],
      'vit.encoder.layer.0.attention.output.dense.bias': [8],
      'vit.encoder.layer.0.intermediate.dense.weight': [16, 8],
      'vit.encoder.layer.0.intermediate.dense.bias': [16],
      'vit.encoder.layer.0.output.dense.weight': [8, 16],
      'vit.encoder.layer.0.output.dense.bias': [8],
      'vit.encoder.layer.0.layernorm_before.weight': [8],
      'vit.encoder.layer.0.layernorm_before.bias': [8],
      'vit.encoder.layer.0.layernorm_after.weight': [8],
      'vit.encoder.layer.0.layernorm_after.bias': [8],
      'vit.layernorm.weight': [8],
      'vit.layernorm.bias': [8],
      'classifier.weight': [2, 8],
      'classifier.bias': [2],
    });
    const pixelValues = randn([2, 3, 8, 8]);
    const labels = tensor([1, 0], { dtype: 'int32' });
    const [first, last] = await train(model, { pixelValues, labels }, 15);
    expect(last).toBeLessThan(first * 0.5);
    expect(() => model.forward({ pixelValues: randn([1, 3, 4, 4]) })).toThrow(
      'ViTModel.forward: pixelValues must be [batch, 3, 8, 8], got [1,3,4,4]',
    );
    model.dispose();
  });

  it('GPT-2 and Llama: causal-LM loss goes down, tied heads train once, forward leaks nothing', async () => {
    manualSeed(3);
    const gpt2 = new GPT2LMHeadModel(
      new GPT2Config({ vocabSize: 16, nPositions: 8, nEmbd: 8, nLayer: 1, nHead: 2, embdPdrop: 0, residPdrop: 0, attnPdrop: 0 }),
    );
    expect(gpt2.stateDict().get('lm_head.weight')).toBe(gpt2.stateDict().get('transformer.wte.weight'));
    const llama = new LlamaForCausalLM(
      new LlamaConfig({
        vocabSize: 16,
        hiddenSize: 8,
        intermediateSize: 16,
        numHiddenLayers: 1,
        numAttentionHeads: 2,
        numKeyValueHeads: 1,
        maxPositionEmbeddings: 8,
      }),
    );
    const inputIds = tensor([[1, 2, 3, 4, 5, 6]], { dtype: 'int32' });
    for (const model of [gpt2, llama]) {
      const before = memory().numTensors;
      const out = model.forward({ inputIds, labels: inputIds });
      expect(out.logits.shape).toEqual([1, 6, 16]);
      expect(Math.abs((await out.loss!.data())[0] - Math.log(16))).toBeLessThan(0.2);
      out.logits.dispose();
      out.loss!.dispose();
      expect(memory().numTensors).toBe(before);
      const [first, last] = await train(model, { inputIds, labels: inputIds }, 15);
      expect(last).toBeLessThan(first * 0.75);
    }
    const count = memory().numTensors;
    new LlamaForCausalLM(llama.config).dispose();
    new GPT2LMHeadModel(gpt2.config).dispose();
    expect(memory().numTensors).toBe(count);
    expect(() => llama.forward({ inputIds: tensor([1, 2], { dtype: 'int32' }) })).toThrow(
      'LlamaForCausalLM.forward: inputIds must be [batch, seq], got [2]',
    );
    gpt2.dispose();
    llama.dispose();
  });

  it('configs read HF JSON (extra fields kept), reject impossible values naming the field, and write HF names', () => {
    const json = {
      model_type: 'gpt2',
      n_embd: 16,
      n_head: 4,
      n_layer: 2,
      vocab_size: 100,
      task_specific_params: { x: 1 },
      architectures: ['GPT2LMHeadModel'],
    };
    const c = GPT2Config.fromJSON(json);
    expect([c.nEmbd, c.nHead, c.nLayer, c.vocabSize, c.nPositions]).toEqual([16, 4, 2, 100, 1024]);
    const out = c.toJSON('GPT2LMHeadModel');
    expect(out).toMatchObject({
      n_embd: 16,
      task_specific_params: { x: 1 },
      model_type: 'gpt2',
      architectures: ['GPT2LMHeadModel'],
      tie_word_embeddings: true,
    });
    expect(GPT2Config.fromJSON(out).toJSON('GPT2LMHeadModel')).toEqual(out);
    expect(() => GPT2Config.fromJSON({ n_embd: 'big' })).toThrow('GPT2Config: nEmbd (n_embd) must be a positive integer, got "big"');
    expect(() => GPT2Config.fromJSON({ n_embd: 10, n_head: 4 })).toThrow('GPT2Config: nEmbd (n_embd) 10 must be divisible by n_head 4');
    expect(() => LlamaConfig.fromJSON({ model_type: 'llama', num_attention_heads: 4, num_key_value_heads: 3, hidden_size: 32 })).toThrow(
      'LlamaConfig: numKeyValueHeads (num_key_value_heads) 3 must divide num_attention_heads 4',
    );
    expect(() => LlamaConfig.fromJSON({ rms_norm_eps: -1 })).toThrow(
      'LlamaConfig: rmsNormEps (rms_norm_eps) must be a non-negative number, got -1',
    );
    expect(() => LlamaConfig.fromJSON({ model_type: 'bert' })).toThrow('LlamaConfig.fromJSON: model_type is "bert", expected "llama"');
    const bert = BertConfig.fromJSON({
      model_type: 'bert',
      id2label: { 0: 'neg', 1: 'neutral', 2: 'pos' },
      label2id: { neg: 0, neutral: 1, pos: 2 },
    });
    expect(bert.numLabels).toBe(3);
    expect(bert.toJSON()).toMatchObject({ id2label: { 0: 'neg', 1: 'neutral', 2: 'pos' }, label2id: { neg: 0, neutral: 1, pos: 2 } });
    expect(bert.toJSON()).not.toHaveProperty('num_labels');
    expect(() => BertConfig.fromJSON({ problem_type: 'ranking' })).toThrow(
      'BertConfig: problemType (problem_type) must be one of regression, single_label_classification, multi_label_classification or null, got "ranking"',
    );
    expect(() => ViTConfig.fromJSON({ hidden_dropout_prob: 2 })).toThrow(
      'ViTConfig: hiddenDropoutProb (hidden_dropout_prob) must be a number in [0, 1], got 2',
    );
  });

  it('save and load through memory file sources pick the class from architectures; a base checkpoint loads a fresh classifier', async () => {
    manualSeed(4);
    const config = new BertConfig({
      vocabSize: 12,
      hiddenSize: 4,
      numHiddenLayers: 1,
      numAttentionHeads: 1,
      intermediateSize: 8,
      maxPositionEmbeddings: 6,
    });
    const base = new BertModel(config);
    const sink = memorySink();
    await savePretrained(base, sink);
    expect(JSON.parse(sink.files.get('config.json') as string).architectures).toEqual(['BertModel']);
    const reloaded = await loadPretrained(memorySource(sink.files));
    expect(reloaded).toBeInstanceOf(BertModel);
    const asClassifier = JSON.parse(sink.files.get('config.json') as string);
    asClassifier.architectures = ['BertForSequenceClassification'];
    const cls = await loadPretrained<BertForSequenceClassification>(
      memorySource({ ...Object.fromEntries(sink.files), 'config.json': JSON.stringify(asClassifier) }),
    );
    expect(cls).toBeInstanceOf(BertForSequenceClassification);
    expect(await cls.bert.stateDict().get('encoder.layer.0.attention.self.query.weight')!.data()).toEqual(
      await base.stateDict().get('encoder.layer.0.attention.self.query.weight')!.data(),
    );
    await expect(loadPretrained(memorySource({ 'config.json': '{"model_type":"t5"}' }))).rejects.toThrow(
      'loadPretrained: unknown model_type "t5"',
    );
    [base, reloaded, cls].forEach((m) => m.dispose());
  });
});
