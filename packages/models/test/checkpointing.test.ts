import '@peftjs/backend-cpu';
import { manualSeed, memory, resetPeakMemory, setBackend, tensor, tidy } from '@peftjs/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BertConfig,
  BertForSequenceClassification,
  GPT2Config,
  GPT2LMHeadModel,
  LlamaConfig,
  LlamaForCausalLM,
  ViTConfig,
  ViTForImageClassification,
  type ModelInputs,
  type ModelOutput,
  type PreTrainedModelWith,
} from '../src/index.js';

beforeAll(async () => {
  await setBackend('cpu');
});

/** Loss and every parameter's gradient after one backward, the dropout stream seeded the same way. */
function lossAndGrads(model: PreTrainedModelWith<ModelOutput>, inputs: ModelInputs): { loss: number; grads: Map<string, Float32Array> } {
  manualSeed(42);
  const loss = tidy(() => model.forward(inputs).loss!);
  loss.backward();
  const grads = new Map([...model.namedParameters()].map(([k, p]) => [k, Float32Array.from(p.grad!.dataSync())]));
  const value = loss.itemSync();
  loss.dispose();
  model.zeroGrad();
  return { loss: value, grads };
}

function expectSameGradients(model: PreTrainedModelWith<ModelOutput>, inputs: ModelInputs) {
  model.train();
  const plain = lossAndGrads(model, inputs);
  model.gradientCheckpointingEnable();
  expect(model.isGradientCheckpointing).toBe(true);
  const ckpt = lossAndGrads(model, inputs);
  model.gradientCheckpointingDisable();
  expect(ckpt.loss).toBeCloseTo(plain.loss, 6);
  for (const [k, g] of plain.grads) {
    const h = ckpt.grads.get(k)!;
    let worst = 0;
    let scale = 1e-12;
    for (let i = 0; i < g.length; i++) {
      worst = Math.max(worst, Math.abs(g[i] - h[i]));
      scale = Math.max(scale, Math.abs(g[i]));
    }
    expect(worst / scale, k).toBeLessThan(1e-5);
  }
}

const ids = () =>
  tensor(
    [
      [3, 7, 1, 9, 4, 2],
      [5, 5, 8, 0, 6, 1],
    ],
    { dtype: 'int32' },
  );
const mask = () =>
  tensor(
    [
      [1, 1, 1, 1, 1, 1],
      [1, 1, 1, 1, 1, 0],
    ],
    { dtype: 'int32' },
  );

describe('gradient checkpointing', () => {
  it('Llama: same loss and gradients, attention dropout replayed', () => {
    manualSeed(1);
    const model = new LlamaForCausalLM(
      new LlamaConfig({
        vocabSize: 16,
        hiddenSize: 16,
        intermediateSize: 32,
        numHiddenLayers: 3,
        numAttentionHeads: 4,
        numKeyValueHeads: 2,
        attentionDropout: 0.2,
      }),
    );
    const [inputIds, attentionMask] = [ids(), mask()];
    expectSameGradients(model, { inputIds, attentionMask, labels: inputIds });
    [inputIds, attentionMask].forEach((t) => t.dispose());
    model.dispose();
  });

  it('GPT-2: same loss and gradients with dropout on embeddings, attention and residuals', () => {
    manualSeed(2);
    const model = new GPT2LMHeadModel(
      new GPT2Config({ vocabSize: 16, nPositions: 8, nEmbd: 8, nLayer: 2, nHead: 2, residPdrop: 0.1, embdPdrop: 0.1, attnPdrop: 0.1 }),
    );
    const [inputIds, attentionMask] = [ids(), mask()];
    expectSameGradients(model, { inputIds, attentionMask, labels: inputIds });
    [inputIds, attentionMask].forEach((t) => t.dispose());
    model.dispose();
  });

  it('BERT and ViT: same loss and gradients', () => {
    manualSeed(3);
    const bert = new BertForSequenceClassification(
      new BertConfig({
        vocabSize: 16,
        hiddenSize: 8,
        numHiddenLayers: 2,
        numAttentionHeads: 2,
        intermediateSize: 16,
        maxPositionEmbeddings: 8,
        numLabels: 3,
      }),
    );
    const [inputIds, attentionMask, labels] = [ids(), mask(), tensor([2, 0], { dtype: 'int32' })];
    expectSameGradients(bert, { inputIds, attentionMask, labels });
    bert.dispose();
    const vit = new ViTForImageClassification(
      new ViTConfig({
        imageSize: 8,
        patchSize: 4,
        numChannels: 1,
        hiddenSize: 8,
        numHiddenLayers: 2,
        numAttentionHeads: 2,
        intermediateSize: 16,
        numLabels: 3,
      }),
    );
    const pixelValues = tensor(
      Float32Array.from({ length: 2 * 64 }, (_, i) => Math.sin(i)),
      { shape: [2, 1, 8, 8] },
    );
    expectSameGradients(vit, { pixelValues, labels });
    [inputIds, attentionMask, labels, pixelValues].forEach((t) => t.dispose());
    vit.dispose();
  });

  it('cuts the activation bytes live during backward', () => {
    manualSeed(4);
    const model = new LlamaForCausalLM(
      new LlamaConfig({
        vocabSize: 32,
        hiddenSize: 32,
        intermediateSize: 64,
        numHiddenLayers: 8,
        numAttentionHeads: 4,
        tieWordEmbeddings: true,
      }),
    );
    model.train();
    const inputIds = tensor(
      Int32Array.from({ length: 4 * 48 }, (_, i) => (i * 5) % 32),
      { shape: [4, 48], dtype: 'int32' },
    );
    const peak = () => {
      resetPeakMemory();
      const base = memory().numBytes;
      tidy(() => model.forward({ inputIds, labels: inputIds }).loss!.backward());
      model.zeroGrad();
      return memory().peakBytes - base;
    };
    const plain = peak();
    model.gradientCheckpointingEnable();
    const ckpt = peak();
    // 8 layers: the plain run holds every layer's activations, the checkpointed one a layer's inputs and one layer at a time
    expect(ckpt * 3).toBeLessThan(plain);
    inputIds.dispose();
    model.dispose();
  });
});
