import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../bin/peftjs.js', import.meta.url));
const MODEL = fileURLToPath(new URL('../../../apps/examples/models/byte-gpt2', import.meta.url));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function peftjs(cwd: string, ...args: string[]): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function ok(r: Run): string {
  expect(
    r.stderr
      .split('\n')
      .filter((l) => l && !l.includes('step '))
      .join('\n'),
  ).toBe('');
  expect(r.status).toBe(0);
  return r.stdout;
}

/** One line on stderr that matches, a non-zero exit. */
function fails(r: Run, pattern: RegExp): void {
  expect(r.status).not.toBe(0);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
}

describe('the peftjs command on the committed byte-gpt2', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'peftjs-cli-'));
    const text = readFileSync(join(MODEL, 'TRAINING.md'), 'utf8').slice(0, 2400);
    writeFileSync(join(dir, 'text.txt'), text);
    const rows = ['a fine calm sea', 'storm and wreck', 'the calm harbour', 'a storm at night', 'calm waters', 'wreck on the rocks'];
    writeFileSync(join(dir, 'labels.jsonl'), rows.map((text, i) => JSON.stringify({ text, label: i % 2 ? 'storm' : 'calm' })).join('\n'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('train (causal LM, checkpoints, held-out eval, loss PNG), then --resume continues', () => {
    const out = ok(
      peftjs(
        dir,
        'train',
        '--model',
        MODEL,
        '--method',
        'lora',
        '--r',
        '4',
        '--target',
        'c_attn,c_proj',
        '--data',
        'text.txt',
        '--out',
        'lm',
        '--steps',
        '4',
        '--batch',
        '2',
        '--seq',
        '32',
        '--save-steps',
        '2',
        '--quiet',
      ),
    );
    expect(out).toMatch(/LORA on gpt2 \(cpu\): 22,528 trainable of 865,152 parameters; causal-lm/);
    expect(out).toMatch(/held-out loss \d/);
    expect(readdirSync(join(dir, 'lm')).sort()).toEqual([
      'adapter_config.json',
      'adapter_model.safetensors',
      'checkpoint-2',
      'checkpoint-4',
      'loss.png',
    ]);
    expect([...readFileSync(join(dir, 'lm', 'loss.png')).subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
    expect(JSON.parse(readFileSync(join(dir, 'lm', 'adapter_config.json'), 'utf8'))).toMatchObject({
      peft_type: 'LORA',
      r: 4,
      target_modules: ['c_attn', 'c_proj'],
    });
    fails(
      peftjs(dir, 'train', '--model', MODEL, '--data', 'text.txt', '--out', 'lm', '--steps', '6', '--quiet'),
      /--out lm already holds a trained adapter or checkpoints; pass --resume/,
    );
    const resumed = ok(
      peftjs(
        dir,
        'train',
        '--model',
        MODEL,
        '--r',
        '4',
        '--target',
        'c_attn,c_proj',
        '--data',
        'text.txt',
        '--out',
        'lm',
        '--steps',
        '6',
        '--batch',
        '2',
        '--seq',
        '32',
        '--save-steps',
        '2',
        '--resume',
        '--quiet',
      ),
    );
    expect(resumed).toContain(`resuming from ${join('lm', 'checkpoint-4')}`);
    expect(readdirSync(join(dir, 'lm'))).toContain('checkpoint-6');
  });

  it('train a classifier from .jsonl with --config', () => {
    writeFileSync(
      join(dir, 'ia3.json'),
      JSON.stringify({ peft_type: 'IA3', target_modules: ['c_attn', 'mlp.c_proj'], feedforward_modules: ['mlp.c_proj'] }),
    );
    const out = ok(
      peftjs(
        dir,
        'train',
        '--model',
        MODEL,
        '--config',
        'ia3.json',
        '--data',
        'labels.jsonl',
        '--out',
        'cls',
        '--steps',
        '2',
        '--batch',
        '2',
        '--eval-split',
        '0.3',
        '--quiet',
      ),
    );
    expect(out).toMatch(/IA3 on gpt2 \(cpu\): .* classification, 4 training and 2 held-out examples/);
    expect(existsSync(join(dir, 'cls', 'adapter_model.safetensors'))).toBe(true);
  });

  it('generate streams; merge writes a whole model; export-onnx loads in onnxruntime; info lists the tensors', async () => {
    const prompt = 'The model';
    const text = ok(peftjs(dir, 'generate', '--model', MODEL, '--adapter', 'lm', '--prompt', prompt, '--max-new-tokens', '12'));
    expect(text.startsWith(prompt)).toBe(true);
    const sampled = ok(
      peftjs(dir, 'generate', '--model', MODEL, '--prompt', prompt, '--max-new-tokens', '8', '--do-sample', '--seed', '3', '--top-k', '20'),
    );
    expect(
      ok(
        peftjs(
          dir,
          'generate',
          '--model',
          MODEL,
          '--prompt',
          prompt,
          '--max-new-tokens',
          '8',
          '--do-sample',
          '--seed',
          '3',
          '--top-k',
          '20',
        ),
      ),
    ).toBe(sampled);
    // the merged model generates what the model with its adapter does
    expect(ok(peftjs(dir, 'merge', '--model', MODEL, '--adapter', 'lm', '--out', 'merged'))).toMatch(/wrote merged/);
    expect(readdirSync(join(dir, 'merged')).sort()).toEqual([
      'config.json',
      'model.safetensors',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    expect(ok(peftjs(dir, 'generate', '--model', 'merged', '--prompt', prompt, '--max-new-tokens', '12'))).toBe(text);
    ok(peftjs(dir, 'export-onnx', '--model', MODEL, '--adapter', 'lm', '--out', 'lm.onnx'));
    const session = await ort.InferenceSession.create(join(dir, 'lm.onnx'));
    const ids = new ort.Tensor('int64', BigInt64Array.from([84n, 104n, 101n]), [1, 3]);
    const { logits } = await session.run({
      input_ids: ids,
      attention_mask: new ort.Tensor('int64', BigInt64Array.from([1n, 1n, 1n]), [1, 3]),
    });
    expect(logits.dims).toEqual([1, 3, 257]);
    const infoAdapter = ok(peftjs(dir, 'info', 'lm'));
    expect(infoAdapter).toMatch(/^adapter: LORA \(task CAUSAL_LM\)/);
    expect(infoAdapter).toMatch(/parameters: 22,528 in 24 tensors/);
    const infoModel = ok(peftjs(dir, 'info', MODEL));
    expect(infoModel).toMatch(/^model: gpt2 \(GPT2LMHeadModel\)/);
    expect(infoModel).toContain('transformer.wte.weight  F32 [257, 128]');
  });

  it('every bad argument or file: one line naming it, a non-zero exit, nothing written', () => {
    fails(peftjs(dir, 'frobnicate'), /^peftjs: unknown command 'frobnicate'/);
    fails(peftjs(dir, 'train', '--data', 'text.txt', '--out', 'x'), /^peftjs train: --model is required$/);
    fails(peftjs(dir, 'train', '--model', 'nope', '--data', 'text.txt', '--out', 'x'), /^peftjs train: --model nope: no such folder$/);
    fails(
      peftjs(dir, 'train', '--model', MODEL, '--data', 'missing.jsonl', '--out', 'x'),
      /^peftjs train: --data missing.jsonl: no such file$/,
    );
    fails(
      peftjs(dir, 'train', '--model', MODEL, '--data', 'text.txt', '--out', 'x', '--steps', '0'),
      /^peftjs train: --steps must be a positive integer, got '0'$/,
    );
    fails(
      peftjs(dir, 'train', '--model', MODEL, '--data', 'text.txt', '--out', 'x', '--method', 'nosuch'),
      /^peftjs train: --method nosuch: .*NOSUCH/,
    );
    fails(
      peftjs(dir, 'train', '--model', MODEL, '--data', 'text.txt', '--out', 'x', '--target', 'no_such_layer', '--steps', '1'),
      /^peftjs train: --target: .*no_such_layer/,
    );
    fails(peftjs(dir, 'train', '--model', MODEL, '--data', 'text.txt', '--out', 'x', '--bogus'), /^peftjs train: unknown option '--bogus'/);
    fails(
      peftjs(dir, 'train', '--model', MODEL, '--data', 'text.txt', '--out', 'x', '--backend', 'tpu'),
      /^peftjs train: --backend must be cpu or webgpu, got 'tpu'$/,
    );
    writeFileSync(join(dir, 'bad.jsonl'), '{"text": "fine"}\n{oops}\n');
    fails(
      peftjs(dir, 'train', '--model', MODEL, '--data', 'bad.jsonl', '--out', 'x'),
      /^peftjs train: --data bad.jsonl: line 2 is not JSON/,
    );
    fails(
      peftjs(dir, 'generate', '--model', MODEL, '--prompt', 'hi', '--top-p', '2'),
      /^peftjs generate: --top-p must be in \(0, 1\], got '2'$/,
    );
    fails(
      peftjs(dir, 'generate', '--model', MODEL, '--adapter', 'nowhere', '--prompt', 'hi'),
      /^peftjs generate: --adapter nowhere: no such folder$/,
    );
    fails(
      peftjs(dir, 'merge', '--model', MODEL, '--adapter', 'lm', '--out', 'merged'),
      /^peftjs merge: --out merged exists and is not empty/,
    );
    fails(
      peftjs(dir, 'export-onnx', '--model', MODEL, '--out', 'model.bin'),
      /^peftjs export-onnx: --out model.bin: the file name must end in .onnx$/,
    );
    fails(peftjs(dir, 'info', 'text.txt'), /^peftjs info: --DIR text.txt: is a file, not a folder$/);
    expect(existsSync(join(dir, 'x'))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.endsWith('.onnx'))).toEqual(['lm.onnx']);
  });
});
