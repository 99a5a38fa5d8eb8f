/** What a pretraining run leaves next to its weights: the tokenizer files, training.json and TRAINING.md. */
import { join } from 'node:path';
import { writeFileAtomic } from '@peftjs/core/node';
import type { Evaluation } from './evaluate.js';
import type { PretrainOptions } from './options.js';

export interface TrainingRecord {
  readonly command: string;
  readonly options: Omit<PretrainOptions, 'out' | 'progress'>;
  readonly parameters: number;
  readonly trainBytes: Record<string, number>;
  readonly tokensSeen: number;
  readonly seconds: number;
  readonly tokensPerSecond: number;
  readonly backend: string;
  readonly node: string;
  /** Mean training loss over the last logging interval (5 steps). */
  readonly lastTrainLoss: number;
  readonly train: Record<string, Evaluation>;
  readonly validation: Record<string, Evaluation>;
}

const fmt = (x: number, digits = 4) => x.toFixed(digits);

function markdown(r: TrainingRecord): string {
  const o = r.options;
  const rows = (evals: Record<string, Evaluation>) =>
    Object.entries(evals).map(([name, e]) => `| ${name} | ${fmt(e.loss)} | ${fmt(e.perplexity, 2)} | ${e.tokens} |`);
  return `# byte-gpt2: training record

A byte-level GPT-2 (${o.nLayer} layers, ${o.nHead} heads, n_embd ${o.nEmbd}, context ${o.blockSize}, vocabulary 256 bytes
+ end-of-text = 257 ids, ${r.parameters.toLocaleString('en-US')} parameters) trained from scratch by:

\`\`\`sh
${r.command}
\`\`\`

The run is deterministic: the same command with the same seed gives the same weights.

## Settings

| setting | value |
| --- | --- |
| data | training splits of the State of the Union addresses and Moby Dick (${Object.entries(r.trainBytes)
    .map(([k, v]) => `${k}: ${v} bytes`)
    .join(', ')}), each ended by the end-of-text id, cut into non-overlapping ${o.blockSize}-byte windows, shuffled with the seed |
| steps | ${o.steps} (batch ${o.batchSize} × ${o.blockSize} bytes, ${r.tokensSeen.toLocaleString('en-US')} bytes seen) |
| optimizer | AdamW, lr ${o.lr}, betas (0.9, 0.999), eps 1e-8, weight decay ${o.weightDecay} on matrices (none on biases, LayerNorm and embeddings) |
| schedule | linear warm-up for ${o.warmupSteps} steps, cosine decay to 0 (HF's get_cosine_schedule_with_warmup) |
| gradient clipping | global norm ${o.maxGradNorm} |
| dropout | none |
| seed | ${o.seed} |
| backend | ${r.backend} (Node ${r.node}) |
| training time | ${fmt(r.seconds, 1)} s (${fmt(r.tokensPerSecond, 0)} tokens/s) |

## Results

Loss is the mean next-byte cross-entropy in nats; perplexity is exp(loss), per byte (a uniform
guess over 256 bytes scores 256). Evaluated on ${o.evalBlocks === 0 ? 'every' : `${o.evalBlocks} evenly spaced`} ${o.blockSize}-byte windows of each split.
Mean training loss of the last logged interval (up to 5 steps): ${fmt(r.lastTrainLoss)}.

| validation split | loss | perplexity | bytes predicted |
| --- | --- | --- | --- |
${rows(r.validation).join('\n')}

| training split | loss | perplexity | bytes predicted |
| --- | --- | --- | --- |
${rows(r.train).join('\n')}
`;
}

/** The tokenizer as Hugging Face saves one: tokenizer.json (byte-level, no merges) and tokenizer_config.json. */
export interface TokenizerFiles {
  toJSON(): object;
  tokenizerConfig(): object;
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

export async function writeTrainingRecord(dir: string, record: TrainingRecord, tokenizer: TokenizerFiles): Promise<void> {
  await writeFileAtomic(join(dir, 'tokenizer.json'), json(tokenizer.toJSON()));
  await writeFileAtomic(join(dir, 'tokenizer_config.json'), json(tokenizer.tokenizerConfig()));
  await writeFileAtomic(join(dir, 'training.json'), json(record));
  await writeFileAtomic(join(dir, 'TRAINING.md'), markdown(record));
}
