import { readdir, rm } from 'node:fs/promises';
import type { PreTrainedModel } from '@peftjs/models';
import { savePretrained } from '@peftjs/models/node';
import { parseFlags, required } from '../args.js';
import { useBackend } from '../backend.js';
import { CliError } from '../errors.js';
import { loadCausalLM, withAdapter } from '../load.js';
import { copyTokenizer } from '../tokenizer-files.js';

export const MERGE_USAGE = `peftjs merge --model DIR --adapter DIR --out DIR [--backend cpu|webgpu]
  writes the model with the adapter merged into its weights (config.json, model.safetensors, the tokenizer files)`;

export async function merge(args: readonly string[], log: (line: string) => void): Promise<void> {
  const { values } = parseFlags(args, {
    model: { type: 'string' },
    adapter: { type: 'string' },
    out: { type: 'string' },
    backend: { type: 'string' },
  });
  const modelDir = required(values.model, 'model');
  const adapterDir = required(values.adapter, 'adapter');
  const out = required(values.out, 'out');
  if ((await readdir(out).catch(() => [])).length > 0) throw new CliError(`--out ${out} exists and is not empty; give a new folder`);
  await useBackend(values.backend);
  const peft = await withAdapter(await loadCausalLM(modelDir), adapterDir);
  let merged: PreTrainedModel;
  try {
    merged = (await peft.mergeAndUnload()) as PreTrainedModel;
  } catch (err) {
    throw new CliError(`--adapter ${adapterDir}: ${(err as Error).message}`);
  }
  try {
    await savePretrained(merged, out);
    await copyTokenizer(modelDir, out);
  } catch (err) {
    // the folder was new or empty: a failed save leaves nothing behind
    await rm(out, { recursive: true, force: true }).catch(() => {});
    throw new CliError(`--out ${out}: ${(err as Error).message}`);
  }
  log(`merged ${adapterDir} into ${modelDir}: wrote ${out} (config.json, model.safetensors)`);
  merged.dispose();
}
