import { readFile } from 'node:fs/promises';
import { chunkTokens, type TokenizedExample } from '@peftjs/data';
import { CliError } from './errors.js';

export interface Dataset {
  task: 'causal-lm' | 'classification';
  examples: TokenizedExample[];
  /** Class names in id order (classification). */
  labels: string[];
}

interface Encoder {
  encode(text: string): number[];
}

/**
 * Training data from --data: a .txt file is one text cut into blocks of `seq` tokens (causal LM); a
 * .jsonl file has one {"text": ...} object a line, with a "label" (number or name) for classification.
 */
export async function readDataset(path: string, tokenizer: Encoder, seq: number, task: string | undefined): Promise<Dataset> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(`--data ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (task !== undefined && task !== 'causal-lm' && task !== 'classification')
    throw new CliError(`--task must be causal-lm or classification, got '${task}'`);
  if (path.endsWith('.txt')) {
    if (task === 'classification')
      throw new CliError(`--data ${path}: a .txt file is plain text for causal-lm; classification needs .jsonl with "label"`);
    const blocks = chunkTokens(tokenizer.encode(text), seq);
    if (blocks.length < 2)
      throw new CliError(
        `--data ${path}: the text gives ${blocks.length} block(s) of ${seq} tokens; at least 2 are needed (a shorter --seq or more text)`,
      );
    return { task: 'causal-lm', examples: blocks.map((inputIds) => ({ inputIds })), labels: [] };
  }
  if (!path.endsWith('.jsonl')) throw new CliError(`--data ${path}: expected a .txt or .jsonl file`);
  const rows = text
    .split('\n')
    .map((line, i) => [line.trim(), i + 1] as const)
    .filter(([line]) => line !== '')
    .map(([line, n]) => {
      let row: unknown;
      try {
        row = JSON.parse(line);
      } catch (err) {
        throw new CliError(`--data ${path}: line ${n} is not JSON (${(err as Error).message})`);
      }
      if (!row || typeof row !== 'object' || typeof (row as { text?: unknown }).text !== 'string')
        throw new CliError(`--data ${path}: line ${n} has no "text" string`);
      return { ...(row as { text: string; label?: unknown }), line: n };
    });
  if (rows.length < 2) throw new CliError(`--data ${path}: ${rows.length} example(s); at least 2 are needed`);
  const labelled = rows.some((r) => r.label !== undefined);
  const kind = task ?? (labelled ? 'classification' : 'causal-lm');
  if (kind === 'causal-lm') {
    return { task: kind, examples: rows.map((r) => ({ inputIds: tokenizer.encode(r.text).slice(0, seq) })), labels: [] };
  }
  const missing = rows.find((r) => typeof r.label !== 'number' && typeof r.label !== 'string');
  if (missing) throw new CliError(`--data ${path}: line ${missing.line} has no "label" (a number or a name)`);
  const names = [...new Set(rows.map((r) => String(r.label)))].sort((a, b) =>
    Number.isFinite(Number(a)) && Number.isFinite(Number(b)) ? Number(a) - Number(b) : a.localeCompare(b),
  );
  if (names.length < 2)
    throw new CliError(`--data ${path}: every example has the label '${names[0]}'; classification needs at least 2 classes`);
  return {
    task: kind,
    examples: rows.map((r) => ({ inputIds: tokenizer.encode(r.text).slice(0, seq), label: names.indexOf(String(r.label)) })),
    labels: names,
  };
}

/** The last `fraction` of the examples (at least one when fraction > 0) held out for evaluation. */
export function splitHeldOut<T>(examples: readonly T[], fraction: number): { train: T[]; held: T[] } {
  const n = fraction > 0 ? Math.max(1, Math.round(examples.length * fraction)) : 0;
  if (n >= examples.length) throw new CliError(`--eval-split ${fraction} leaves no training examples (${examples.length} in all)`);
  return { train: examples.slice(0, examples.length - n), held: examples.slice(examples.length - n) };
}
