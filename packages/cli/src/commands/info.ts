import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseSafetensorsHeader, readHeaderLength } from '@peftjs/core';
import { existingDir, parseFlags } from '../args.js';
import { CliError } from '../errors.js';

export const INFO_USAGE = `peftjs info DIR
  what a model folder (config.json, model.safetensors) or an adapter folder (adapter_config.json,
  adapter_model.safetensors) holds: architecture or method, config, targets, parameter counts, tensors`;

interface TensorRow {
  name: string;
  dtype: string;
  shape: number[];
}

/** The tensor list of a safetensors file, from its header only (the data is not read). */
async function tensorList(path: string): Promise<TensorRow[]> {
  const file = await open(path, 'r').catch(() => null);
  if (!file) throw new CliError(`${path}: cannot open it`);
  try {
    const { size } = await file.stat();
    const first = new Uint8Array(8);
    await file.read(first, 0, 8, 0);
    const n = readHeaderLength(first, size);
    const header = new Uint8Array(n);
    await file.read(header, 0, n, 8);
    return [...parseSafetensorsHeader(header, size - 8 - n).tensors].map(([name, t]) => ({ name, dtype: t.dtype, shape: [...t.shape] }));
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`${path}: not a safetensors file (${(err as Error).message})`);
  } finally {
    await file.close();
  }
}

async function readJson(path: string): Promise<Record<string, unknown> | null> {
  const text = await readFile(path, 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new CliError(`${path}: not valid JSON (${(err as Error).message})`);
  }
}

const count = (rows: readonly TensorRow[]) => rows.reduce((n, r) => n + r.shape.reduce((a, b) => a * b, 1), 0);
const fmt = (n: number) => n.toLocaleString('en-US');

export async function info(args: readonly string[], log: (line: string) => void): Promise<void> {
  const { positionals } = parseFlags(args, {}, 1);
  const dir = positionals[0];
  if (dir === undefined) throw new CliError('the folder is required: peftjs info DIR');
  existingDir(dir, 'DIR');
  const adapter = await readJson(join(dir, 'adapter_config.json'));
  const model = await readJson(join(dir, 'config.json'));
  if (!adapter && !model) throw new CliError(`${dir}: neither adapter_config.json nor config.json (not a model or adapter folder)`);
  if (adapter) {
    const tensors = await tensorList(join(dir, 'adapter_model.safetensors'));
    log(
      `adapter: ${String(adapter.peft_type)} (task ${String(adapter.task_type ?? 'none')}), base model ${String(adapter.base_model_name_or_path ?? 'not named')}`,
    );
    const targets = adapter.target_modules;
    if (targets !== undefined && targets !== null) log(`targets: ${Array.isArray(targets) ? targets.join(', ') : String(targets)}`);
    const keyFields = ['r', 'lora_alpha', 'lora_dropout', 'use_dora', 'num_virtual_tokens', 'modules_to_save'].filter(
      (k) => adapter[k] !== undefined && adapter[k] !== null,
    );
    if (keyFields.length > 0) log(`config: ${keyFields.map((k) => `${k} ${JSON.stringify(adapter[k])}`).join(', ')}`);
    log(`parameters: ${fmt(count(tensors))} in ${tensors.length} tensors`);
    for (const t of tensors) log(`  ${t.name}  ${t.dtype} [${t.shape.join(', ')}]`);
  }
  if (model) {
    const weights = join(dir, 'model.safetensors');
    const tensors = await tensorList(weights).catch(() => null);
    const arch = Array.isArray(model.architectures) ? model.architectures.join(', ') : 'unknown architecture';
    log(`model: ${String(model.model_type ?? 'unknown type')} (${arch})`);
    const sizes = [
      'vocab_size',
      'n_layer',
      'num_hidden_layers',
      'n_embd',
      'hidden_size',
      'n_head',
      'num_attention_heads',
      'n_positions',
      'max_position_embeddings',
      'num_labels',
    ].filter((k) => typeof model[k] === 'number');
    if (sizes.length > 0) log(`config: ${sizes.map((k) => `${k} ${String(model[k])}`).join(', ')}`);
    if (!tensors) {
      log('weights: no model.safetensors');
      return;
    }
    log(`parameters: ${fmt(count(tensors))} in ${tensors.length} tensors`);
    for (const t of tensors) log(`  ${t.name}  ${t.dtype} [${t.shape.join(', ')}]`);
  }
}
