import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { memory, tensor, tidy, type Tensor } from '@peftjs/core';
import { GPT2Config, GPT2LMHeadModel, type CausalLMOutput } from '@peftjs/models';
import { AutoModelForCausalLM, savePretrained as saveModel } from '@peftjs/models/node';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { LoraConfig, getPeftModel } from '../../src/index.js';
import { AutoPeftModelForCausalLM, fromPretrained, savePretrained } from '../../src/node/index.js';
import { maxAbsDiff } from '../cpu.js';
import { useCpuBackend } from '../unit.js';

async function savedGpt2(root: string): Promise<string> {
  const dir = join(root, 'base');
  const model = new GPT2LMHeadModel(new GPT2Config({ vocabSize: 16, nPositions: 8, nEmbd: 8, nLayer: 1, nHead: 2 }));
  await saveModel(model, dir);
  model.dispose();
  return dir;
}

const loraConfig = () => new LoraConfig({ r: 2, targetModules: ['c_attn'], fanInFanOut: true, initLoraWeights: false });

describe('AutoPeftModelForCausalLM', () => {
  useCpuBackend();

  it('reads base_model_name_or_path (saved relative to the adapter folder), loads base and adapter, and types forward', async () => {
    const root = mkdtempSync(join(tmpdir(), 'peftjs-auto-peft-'));
    const baseFromCwd = relative(process.cwd(), await savedGpt2(root));
    const peft = getPeftModel(await AutoModelForCausalLM.fromPretrained(baseFromCwd), loraConfig());
    expect(peft.peftConfig.default!.baseModelNameOrPath).toBe(baseFromCwd);
    const adapterDir = join(root, 'adapter');
    await savePretrained(peft, adapterDir);
    expect(JSON.parse(readFileSync(join(adapterDir, 'adapter_config.json'), 'utf8')).base_model_name_or_path).toBe(join('..', 'base'));

    const loaded = await AutoPeftModelForCausalLM.fromPretrained(adapterDir);
    const inputIds = tensor([[1, 2, 3]], { dtype: 'int32' });
    const [want, got] = [peft, loaded].map((m) =>
      tidy(() => {
        const { logits, loss } = m.eval().forward({ inputIds, labels: inputIds });
        expectTypeOf(logits).toEqualTypeOf<Tensor>();
        expectTypeOf(loss).toEqualTypeOf<Tensor | undefined>();
        return logits;
      }),
    );
    expectTypeOf(loaded.forward).returns.toEqualTypeOf<CausalLMOutput>();
    // the inputs object also takes per-row adapters
    const perRow = tidy(() => loaded.forward({ inputIds, adapterNames: ['default'] }).logits);
    expect(await maxAbsDiff(perRow, got!)).toBeLessThan(1e-6);
    perRow.dispose();
    expect(await maxAbsDiff(want!, got!)).toBeLessThan(1e-6);
    for (const t of [want!, got!, inputIds]) t.dispose();
    peft.dispose();
    loaded.dispose();
  });

  it('refuses an adapter without base_model_name_or_path, or whose base folder is missing, naming the field', async () => {
    const root = mkdtempSync(join(tmpdir(), 'peftjs-auto-peft-'));
    const model = new GPT2LMHeadModel(new GPT2Config({ vocabSize: 16, nPositions: 8, nEmbd: 8, nLayer: 1, nHead: 2 }));
    const peft = getPeftModel(model, loraConfig());
    expect(peft.peftConfig.default!.baseModelNameOrPath).toBeNull();
    const adapterDir = join(root, 'adapter');
    await savePretrained(peft, adapterDir);
    peft.dispose();
    await expect(AutoPeftModelForCausalLM.fromPretrained(adapterDir)).rejects.toThrow(
      /adapter_config\.json has no base_model_name_or_path \(got null\); load the base model yourself/,
    );

    const configPath = join(adapterDir, 'adapter_config.json');
    writeFileSync(configPath, JSON.stringify({ ...JSON.parse(readFileSync(configPath, 'utf8')), base_model_name_or_path: 'gpt2' }));
    await expect(AutoPeftModelForCausalLM.fromPretrained(adapterDir)).rejects.toThrow(
      `the base model folder ${join(adapterDir, 'gpt2')} (base_model_name_or_path in`,
    );
  });

  it('reads the adapter weights header first and by range, like fromPretrained, and frees the base model when they fail', async () => {
    const root = mkdtempSync(join(tmpdir(), 'peftjs-auto-peft-'));
    const base = await savedGpt2(root);
    const peft = getPeftModel(await AutoModelForCausalLM.fromPretrained(base), loraConfig());
    const adapterDir = join(root, 'adapter');
    await savePretrained(peft, adapterDir);
    peft.dispose();
    // a 3 GiB sparse file whose header length is absurd: read whole it could not even be opened
    const handle = await open(join(adapterDir, 'adapter_model.safetensors'), 'w');
    await handle.write(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]), 0, 8, 0);
    await handle.truncate(3 * 2 ** 30);
    await handle.close();
    const before = memory();
    const rss = process.memoryUsage().rss;
    await expect(AutoPeftModelForCausalLM.fromPretrained(adapterDir)).rejects.toThrow(/header length 4294967295 exceeds the limit/);
    expect(process.memoryUsage().rss - rss).toBeLessThan(256 * 2 ** 20);
    expect(memory().numTensors).toBe(before.numTensors);
    expect(memory().numBytes).toBe(before.numBytes);
  });

  it('fromPretrained(model, dir) keeps the model type', async () => {
    const root = mkdtempSync(join(tmpdir(), 'peftjs-auto-peft-'));
    const base = await savedGpt2(root);
    const peft = getPeftModel(await AutoModelForCausalLM.fromPretrained(base), loraConfig());
    await savePretrained(peft, join(root, 'adapter'));
    peft.dispose();
    const loaded = await fromPretrained(
      new GPT2LMHeadModel(new GPT2Config({ vocabSize: 16, nPositions: 8, nEmbd: 8, nLayer: 1, nHead: 2 })),
      join(root, 'adapter'),
    );
    expectTypeOf(loaded.getBaseModel()).toEqualTypeOf<GPT2LMHeadModel>();
    expect(loaded.getBaseModel()).toBeInstanceOf(GPT2LMHeadModel);
    loaded.dispose();
  });
});
