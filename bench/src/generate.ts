/**
 * Greedy decoding throughput with the KV cache on the committed byte-gpt2 (apps/examples/models):
 *   peft.js   generate() on the CPU backend (one thread)
 *   PyTorch   the same GPT-2 (python/gpt2_generate.py), cached greedy decoding, all cores and one thread
 * prompt 64 bytes of real text and 64 new tokens, batch 1 and 8, in the same run. Both must produce
 * the same tokens: the correctness check.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { getBackend, setBackend, tensor } from '@peftjs/core';
import '@peftjs/backend-cpu';
import { generate, type GPT2LMHeadModel } from '@peftjs/models';
import { fromPretrained } from '@peftjs/models/node';
import { ByteTokenizer } from '@peftjs/data';
import { loadMobyDick } from '@peftjs/datasets';
import { ensurePyTorch, runPythonJson } from './pytorch.js';
import { printTable } from './timing.js';

const MODEL_DIR = fileURLToPath(new URL('../../apps/examples/models/byte-gpt2', import.meta.url));
const PYTHON_SCRIPT = fileURLToPath(new URL('../python/gpt2_generate.py', import.meta.url));

interface Row {
  name: string;
  threads: number;
  batch: number;
  seconds: number;
  tokens: number[][];
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function positiveInt(value: string | undefined, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`generate: --${flag} must be a positive integer, got ${value}`);
  return n;
}

/** `batch` windows of `length` bytes of Moby Dick's text, far apart. */
function prompts(batch: number, length: number): Int32Array {
  const bytes = new ByteTokenizer().encode(loadMobyDick().train);
  const out = new Int32Array(batch * length);
  for (let i = 0; i < batch; i++) out.set(bytes.slice(10_000 * (i + 1), 10_000 * (i + 1) + length), i * length);
  return out;
}

async function peftGenerate(
  model: GPT2LMHeadModel,
  ids: Int32Array,
  batch: number,
  promptLen: number,
  newTokens: number,
  runs: number,
): Promise<Row> {
  const inputIds = tensor(ids, { shape: [batch, promptLen], dtype: 'int32' });
  const once = async () => {
    const start = performance.now();
    const out = await generate(model, { inputIds }, { maxNewTokens: newTokens, eosTokenId: null, padTokenId: 0 });
    const seconds = (performance.now() - start) / 1000;
    out.sequences.dispose();
    return { seconds, tokens: out.sequenceIds.map((r) => r.slice(promptLen)) };
  };
  await once(); // warm-up
  const times: number[] = [];
  let tokens: number[][] = [];
  for (let i = 0; i < runs; i++) ({ seconds: times[i], tokens } = await once());
  inputIds.dispose();
  return { name: 'peft.js', threads: 1, batch, seconds: median(times), tokens };
}

export async function benchGenerate(args: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      prompt: { type: 'string', default: '64' },
      new: { type: 'string', default: '64' },
      batches: { type: 'string', default: '1,8' },
      runs: { type: 'string', default: '3' },
    },
  });
  const promptLen = positiveInt(values.prompt, 'prompt');
  const newTokens = positiveInt(values.new, 'new');
  const runs = positiveInt(values.runs, 'runs');
  const batches = values.batches!.split(',').map((b) => positiveInt(b, 'batches'));
  await setBackend('cpu');
  const model = await fromPretrained<GPT2LMHeadModel>(MODEL_DIR);
  model.eval();
  if (promptLen + newTokens > model.config.nPositions)
    throw new RangeError(
      `generate: prompt ${promptLen} + ${newTokens} new tokens exceed byte-gpt2's n_positions ${model.config.nPositions}`,
    );
  const cores = availableParallelism();
  console.log(
    `greedy decoding with the KV cache, byte-gpt2 (${model.config.nLayer} layers, n_embd ${model.config.nEmbd}, vocab ${model.config.vocabSize}); prompt ${promptLen} + ${newTokens} new tokens; Node ${process.version}, ${cores} core(s)`,
  );
  const torchMissing = ensurePyTorch();
  if (torchMissing) console.log(`PyTorch skipped: ${torchMissing}`);
  const dir = mkdtempSync(join(tmpdir(), 'peftjs-bench-generate-'));
  const rows: Row[] = [];
  try {
    for (const batch of batches) {
      const ids = prompts(batch, promptLen);
      console.log(`peft.js (${getBackend()} backend), batch ${batch}...`);
      const peft = await peftGenerate(model, ids, batch, promptLen, newTokens, runs);
      rows.push(peft);
      if (torchMissing) continue;
      const file = join(dir, `prompts-${batch}.bin`);
      writeFileSync(file, ids);
      for (const threads of cores > 1 ? [cores, 1] : [1]) {
        console.log(`PyTorch, ${threads} thread(s), batch ${batch}...`);
        const t = runPythonJson<{ torch: string; threads: number; seconds: number; tokens: number[][] }>(PYTHON_SCRIPT, [
          MODEL_DIR,
          file,
          String(batch),
          String(promptLen),
          String(newTokens),
          String(threads),
          String(runs),
        ]);
        rows.push({ name: `PyTorch ${t.torch} ${t.threads}t`, threads: t.threads, batch, seconds: t.seconds, tokens: t.tokens });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    model.dispose();
  }
  printTable(
    ['implementation', 'batch', 'threads', 's/generate', 'tokens/s', 'peft.js/this', 'same tokens as peft.js'],
    rows.map((r) => {
      const peft = rows.find((p) => p.name === 'peft.js' && p.batch === r.batch)!;
      const rate = (x: Row) => (x.batch * newTokens) / x.seconds;
      return [
        r.name,
        String(r.batch),
        String(r.threads),
        r.seconds.toFixed(3),
        rate(r).toFixed(0),
        `${(rate(peft) / rate(r)).toFixed(3)}x`,
        JSON.stringify(r.tokens) === JSON.stringify(peft.tokens) ? 'yes' : 'NO',
      ];
    }),
  );
}
