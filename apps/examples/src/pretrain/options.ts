/** The `npm run pretrain` command line: model shape, training settings and where to write. */
import { fileURLToPath } from 'node:url';
import { integerOption, numberOption, parseCommandLine } from '../cli/option-values.js';

export interface PretrainOptions {
  readonly steps: number;
  readonly batchSize: number;
  readonly blockSize: number;
  readonly nLayer: number;
  readonly nHead: number;
  readonly nEmbd: number;
  readonly lr: number;
  readonly warmupSteps: number;
  readonly weightDecay: number;
  readonly maxGradNorm: number;
  readonly seed: number;
  /** Validation (and train-loss) windows per corpus; 0 evaluates every window. */
  readonly evalBlocks: number;
  readonly out: string;
  /** Print the progress bar (off in tests). */
  readonly progress: boolean;
}

export const DEFAULT_OUT = new URL('../models/byte-gpt2/', import.meta.url);

const OPTIONS = {
  steps: { type: 'string', default: '1000' },
  'batch-size': { type: 'string', default: '8' },
  'block-size': { type: 'string', default: '128' },
  'n-layer': { type: 'string', default: '4' },
  'n-head': { type: 'string', default: '4' },
  'n-embd': { type: 'string', default: '128' },
  lr: { type: 'string', default: '3e-3' },
  'warmup-steps': { type: 'string' },
  'weight-decay': { type: 'string', default: '0.1' },
  'max-grad-norm': { type: 'string', default: '1' },
  seed: { type: 'string', default: '0' },
  'eval-blocks': { type: 'string', default: '64' },
  out: { type: 'string' },
  'no-progress': { type: 'boolean', default: false },
} as const;

export const OPTION_HELP = Object.entries(OPTIONS)
  .map(
    ([name, o]) =>
      `  --${name}${o.type === 'string' ? ' <value>' : ''}${'default' in o && o.type === 'string' ? ` (default ${o.default})` : ''}`,
  )
  .join('\n');

export function parsePretrainOptions(args: readonly string[]): PretrainOptions {
  const values = parseCommandLine('pretrain', args, OPTIONS);
  const steps = integerOption('pretrain', values, 'steps', 1);
  const nEmbd = integerOption('pretrain', values, 'n-embd', 1);
  const nHead = integerOption('pretrain', values, 'n-head', 1);
  if (nEmbd % nHead !== 0) throw new RangeError(`pretrain: --n-embd (${nEmbd}) must be divisible by --n-head (${nHead})`);
  const warmupSteps =
    values['warmup-steps'] === undefined ? Math.max(1, Math.round(steps / 10)) : integerOption('pretrain', values, 'warmup-steps', 0);
  return {
    steps,
    batchSize: integerOption('pretrain', values, 'batch-size', 1),
    blockSize: integerOption('pretrain', values, 'block-size', 2),
    nLayer: integerOption('pretrain', values, 'n-layer', 1),
    nHead,
    nEmbd,
    lr: numberOption('pretrain', values, 'lr', { min: 0 }),
    warmupSteps: Math.min(warmupSteps, steps),
    weightDecay: numberOption('pretrain', values, 'weight-decay', { min: 0 }),
    maxGradNorm: numberOption('pretrain', values, 'max-grad-norm', { min: 0 }),
    seed: integerOption('pretrain', values, 'seed', 0),
    evalBlocks: integerOption('pretrain', values, 'eval-blocks', 0),
    out: (values.out as string | undefined) ?? fileURLToPath(DEFAULT_OUT),
    progress: !values['no-progress'],
  };
}
