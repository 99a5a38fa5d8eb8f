import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findGoldenDir } from '../merging/golden-dir.js';
import { loadSafetensors, type Tensor } from '@peftjs/core';
import { loadPretrained, memorySource, type PreTrainedModel } from '@peftjs/models';

/** The golden folder: PEFTJS_GOLDEN_DIR, else the copy committed with the conformance package. */
export const GOLDEN = await findGoldenDir();

export function caseDir(name: string): string {
  return join(GOLDEN, 'peft', name);
}

export function readTensors(name: string, file: string): Map<string, Tensor> {
  return loadSafetensors(readFileSync(join(caseDir(name), file)));
}

export function readJSON(name: string, file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(caseDir(name), file), 'utf8')) as Record<string, unknown>;
}

/** The case's base model as transformers built it (base_config.json + base_model.safetensors). */
export async function loadBase<M extends PreTrainedModel>(name: string): Promise<M> {
  return loadPretrained<M>(
    memorySource({
      'config.json': readFileSync(join(caseDir(name), 'base_config.json'), 'utf8'),
      'model.safetensors': new Uint8Array(readFileSync(join(caseDir(name), 'base_model.safetensors'))),
    }),
  );
}

/** max |got − want| / max |want| over all elements (the scale-relative error of the tolerances). */
export async function relError(got: Tensor, want: Tensor): Promise<number> {
  if (got.shape.join() !== want.shape.join()) throw new Error(`shape [${got.shape}] differs from the golden [${want.shape}]`);
  const [g, w] = [await got.data(), await want.data()];
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < w.length; i++) {
    diff = Math.max(diff, Math.abs(g[i] - w[i]));
    scale = Math.max(scale, Math.abs(w[i]));
  }
  return diff / (scale || 1);
}
