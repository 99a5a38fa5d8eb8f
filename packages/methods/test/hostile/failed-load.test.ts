import { AdamW, tensor, type Module, type Tensor } from '@peftjs/core';
import { GPT2Config, GPT2LMHeadModel } from '@peftjs/models';
import { describe, expect, it } from 'vitest';
import { LoraConfig, getPeftModel, loadAdapterFiles, peftModelFromFiles, saveAdapterFiles, type AdapterFiles } from '../../src/index.js';
import { useCpuBackend } from '../unit.js';
import { expectUnchanged, fingerprint } from './fingerprint.js';

/** GPT-2 with lm_head tied to wte, small enough for a unit test. */
const tinyGpt2 = () => new GPT2LMHeadModel(new GPT2Config({ vocabSize: 13, nPositions: 8, nEmbd: 8, nLayer: 1, nHead: 2 }));

async function forwardWorks(model: Module): Promise<void> {
  const ids = tensor(new Int32Array([1, 2, 3]), { shape: [1, 3], dtype: 'int32' });
  const { logits } = model.forward({ inputIds: ids }) as { logits: Tensor };
  expect((await logits.data()).every(Number.isFinite)).toBe(true);
  logits.dispose();
  ids.dispose();
}

/** Adapter files whose config does not fit their tensors (r differs), so loading fails after injection. */
async function mismatchedFiles(modulesToSave: string[]): Promise<AdapterFiles> {
  const source = tinyGpt2();
  const peft = getPeftModel(source, new LoraConfig({ r: 2, targetModules: ['c_attn'], modulesToSave }));
  const files = await saveAdapterFiles(peft);
  peft.dispose();
  return { ...files, config: files.config.replace(/"r": 2/, '"r": 3') };
}

describe("a failed adapter load leaves the caller's model as it was", () => {
  useCpuBackend();

  for (const modulesToSave of [['lm_head'], ['ln_f']]) {
    it(`fromPretrained with modules_to_save ${JSON.stringify(modulesToSave)} (tied lm_head/wte)`, async () => {
      const files = await mismatchedFiles(modulesToSave);
      const model = tinyGpt2();
      const optimizer = new AdamW(model.parameters(), { lr: 1e-3 });
      const before = await fingerprint(model);
      expect(() => peftModelFromFiles(model, files)).toThrow(/loadAdapter: .*shape/);
      await expectUnchanged(model, before);
      await forwardWorks(model);
      expect(optimizer.paramGroups[0].params.every((p) => !p.isDisposed)).toBe(true);
      model.dispose();
    });
  }

  it('loadAdapter into an existing PEFT model', async () => {
    const files = await mismatchedFiles(['lm_head']);
    const model = tinyGpt2();
    const peft = getPeftModel(model, new LoraConfig({ r: 2, targetModules: ['c_attn'] }));
    const before = await fingerprint(peft);
    expect(() => loadAdapterFiles(peft, files, 'other')).toThrow(/loadAdapter: /);
    await expectUnchanged(peft, before);
    await forwardWorks(peft);
    peft.dispose();
  });
});

describe('unload and mergeAndUnload keep tied weights alive', () => {
  useCpuBackend();

  it('unload() with modules_to_save lm_head', async () => {
    const model = tinyGpt2();
    const peft = getPeftModel(model, new LoraConfig({ r: 2, targetModules: ['c_attn'], modulesToSave: ['lm_head'] }));
    const plain = peft.unload();
    await forwardWorks(plain);
    plain.dispose();
  });

  it('mergeAndUnload() with modules_to_save lm_head', async () => {
    const model = tinyGpt2();
    const peft = getPeftModel(model, new LoraConfig({ r: 2, targetModules: ['c_attn'], modulesToSave: ['lm_head'] }));
    const plain = await peft.mergeAndUnload();
    await forwardWorks(plain);
    plain.dispose();
  });
});
