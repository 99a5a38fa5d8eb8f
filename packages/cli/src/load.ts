import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Module } from '@peftjs/core';
import { AutoTokenizer, type PreTrainedTokenizer } from '@peftjs/data';
import { AutoModelForSequenceClassification, type PreTrainedModel } from '@peftjs/models';
import { AutoModelForCausalLM, dirSource } from '@peftjs/models/node';
import type { PeftModel } from '@peftjs/methods';
import { fromPretrained } from '@peftjs/methods/node';
import { existingDir } from './args.js';
import { CliError } from './errors.js';

/** The model folder's config.json, parsed (an error names the folder). */
export async function readModelConfig(dir: string): Promise<Record<string, unknown>> {
  existingDir(dir, 'model');
  let text: string;
  try {
    text = await readFile(join(dir, 'config.json'), 'utf8');
  } catch {
    throw new CliError(`--model ${dir}: no config.json (a Hugging Face model folder holds config.json and model.safetensors)`);
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new CliError(`--model ${dir}: config.json is not valid JSON (${(err as Error).message})`);
  }
}

/** The causal LM of a model folder. */
export async function loadCausalLM(dir: string): Promise<PreTrainedModel> {
  await readModelConfig(dir);
  try {
    return await AutoModelForCausalLM.fromPretrained(dir);
  } catch (err) {
    throw new CliError(`--model ${dir}: ${(err as Error).message}`);
  }
}

/** A sequence classifier on a model folder: a fresh head of `numLabels` classes, padding with `padTokenId` unless the config names one. */
export async function loadClassifier(dir: string, numLabels: number, padTokenId: number): Promise<PreTrainedModel> {
  const config = await readModelConfig(dir);
  const source = dirSource(dir);
  // the label count comes from the data, as transformers' from_pretrained(num_labels=...)
  const labelled = {
    ...config,
    num_labels: numLabels,
    id2label: undefined,
    label2id: undefined,
    pad_token_id: config.pad_token_id ?? padTokenId,
  };
  try {
    return await AutoModelForSequenceClassification.fromPretrained(
      { ...source, readText: async (name) => (name === 'config.json' ? JSON.stringify(labelled) : source.readText(name)) },
      { nameOrPath: dir },
    );
  } catch (err) {
    throw new CliError(`--model ${dir}: ${(err as Error).message}`);
  }
}

/** The tokenizer of a model folder (tokenizer.json). */
export async function loadTokenizer(dir: string): Promise<PreTrainedTokenizer> {
  try {
    return await AutoTokenizer.fromPretrained(async (name) => readFile(join(dir, name), 'utf8').catch(() => null));
  } catch (err) {
    throw new CliError(`--model ${dir}: ${(err as Error).message}`);
  }
}

/** The base model with an adapter folder loaded on it (--adapter). */
export async function withAdapter<M extends Module>(model: M, dir: string): Promise<PeftModel<M>> {
  existingDir(dir, 'adapter');
  try {
    return await fromPretrained(model, dir);
  } catch (err) {
    throw new CliError(`--adapter ${dir}: ${(err as Error).message}`);
  }
}
