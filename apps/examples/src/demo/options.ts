/** The `npm run demo` command line: which PEFT method, how much data, how long to train, where to write. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { integerOption, numberOption, parseCommandLine, type OptionValues } from '../cli/option-values.js';

export const BACKENDS = ['cpu', 'webgpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface DemoOptions {
  /** A PEFT method registered with @peftjs/methods (its peft_type, lower case: lora, ia3, ...). */
  readonly method: string;
  readonly backend: BackendName;
  /** Training emails, drawn with the seed from the training split. */
  readonly trainSize: number;
  /** Test emails, drawn with the seed from the test split. */
  readonly testSize: number;
  readonly epochs: number;
  /** Optimizer steps; when given it replaces epochs × batches per epoch. */
  readonly steps: number | null;
  readonly batchSize: number;
  /** Bytes per email, the end-of-text id included (the start of the email: its subject first). */
  readonly maxLength: number;
  /** Learning rate of the PEFT method's run (null: the method's default). */
  readonly lr: number | null;
  readonly seed: number;
  readonly out: string;
  readonly skipFull: boolean;
  /** The base model folder (config.json + model.safetensors of a GPT-2). */
  readonly model: string;
  /** Draw the progress bars (off in tests). */
  readonly progress: boolean;
}

/** apps/examples: the nearest folder above this module with a package.json (from src/demo/ and from dist/ alike). */
function examplesRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

export const DEFAULT_MODEL = join(examplesRoot(), 'models', 'byte-gpt2');
export const DEFAULT_OUT = join(examplesRoot(), 'out', 'demo');

const OPTIONS = {
  method: { type: 'string', default: 'lora', help: 'PEFT method to compare with a linear probe and full fine-tuning' },
  backend: { type: 'string', default: 'cpu', help: `compute backend: ${BACKENDS.join(' or ')}` },
  'train-size': { type: 'string', default: '800', help: 'training emails (of 4864)' },
  'test-size': { type: 'string', default: '577', help: 'test emails (of 577)' },
  epochs: { type: 'string', default: '1', help: 'passes over the training emails' },
  steps: { type: 'string', help: 'optimizer steps (replaces --epochs)' },
  'batch-size': { type: 'string', default: '8', help: 'emails per step' },
  'max-length': { type: 'string', default: '64', help: 'bytes per email, from its start (subject first), end-of-text included' },
  lr: { type: 'string', help: "learning rate of the PEFT method's run (default: the method's own)" },
  seed: { type: 'string', default: '0', help: 'seed of the data draw, the shuffles and the fresh weights' },
  out: {
    type: 'string',
    help: 'folder for the adapter, the merged model, the loss curves and results.json (default apps/examples/out/demo)',
  },
  'skip-full': { type: 'boolean', default: false, help: 'skip full fine-tuning' },
  model: { type: 'string', help: 'base model folder (default the committed byte-gpt2)' },
  'no-progress': { type: 'boolean', default: false, help: 'no progress bars' },
  help: { type: 'boolean', default: false, help: 'print this help' },
} as const;

/** Words of `items` joined by ', ' and wrapped into lines of at most `width` characters after `indent`. */
function wrapList(items: readonly string[], indent: string, width = 100): string {
  const lines: string[] = [];
  let line = '';
  for (const [i, item] of items.entries()) {
    const word = i < items.length - 1 ? `${item},` : item;
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.map((l) => indent + l).join('\n');
}

/** The --help text; `usable` are the methods that can adapt the model, `unusable` the other registered ones. */
export function optionHelp(usable: readonly string[], unusable: readonly string[] = []): string {
  const rows = Object.entries(OPTIONS).map(([name, o]) => {
    const flag = `--${name}${o.type === 'string' ? ' <value>' : ''}`;
    const fallback = 'default' in o && o.type === 'string' ? ` [default ${o.default}]` : '';
    return `  ${flag.padEnd(22)} ${o.help}${fallback}`;
  });
  const methods = [`PEFT methods for --method:${usable.length ? '' : ' none'}`, wrapList(usable, '  ')];
  if (unusable.length > 0)
    methods.push('registered, but unable to adapt a GPT-2 classifier (--method <name> says why):', wrapList(unusable, '  '));
  return `usage: npm run demo -- [options]\n\n${rows.join('\n')}\n\n${methods.filter(Boolean).join('\n')}`;
}

function oneOf<T extends string>(values: OptionValues, flag: string, allowed: readonly T[]): T {
  const raw = values[flag] as string;
  if (!allowed.includes(raw as T)) throw new RangeError(`demo: --${flag} must be one of ${allowed.join(', ')}, got ${JSON.stringify(raw)}`);
  return raw as T;
}

export type ParsedArgs = { help: true } | { help: false; options: DemoOptions };

/**
 * Reads the command line. `methods` are the registered PEFT method names `--method` may name;
 * `limits` the sizes of the training and test splits.
 */
export function parseDemoArgs(args: readonly string[], methods: readonly string[], limits = { train: 4864, test: 577 }): ParsedArgs {
  const values = parseCommandLine('demo', args, OPTIONS);
  if (values.help) return { help: true };
  return {
    help: false,
    options: {
      method: oneOf(values, 'method', methods),
      backend: oneOf(values, 'backend', BACKENDS),
      trainSize: integerOption('demo', values, 'train-size', 1, limits.train),
      testSize: integerOption('demo', values, 'test-size', 1, limits.test),
      epochs: integerOption('demo', values, 'epochs', 1),
      steps: values.steps === undefined ? null : integerOption('demo', values, 'steps', 1),
      batchSize: integerOption('demo', values, 'batch-size', 1),
      maxLength: integerOption('demo', values, 'max-length', 2, 1024),
      lr: values.lr === undefined ? null : numberOption('demo', values, 'lr', { positive: true }),
      seed: integerOption('demo', values, 'seed', 0),
      out: (values.out as string | undefined) ?? DEFAULT_OUT,
      skipFull: values['skip-full'] as boolean,
      model: (values.model as string | undefined) ?? DEFAULT_MODEL,
      progress: !values['no-progress'],
    },
  };
}

/** Optimizer steps of a run: --steps, or epochs × batches per epoch. */
export function totalSteps(options: DemoOptions): number {
  return options.steps ?? options.epochs * Math.ceil(options.trainSize / options.batchSize);
}
