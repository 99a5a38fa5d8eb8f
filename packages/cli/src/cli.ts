/**
 * `peftjs <command>`: train, generate, merge, export-onnx, info. Every user error is one line on
 * stderr naming the argument or file, with exit status 1.
 */
import { EXPORT_USAGE, exportOnnx } from './commands/export-onnx.js';
import { GENERATE_USAGE, generate } from './commands/generate.js';
import { INFO_USAGE, info } from './commands/info.js';
import { MERGE_USAGE, merge } from './commands/merge.js';
import { TRAIN_USAGE, train } from './commands/train.js';
import { CliError } from './errors.js';

// a closed pipe (`peftjs info DIR | head`) ends the output quietly
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

const log = (line: string) => process.stdout.write(`${line}\n`);
const write = (text: string) => process.stdout.write(text);

const COMMANDS: Record<string, { usage: string; run: (args: readonly string[]) => Promise<void> }> = {
  train: { usage: TRAIN_USAGE, run: (a) => train(a, log) },
  generate: { usage: GENERATE_USAGE, run: (a) => generate(a, write) },
  merge: { usage: MERGE_USAGE, run: (a) => merge(a, log) },
  'export-onnx': { usage: EXPORT_USAGE, run: (a) => exportOnnx(a, log) },
  info: { usage: INFO_USAGE, run: (a) => info(a, log) },
};

function usage(): string {
  return [
    'usage: peftjs <command> [options]   (peftjs <command> --help for its options)',
    ...Object.values(COMMANDS).map((c) => `  ${c.usage.split('\n')[0]}`),
  ].join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    log(usage());
    return name === undefined ? 1 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`peftjs: unknown command '${name}' (commands: ${Object.keys(COMMANDS).join(', ')})\n`);
    return 1;
  }
  if (args.includes('--help') || args.includes('-h')) {
    log(command.usage);
    return 0;
  }
  try {
    await command.run(args);
    return 0;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`peftjs ${name}: ${message.split('\n')[0]}\n`);
    if (!(err instanceof CliError) && process.env.PEFTJS_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
