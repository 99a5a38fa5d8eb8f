import '@peftjs/backend-cpu';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Linear, Module, manualSeed, noGrad, randn, setBackend, tensor, tidy, type Tensor } from '@peftjs/core';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BertConfig,
  BertForSequenceClassification,
  GPT2Config,
  GPT2LMHeadModel,
  LlamaConfig,
  LlamaForCausalLM,
  ViTConfig,
  ViTForImageClassification,
} from '../src/index.js';
import { exportOnnx, toOnnx } from '../src/onnx/index.js';

/** Deterministic token ids and a mask with trailing padding on the last row. */
function tokens(batch: number, seq: number, vocab: number): { ids: number[][]; mask: number[][] } {
  const ids = Array.from({ length: batch }, (_, b) => Array.from({ length: seq }, (_, t) => (7 * b + 3 * t + 1) % vocab));
  const mask = ids.map((r, b) => r.map((_, t) => (b === batch - 1 && batch > 1 && t >= seq - 2 ? 0 : 1)));
  return { ids, mask };
}

const int64 = (rows: number[][]) => new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0].length]);

/** max |onnx − peft.js| must be ≤ 1e-4 × the largest |logit| of peft.js. */
async function compare(session: ort.InferenceSession, feeds: Record<string, ort.Tensor>, expected: Tensor): Promise<void> {
  const out = await session.run(feeds);
  const got = out.logits;
  expect(got.dims).toEqual(expected.shape);
  const want = await expected.data();
  const values = got.data as Float32Array;
  let scale = 0;
  let err = 0;
  for (let i = 0; i < want.length; i++) {
    scale = Math.max(scale, Math.abs(want[i]));
    err = Math.max(err, Math.abs(values[i] - want[i]));
  }
  console.log(
    `onnx: ${feeds.input_ids?.dims ?? feeds.pixel_values.dims}: max abs error ${err.toExponential(2)}, largest logit ${scale.toFixed(3)}`,
  );
  expect(err).toBeLessThanOrEqual(1e-4 * scale);
}

/** Weights far from HF's small init, so every path (masks, positions, heads) shows in the logits. */
function scramble<M extends Module>(model: M): M {
  noGrad(() => {
    for (const p of model.parameters()) {
      const v = randn(p.shape, { std: 0.3 });
      p.assign(v);
      v.dispose();
    }
  });
  return model.eval();
}

async function checkTokenModel(model: GPT2LMHeadModel | LlamaForCausalLM | BertForSequenceClassification, vocab: number): Promise<void> {
  scramble(model);
  const session = await ort.InferenceSession.create(await toOnnx(model));
  expect(session.inputNames).toEqual(['input_ids', 'attention_mask']);
  expect(session.outputNames).toEqual(['logits']);
  for (const [batch, seq] of [
    [1, 5],
    [3, 5],
    [1, 9],
    [3, 9],
  ]) {
    const { ids, mask } = tokens(batch, seq, vocab);
    const inputIds = tensor(ids, { dtype: 'int32' });
    const attentionMask = tensor(mask, { dtype: 'int32' });
    const { logits } = noGrad(() => tidy(() => model.forward({ inputIds, attentionMask })));
    await compare(session, { input_ids: int64(ids), attention_mask: int64(mask) }, logits);
    [inputIds, attentionMask, logits].forEach((t) => t.dispose());
  }
}

describe('ONNX export, checked by onnxruntime-node', () => {
  let dir: string;
  beforeAll(async () => {
    await setBackend('cpu');
    manualSeed(5);
    dir = mkdtempSync(join(tmpdir(), 'peftjs-onnx-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('GPT-2 (batch 1 and 3, sequence 5 and 9)', async () => {
    const model = new GPT2LMHeadModel(new GPT2Config({ vocabSize: 40, nPositions: 16, nEmbd: 16, nLayer: 2, nHead: 4 })).eval();
    await checkTokenModel(model, 40);
  });

  it('Llama with grouped-query attention and RoPE', async () => {
    const model = new LlamaForCausalLM(
      new LlamaConfig({
        vocabSize: 40,
        hiddenSize: 16,
        intermediateSize: 24,
        numHiddenLayers: 2,
        numAttentionHeads: 4,
        numKeyValueHeads: 2,
        maxPositionEmbeddings: 32,
      }),
    ).eval();
    await checkTokenModel(model, 40);
  });

  it('BERT sequence classification', async () => {
    const model = new BertForSequenceClassification(
      new BertConfig({
        vocabSize: 40,
        hiddenSize: 16,
        numHiddenLayers: 2,
        numAttentionHeads: 4,
        intermediateSize: 24,
        maxPositionEmbeddings: 32,
        numLabels: 3,
      }),
    ).eval();
    await checkTokenModel(model, 40);
  });

  it('ViT image classification, written to a file', async () => {
    const model = new ViTForImageClassification(
      new ViTConfig({
        imageSize: 8,
        patchSize: 4,
        numChannels: 3,
        hiddenSize: 16,
        numHiddenLayers: 2,
        numAttentionHeads: 4,
        intermediateSize: 24,
        numLabels: 5,
      }),
    ).eval();
    scramble(model);
    const path = join(dir, 'vit.onnx');
    await exportOnnx(model, path, { opset: 18 });
    const session = await ort.InferenceSession.create(path);
    expect(session.inputNames).toEqual(['pixel_values']);
    for (const batch of [1, 3]) {
      const pixels = randn([batch, 3, 8, 8]);
      const { logits } = noGrad(() => model.forward({ pixelValues: pixels }));
      await compare(session, { pixel_values: new ort.Tensor('float32', Float32Array.from(await pixels.data()), [batch, 3, 8, 8]) }, logits);
      pixels.dispose();
      logits.dispose();
    }
    expect(readdirSync(dir)).toEqual(['vit.onnx']);
  });

  it('unsupported layers and bad options are named; a failed export writes nothing', async () => {
    const model = new GPT2LMHeadModel(new GPT2Config({ vocabSize: 40, nPositions: 16, nEmbd: 16, nLayer: 1, nHead: 4 }));
    class Odd extends Module {
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    (model.getSubmodule('transformer.h.0') as unknown as { registerModule(name: string, m: Module): void }).registerModule(
      'odd',
      new Odd(),
    );
    const path = join(dir, 'bad.onnx');
    await expect(exportOnnx(model, path)).rejects.toThrow(
      "exportOnnx: module 'transformer.h.0.odd' is a Odd, which ONNX export does not support",
    );
    expect(readdirSync(dir).filter((f) => f.startsWith('bad'))).toEqual([]);
    await expect(
      toOnnx(new GPT2LMHeadModel(new GPT2Config({ nLayer: 1, nEmbd: 8, nHead: 2, vocabSize: 10 })), { opset: 12 }),
    ).rejects.toThrow(/opset must be an integer from 17 to 21, got 12/);
    await expect(toOnnx(new Linear(2, 2))).rejects.toThrow(/Linear is not supported/);
  });
});
