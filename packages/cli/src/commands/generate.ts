import { Generator, tensor } from '@peftjs/core';
import { TextStreamer, generate as generateTokens } from '@peftjs/models';
import { list, nonNegativeInt, parseFlags, positiveInt, positiveNumber, required } from '../args.js';
import { useBackend } from '../backend.js';
import { CliError } from '../errors.js';
import { loadCausalLM, loadTokenizer, withAdapter } from '../load.js';

export const GENERATE_USAGE = `peftjs generate --model DIR [--adapter DIR] --prompt TEXT [options]
  --max-new-tokens N (default 64)   --min-new-tokens N
  --do-sample  --temperature X  --top-k N (default 50)  --top-p X  --seed N (sampling, seeded Philox)
  --repetition-penalty X   --num-beams N   --stop a,b (stop strings)   --no-cache
  --backend cpu|webgpu`;

const FLAGS = {
  model: { type: 'string' },
  adapter: { type: 'string' },
  prompt: { type: 'string' },
  'max-new-tokens': { type: 'string' },
  'min-new-tokens': { type: 'string' },
  'do-sample': { type: 'boolean' },
  temperature: { type: 'string' },
  'top-k': { type: 'string' },
  'top-p': { type: 'string' },
  seed: { type: 'string' },
  'repetition-penalty': { type: 'string' },
  'num-beams': { type: 'string' },
  stop: { type: 'string' },
  'no-cache': { type: 'boolean' },
  backend: { type: 'string' },
} as const;

/** Streams the continuation of --prompt to `write` as it is generated. */
export async function generate(args: readonly string[], write: (text: string) => void): Promise<void> {
  const { values } = parseFlags(args, FLAGS);
  const modelDir = required(values.model, 'model');
  const prompt = required(values.prompt, 'prompt');
  const topP = positiveNumber(values['top-p'], 'top-p', 1);
  if (topP > 1) throw new CliError(`--top-p must be in (0, 1], got '${values['top-p']}'`);
  const numBeams = positiveInt(values['num-beams'], 'num-beams', 1);
  const options = {
    maxNewTokens: positiveInt(values['max-new-tokens'], 'max-new-tokens', 64),
    minNewTokens: nonNegativeInt(values['min-new-tokens'], 'min-new-tokens', 0),
    doSample: values['do-sample'] ?? false,
    temperature: positiveNumber(values.temperature, 'temperature', 1),
    topK: nonNegativeInt(values['top-k'], 'top-k', 50),
    topP,
    repetitionPenalty: positiveNumber(values['repetition-penalty'], 'repetition-penalty', 1),
    numBeams,
    useCache: !values['no-cache'],
    generator: new Generator(nonNegativeInt(values.seed, 'seed', 0)),
  };
  if (options.doSample && numBeams > 1) throw new CliError('--do-sample and --num-beams > 1 cannot be combined');
  const stopStrings = list(values.stop) ?? [];
  const tokenizer = await loadTokenizer(modelDir);
  await useBackend(values.backend);
  const base = await loadCausalLM(modelDir);
  const model = values.adapter !== undefined ? await withAdapter(base, values.adapter) : base;
  model.eval();
  const ids = tokenizer.encode(prompt);
  if (ids.length === 0) throw new CliError('--prompt gives no tokens');
  const inputIds = tensor([ids], { dtype: 'int32' });
  const eos = tokenizer.eosTokenId;
  try {
    write(prompt);
    const streamer = numBeams === 1 ? new TextStreamer(tokenizer, write, eos === undefined ? [] : [eos]) : null;
    const out = await generateTokens(model, { inputIds }, { ...options, stopStrings, tokenizer, streamer });
    if (!streamer) write(tokenizer.decode(out.sequenceIds[0].slice(ids.length).filter((t) => t !== eos)));
    write('\n');
    out.sequences.dispose();
  } finally {
    inputIds.dispose();
    model.dispose();
  }
}
