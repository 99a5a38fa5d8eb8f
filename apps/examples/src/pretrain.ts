/**
 * `npm run pretrain`: trains a small byte-level GPT-2 from scratch on the State of the Union and Moby
 * Dick training splits (CPU backend), reports validation loss and perplexity per byte, and writes
 * config.json, model.safetensors, tokenizer.json, tokenizer_config.json, training.json and TRAINING.md to --out
 * (default apps/examples/models/byte-gpt2). `--help` lists the options.
 */
import { OPTION_HELP, parsePretrainOptions } from './pretrain/options.js';
import { runPretrain } from './pretrain/run.js';

const args = process.argv.slice(2);
if (args.includes('--help')) {
  console.log(`usage: npm run pretrain -- [options]\n${OPTION_HELP}`);
} else {
  await runPretrain(parsePretrainOptions(args), `npm run pretrain${args.length ? ` -- ${args.join(' ')}` : ''}`);
}
