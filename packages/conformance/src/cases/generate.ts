import { type Module, readSafetensors, tensor, type Tensor } from '@peftjs/core';
import { generate, loadPretrained, memorySource, type GenerateOutput } from '@peftjs/models';
import { peftModelFromFiles } from '@peftjs/methods';
import type { GoldenSource } from '../golden/files.js';
import type { CaseContext, ConformanceCase } from '../types.js';
import { assertClose, assertEqual, check } from '../util/compare.js';

/** `<golden>/generate/<case>/meta.json`: what transformers' generate was called with (see the golden README). */
interface GenerateMeta {
  case: string;
  model: string;
  golden_case: string;
  adapter: { peft_type: string } | null;
  generate_kwargs: { max_new_tokens: number; do_sample: boolean; num_beams: number; eos_token_id: number | number[]; pad_token_id: number };
  output_keys: string[];
}

interface Expected {
  values: Float64Array;
  shape: number[];
}

function arrays(bytes: Uint8Array): Map<string, Expected> {
  const parsed = readSafetensors(bytes);
  return new Map(
    [...parsed.tensors].map(([k, e]) => [
      k,
      { values: Float64Array.from(e.data as ArrayLike<number | bigint>, Number), shape: [...e.shape] },
    ]),
  );
}

/** The generation cases the golden index lists as written. */
export async function generateCaseNames(source: GoldenSource): Promise<string[]> {
  const index = JSON.parse(await source.readText('generate/index.json')) as { cases?: Record<string, { status?: string }> };
  return Object.entries(index.cases ?? {})
    .filter(([, c]) => c.status === 'written')
    .map(([name]) => name)
    .sort();
}

/** The case's model as transformers ran it: the golden base, with the case's adapter files loaded as PeftModel.from_pretrained does. */
async function loadModel(source: GoldenSource, meta: GenerateMeta): Promise<Module> {
  const dir = meta.golden_case;
  const base = await loadPretrained(
    memorySource({
      'config.json': await source.readBytes(`${dir}/base_config.json`),
      'model.safetensors': await source.readBytes(`${dir}/base_model.safetensors`),
    }),
  );
  if (!meta.adapter) return base.eval();
  try {
    const peft = peftModelFromFiles(base, {
      config: await source.readText(`${dir}/adapter_config.json`),
      weights: await source.readBytes(`${dir}/adapter_model.safetensors`),
    });
    return peft.eval();
  } catch (err) {
    base.dispose();
    throw err;
  }
}

function intTensor(e: Expected): Tensor {
  return tensor(Int32Array.from(e.values), { shape: e.shape });
}

/** Sequences token for token, every step's logits within the float32 tolerance, beam scores too. */
function compare(name: string, ctx: CaseContext, got: GenerateOutput, want: Map<string, Expected>): void {
  const sequences = want.get('sequences')!;
  const [b, len] = sequences.shape;
  check(
    got.sequenceIds.length === b && got.sequenceIds.every((r) => r.length === len),
    `${name}: sequences are [${got.sequenceIds.length}, ${got.sequenceIds[0]?.length}], expected [${b}, ${len}]`,
  );
  assertEqual(`${name}: sequences`, got.sequenceIds.flat(), sequences.values, sequences.shape);
  const logits = want.get('logits')!;
  const [steps, rows, vocab] = logits.shape;
  check(got.logits?.length === steps, `${name}: ${got.logits?.length} steps of logits, expected ${steps}`);
  for (let s = 0; s < steps; s++) {
    const wantStep = logits.values.subarray(s * rows * vocab, (s + 1) * rows * vocab);
    assertClose(`${name}: logits of step ${s}`, got.logits![s], wantStep, ctx.tolerances.reduction, [rows, vocab]);
  }
  const scores = want.get('sequences_scores');
  if (scores) assertClose(`${name}: sequences_scores`, got.sequencesScores ?? [], scores.values, ctx.tolerances.reduction);
}

function generationCase(source: GoldenSource, name: string): ConformanceCase {
  return {
    suite: 'generate',
    name,
    timeout: 120_000,
    run: (ctx) =>
      ctx.onBackend(async () => {
        const meta = JSON.parse(await source.readText(`generate/${name}/meta.json`)) as GenerateMeta;
        const inputs = arrays(await source.readBytes(`generate/${name}/inputs.safetensors`));
        const want = arrays(await source.readBytes(`generate/${name}/output.safetensors`));
        const model = await loadModel(source, meta);
        const inputIds = intTensor(inputs.get('input_ids')!);
        const attentionMask = intTensor(inputs.get('attention_mask')!);
        try {
          const k = meta.generate_kwargs;
          const out = await generate(
            model,
            { inputIds, attentionMask },
            {
              maxNewTokens: k.max_new_tokens,
              doSample: k.do_sample,
              numBeams: k.num_beams,
              eosTokenId: k.eos_token_id,
              padTokenId: k.pad_token_id,
              outputLogits: true,
            },
          );
          out.sequences.dispose();
          compare(name, ctx, out, want);
        } finally {
          inputIds.dispose();
          attentionMask.dispose();
          model.dispose();
        }
      }),
  };
}

/**
 * transformers' generate with real PEFT (greedy left-padded and unpadded, 3-beam search, a row
 * ending at EOS): sequences token for token and every step's logits. A golden folder without
 * generate/ fails one listing case.
 */
export async function generateCases(source: GoldenSource | Error): Promise<ConformanceCase[]> {
  let names: string[];
  try {
    if (source instanceof Error) throw source;
    names = await generateCaseNames(source);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return [
      {
        suite: 'generate',
        name: 'generation golden cases are listed',
        run: async () => {
          throw new Error(`generate: ${message}`);
        },
      },
    ];
  }
  return names.map((n) => generationCase(source as GoldenSource, n));
}
