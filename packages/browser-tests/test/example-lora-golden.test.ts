/**
 * The example page's LoRA layer against Hugging Face PEFT: the golden `peft/lora` case (PEFT 0.18.1,
 * r = 4, alpha = 8 on q_proj, v_proj and up_proj of TinyNet) rebuilt from its saved state with
 * core's ops and the page's LoraLinear, on the CPU backend in Node. Output and the gradients of
 * every A and B must match PEFT's; with PEFT's own initialisation (B = 0) the output is the base's.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { locateGoldenDir } from '@peftjs/conformance';
import {
  Linear, add, gelu, layerNorm, loadSafetensors, memory, scaledDotProductAttention, setBackend, square, sum, tidy, type Tensor,
} from '@peftjs/core';
import '@peftjs/backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoraLinear } from '../../../apps/examples/browser/lora-linear.js';

type Layer = { forward(x: Tensor): Tensor };
const TARGETS = ['q_proj', 'v_proj', 'up_proj'];

/** Largest |actual − expected| over the largest |expected|. */
async function relativeError(actual: Tensor, expected: Tensor): Promise<number> {
  const [a, e] = [await actual.data(), await expected.data()];
  expect(a.length).toBe(e.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < e.length; i++) {
    diff = Math.max(diff, Math.abs(Number(a[i]) - Number(e[i])));
    scale = Math.max(scale, Math.abs(Number(e[i])));
  }
  return diff / scale;
}

describe("the example page's LoraLinear against HF PEFT (golden peft/lora)", () => {
  let files: Record<'state' | 'input' | 'output' | 'grads', Map<string, Tensor>>;

  beforeAll(async () => {
    await setBackend('cpu');
    const dir = join((await locateGoldenDir()).dir, 'peft', 'lora');
    const load = (name: string) => loadSafetensors(readFileSync(join(dir, `${name}.safetensors`)));
    files = { state: load('peft_state'), input: load('input'), output: load('output'), grads: load('grads') };
  });

  afterAll(() => {
    for (const map of Object.values(files ?? {})) for (const t of map.values()) t.dispose();
  });

  const saved = (name: string): Tensor => {
    const t = files.state.get(`base_model.model.${name}`);
    if (!t) throw new Error(`golden peft/lora: no tensor base_model.model.${name}`);
    return t;
  };

  function linear(prefix: string): Linear {
    const weight = saved(`${prefix}.weight`);
    const layer = new Linear(weight.shape[1], weight.shape[0]);
    layer.loadStateDict({ weight, bias: saved(`${prefix}.bias`) });
    return layer;
  }

  /** TinyNet (see the golden README) with LoRA on the targets; `peftWeights` false keeps our own init. */
  function tinyNet(peftWeights: boolean): { layers: Record<string, Layer & { dispose(): void }>; lora: Record<string, LoraLinear> } {
    const layers: Record<string, Layer & { dispose(): void }> = {};
    const lora: Record<string, LoraLinear> = {};
    for (const name of ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'up_proj', 'down_proj']) {
      if (!TARGETS.includes(name)) {
        layers[name] = linear(name);
        continue;
      }
      const wrapped = new LoraLinear(linear(`${name}.base_layer`), 4, 8);
      if (peftWeights) {
        wrapped.loraA.loadStateDict({ weight: saved(`${name}.lora_A.default.weight`) });
        wrapped.loraB.loadStateDict({ weight: saved(`${name}.lora_B.default.weight`) });
      }
      layers[name] = lora[name] = wrapped;
    }
    return { layers, lora };
  }

  function forward(layers: Record<string, Layer>, x: Tensor): Tensor {
    const h = layerNorm(x, [16], saved('norm.weight'), saved('norm.bias'), 1e-5);
    const attended = scaledDotProductAttention(layers.q_proj.forward(h), layers.k_proj.forward(h), layers.v_proj.forward(h), { isCausal: true });
    const x1 = add(x, layers.o_proj.forward(attended));
    return add(x1, layers.down_proj.forward(gelu(layers.up_proj.forward(x1))));
  }

  it('matches PEFT: output and the gradients of sum(out²) with respect to every A and B', async () => {
    const before = memory().numTensors;
    const { layers, lora } = tinyNet(true);
    const out = tidy(() => forward(layers, files.input.get('x')!));
    expect(await relativeError(out, files.output.get('out')!)).toBeLessThan(1e-5);
    const loss = tidy(() => sum(square(out)));
    loss.backward();
    for (const name of TARGETS) {
      for (const [part, layer] of [['lora_A', lora[name].loraA], ['lora_B', lora[name].loraB]] as const) {
        const want = files.grads.get(`base_model.model.${name}.${part}.default.weight`)!;
        const got = layer.weight.grad;
        expect(got, `${name}.${part} has a gradient`).toBeTruthy();
        expect(await relativeError(got!, want), `${name}.${part} gradient`).toBeLessThan(1e-4);
      }
      expect(lora[name].baseLayer.weight.grad, `${name} base weight stays frozen`).toBeNull();
    }
    for (const t of [out, loss]) t.dispose();
    for (const layer of Object.values(layers)) layer.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it("with its own initialisation (B = 0) the output is the base model's, as PEFT's init is", async () => {
    const { layers } = tinyNet(false);
    const out = tidy(() => forward(layers, files.input.get('x')!));
    expect(await relativeError(out, files.output.get('out_base')!)).toBeLessThan(1e-5);
    out.dispose();
    for (const layer of Object.values(layers)) layer.dispose();
  });
});
