/** The classifier: the pretrained byte-level GPT-2 with a fresh two-class score head. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Module } from '@peftjs/core';
import { GPT2Config, GPT2ForSequenceClassification } from '@peftjs/models';
import { loadWeightsFromDir } from '@peftjs/models/node';
import { LABELS } from './data.js';

/**
 * HF's `AutoModelForSequenceClassification.from_pretrained(dir, num_labels=2)` for a GPT-2
 * language-model checkpoint: the transformer's weights from `dir`, a `score` head initialised from
 * the current seed, and end-of-text as the pad token (GPT-2 has none of its own).
 */
export async function loadClassifier(dir: string): Promise<GPT2ForSequenceClassification> {
  const model = new GPT2ForSequenceClassification(await readBaseConfig(dir));
  try {
    await loadWeightsFromDir(model, dir);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

/** The classifier's config from a GPT-2 folder's config.json: two labels, end-of-text as the pad token. */
export async function readBaseConfig(dir: string): Promise<GPT2Config> {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
  } catch (e) {
    throw new Error(`demo: cannot read the base model's config.json in ${dir}: ${(e as Error).message}`);
  }
  if (json.model_type !== 'gpt2')
    throw new Error(`demo: the base model in ${dir} must be a GPT-2 (model_type "gpt2"), got ${JSON.stringify(json.model_type)}`);
  const eos = Array.isArray(json.eos_token_id) ? json.eos_token_id[0] : json.eos_token_id;
  return GPT2Config.fromJSON({
    ...json,
    architectures: ['GPT2ForSequenceClassification'],
    id2label: Object.fromEntries(LABELS.map((l, i) => [String(i), l])),
    pad_token_id: eos ?? null,
  });
}

/** Parameters that train, and all of them (a tied tensor counted once), as HF PEFT counts them. */
export function countParameters(model: Module): { trainable: number; all: number } {
  let trainable = 0;
  let all = 0;
  for (const p of model.parameters()) {
    all += p.size;
    if (p.requiresGrad) trainable += p.size;
  }
  return { trainable, all };
}

/** Only the parameters whose names pass `keep` train (linear probe: the score head). */
export function freezeExcept(model: Module, keep: (name: string) => boolean): void {
  for (const [name, p] of model.namedParameters()) p.requiresGrad = keep(name);
}
