import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import '@peftjs/backend-cpu';
import { Linear, QuantizedLinear, loadSafetensors, memory, setBackend, tidy } from '@peftjs/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { LlamaForCausalLM } from '../src/index.js';
import { fromPretrained } from '../src/node/index.js';

const GOLDEN = process.env.PEFTJS_GOLDEN_DIR ?? join(__dirname, '../../conformance/golden');
const dir = join(GOLDEN, 'peft', 'lora_llama');

/** fromPretrained reads config.json and model.safetensors: the golden case keeps them under other names. */
async function llamaDir(): Promise<string> {
  const { mkdtempSync, copyFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const out = mkdtempSync(join(tmpdir(), 'quantized-'));
  copyFileSync(join(dir, 'base_config.json'), join(out, 'config.json'));
  copyFileSync(join(dir, 'base_model.safetensors'), join(out, 'model.safetensors'));
  return out;
}

async function logits(model: LlamaForCausalLM): Promise<Float32Array> {
  const inputs = loadSafetensors(readFileSync(join(dir, 'input.safetensors')));
  const out = tidy(() => model.eval().forward({ inputIds: inputs.get('input_ids'), attentionMask: inputs.get('attention_mask') }).logits);
  const values = (await out.data()) as Float32Array;
  out.dispose();
  for (const t of inputs.values()) t.dispose();
  return values;
}

describe('fromPretrained with quantization', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  for (const bits of [4, 8] as const) {
    it(`bits ${bits}: every decoder Linear is quantized, lm_head and embeddings stay float, logits stay near the float model's`, async () => {
      const path = await llamaDir();
      const float = await fromPretrained<LlamaForCausalLM>(path);
      const q = await fromPretrained<LlamaForCausalLM>(path, { quantization: { bits } });
      const kinds = new Map<string, string>();
      for (const [name, m] of q.namedModules())
        if (m instanceof Linear || m instanceof QuantizedLinear) kinds.set(name, m.constructor.name);
      expect(kinds.get('lm_head')).toBe('Linear');
      const decoder = [...kinds].filter(([n]) => n.startsWith('model.layers.'));
      expect(decoder.length).toBeGreaterThan(0);
      expect(decoder.every(([, k]) => k === 'QuantizedLinear')).toBe(true);
      const [a, b] = [await logits(float), await logits(q)];
      let err = 0;
      let scale = 0;
      for (let i = 0; i < a.length; i++) {
        err = Math.max(err, Math.abs(a[i] - b[i]));
        scale = Math.max(scale, Math.abs(a[i]));
      }
      console.log(`bits ${bits}: max |logit − float logit| = ${err.toExponential(2)} (largest |logit| ${scale.toFixed(3)})`);
      expect(err).toBeGreaterThan(0);
      expect(err).toBeLessThan(bits === 8 ? 0.02 * scale : 0.3 * scale);
      float.dispose();
      q.dispose();
    });
  }

  it('a bad quantization config fails before loading and leaves nothing behind', async () => {
    const before = memory().numTensors;
    await expect(fromPretrained(dir, { quantization: { bits: 2 } as never })).rejects.toThrow(/bits must be 4 \(NF4\) or 8 \(int8\)/);
    expect(memory().numTensors).toBe(before);
  });
});
