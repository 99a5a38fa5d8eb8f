import '@peftjs/backend-cpu';
import { memory, setBackend } from '@peftjs/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadPretrained, memorySource } from '../../src/index.js';

beforeAll(async () => {
  await setBackend('cpu');
});

const gpt2 = (fields: Record<string, unknown>) =>
  memorySource({ 'config.json': JSON.stringify({ model_type: 'gpt2', n_layer: 1, ...fields }) });

describe('configs that would allocate too much are refused before any allocation', () => {
  for (const [label, fields, message] of [
    [
      'n_embd 1e6',
      { n_embd: 1_000_000, n_head: 1 },
      /wte \(vocab_size x n_embd\) would hold .* more than the cpu backend's largest buffer/,
    ],
    ['n_positions 1e9', { n_positions: 1_000_000_000 }, /wpe \(n_positions x n_embd\) would hold/],
    ['an unknown activation_function', { activation_function: 'nope' }, /activation_function.*"nope" is not one of/],
  ] as const) {
    it(label, async () => {
      const before = memory();
      await expect(loadPretrained(gpt2(fields))).rejects.toThrow(message);
      expect(memory().numTensors).toBe(before.numTensors);
      expect(memory().numBytes).toBe(before.numBytes);
    });
  }

  it('architectures naming prototype properties are not classes', async () => {
    for (const name of ['constructor', '__proto__', 'toString']) {
      const source = memorySource({ 'config.json': JSON.stringify({ architectures: [name] }) });
      await expect(loadPretrained(source)).rejects.toThrow(/unknown model_type/);
      const typed = memorySource({ 'config.json': JSON.stringify({ model_type: 'gpt2', architectures: [name] }) });
      await expect(loadPretrained(typed)).rejects.toThrow(/are not supported for gpt2/);
    }
  });
});
