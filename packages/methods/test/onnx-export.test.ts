import '@peftjs/backend-cpu';
import { manualSeed, noGrad, setBackend, tensor, tidy, type Module, type Tensor } from '@peftjs/core';
import { GPT2Config, GPT2LMHeadModel, type ModelOutput } from '@peftjs/models';
import { toOnnx } from '@peftjs/models/onnx';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomizeTrainable } from './helpers/models.js';
import { LoraConfig, PrefixTuningConfig, getPeftModel } from '../src/index.js';

const ids = [
  [3, 8, 1, 9, 4],
  [7, 2, 2, 5, 6],
];
const gpt2 = () => new GPT2LMHeadModel(new GPT2Config({ vocabSize: 12, nPositions: 16, nEmbd: 16, nLayer: 2, nHead: 4 }));

async function maxError(model: Module, bytes: Uint8Array): Promise<number> {
  const session = await ort.InferenceSession.create(bytes);
  const feed = (rows: number[][]) => new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0].length]);
  const mask = ids.map((r) => r.map(() => 1));
  const { logits } = await session.run({ input_ids: feed(ids), attention_mask: feed(mask) });
  const inputIds = tensor(ids, { dtype: 'int32' });
  const expected = noGrad(() => tidy(() => (model.forward as (x: object) => ModelOutput)({ inputIds }).logits));
  const want = await expected.data();
  [inputIds, expected].forEach((t: Tensor) => t.dispose());
  let err = 0;
  (logits.data as Float32Array).forEach((v, i) => (err = Math.max(err, Math.abs(v - want[i]))));
  return err / Math.max(...Array.from(want, Math.abs));
}

describe('ONNX export of PEFT models', () => {
  beforeAll(async () => {
    await setBackend('cpu');
    manualSeed(2);
  });

  it('unmerged LoRA is refused naming the module; mergeAdapters exports the merged model and unmerges after', async () => {
    const peft = getPeftModel(gpt2(), new LoraConfig({ r: 4, targetModules: ['c_attn', 'c_proj'], fanInFanOut: true }));
    randomizeTrainable(peft, 0.3);
    peft.eval();
    await expect(toOnnx(peft)).rejects.toThrow(
      "exportOnnx: module 'transformer.h.0.attn.c_attn' (LoraLayer) holds unmerged adapters [default]; merge them first (mergeAndUnload()) or pass mergeAdapters: true",
    );
    const bytes = await toOnnx(peft, { mergeAdapters: true });
    expect(await maxError(peft, bytes)).toBeLessThan(1e-4);
    // the PEFT model is as it was: adapters unmerged, the export of the plain base differs from it
    await expect(toOnnx(peft)).rejects.toThrow(/holds unmerged adapters/);
    const merged = await peft.mergeAndUnload();
    expect(await maxError(merged, await toOnnx(merged))).toBeLessThan(1e-4);
  });

  it('prompt learning cannot be merged into an export', async () => {
    const peft = getPeftModel(gpt2(), new PrefixTuningConfig({ numVirtualTokens: 2 }));
    await expect(toOnnx(peft, { mergeAdapters: true })).rejects.toThrow(/PREFIX_TUNING adapters cannot be merged into the weights/);
  });
});
