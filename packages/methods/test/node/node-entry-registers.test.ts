// Only the Node entry is imported here (vitest gives each file its own modules): it must register
// the methods itself, as a user who writes `import { fromPretrained } from '@peftjs/methods/node'` expects.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@peftjs/backend-cpu';
import { Linear, Module, saveSafetensors, setBackend, tensor, tidy, type Tensor } from '@peftjs/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { fromPretrained } from '../../src/node/index.js';

class OneLayer extends Module {
  constructor() {
    super();
    this.registerModule('fc', new Linear(2, 2, { bias: false }));
  }
  forward(x: Tensor): Tensor {
    return this.child<Linear>('fc').forward(x);
  }
}

describe('@peftjs/methods/node on its own', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  it('fromPretrained finds LoRA without importing the main entry', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peftjs-node-entry-'));
    writeFileSync(join(dir, 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', r: 1, lora_alpha: 1, target_modules: ['fc'] }));
    const a = tensor([[1, 0]]);
    const b = tensor([[1], [2]]);
    writeFileSync(
      join(dir, 'adapter_model.safetensors'),
      await saveSafetensors(
        new Map([
          ['base_model.model.fc.lora_A.weight', a],
          ['base_model.model.fc.lora_B.weight', b],
        ]),
      ),
    );
    const model = new OneLayer();
    const peft = await fromPretrained(model, dir);
    const x = tensor([[3, 5]]);
    const delta = tidy(() => peft.forward(x).sub(peft.disableAdapter(() => peft.forward(x))));
    // ΔW x = B A x = [1, 2]ᵀ · 3
    const [d0, d1] = await delta.data();
    expect(d0).toBeCloseTo(3, 5);
    expect(d1).toBeCloseTo(6, 5);
    for (const t of [a, b, x, delta]) t.dispose();
    peft.dispose();
  });
});
