import { memory, noGrad, tidy, type Module, type Tensor } from '@peftjs/core';
import type { LlamaForCausalLM, ModelOutput } from '@peftjs/models';
import { loadBase, readTensors, relError } from './golden.js';

export interface CaseRun {
  /** Relative error of the output (float32 against out, float64 against out_f64). */
  out: number;
  /** Relative error of the output without the method against out_base. */
  outBase: number;
  /** Relative error of each gradient, by golden name. */
  grads: Map<string, number>;
}

export interface CaseSetup {
  /** The trainable modules, by the prefix of their golden names (`prompt_encoder.default.`). */
  trainable: Module;
  /** How golden parameter names map to the trainable module's. */
  goldenName: (name: string) => string;
  forward: (inputs: { inputIds: Tensor; attentionMask: Tensor }) => ModelOutput;
  /** The same model with the method disabled. */
  baseForward: (inputs: { inputIds: Tensor; attentionMask: Tensor }) => ModelOutput;
  dispose: () => void;
}

/**
 * Loads the golden case's base, lets `setup` add the method, loads the trained values from
 * peft_state.safetensors and checks output and d(sum(out²)) against the golden in `dtype`.
 */
export async function runGoldenCase(
  name: string,
  dtype: 'float32' | 'float64',
  setup: (base: LlamaForCausalLM) => CaseSetup,
): Promise<CaseRun> {
  const base = await loadBase<LlamaForCausalLM>(name);
  for (const p of base.parameters()) p.requiresGrad = false;
  const method = setup(base);
  const state = readTensors(name, 'peft_state.safetensors');
  const own = new Map(method.trainable.stateDict());
  const values = new Map<string, Tensor>();
  for (const [key, t] of state) {
    const local = method.goldenName(key);
    if (own.has(local)) values.set(local, t);
  }
  method.trainable.loadStateDict(values);
  if (dtype === 'float64') {
    base.to('float64');
    method.trainable.to('float64');
  }
  const inputs = readTensors(name, 'input.safetensors');
  const outputs = readTensors(name, 'output.safetensors');
  const grads = readTensors(name, 'grads.safetensors');
  const before = memory().numTensors;
  const modelInputs = { inputIds: inputs.get('input_ids')!, attentionMask: inputs.get('attention_mask')! };
  const { logits } = method.forward(modelInputs);
  const loss = tidy(() => logits.square().sum());
  loss.backward();
  const baseLogits = noGrad(() => method.baseForward(modelInputs).logits);
  const suffix = dtype === 'float64' ? '.f64' : '';
  const result: CaseRun = {
    out: await relError(logits, outputs.get(dtype === 'float64' ? 'out_f64' : 'out')!),
    // out_base is float32 only
    outBase: await relError(baseLogits, outputs.get('out_base')!),
    grads: new Map(),
  };
  const made = memory().numTensors - before;
  const params = new Map([...method.trainable.namedParameters()].filter(([, p]) => p.requiresGrad));
  for (const key of grads.keys()) {
    if (key.endsWith('.f64')) continue;
    const p = params.get(method.goldenName(key));
    if (!p) throw new Error(`${name}: no parameter for the golden gradient ${key} (looked for ${method.goldenName(key)})`);
    if (!p.grad) throw new Error(`${name}: ${key} got no gradient`);
    result.grads.set(key, await relError(p.grad, grads.get(key + suffix)!));
  }
  if (result.grads.size !== params.size)
    throw new Error(`${name}: ${params.size} trainable parameters, ${result.grads.size} golden gradients`);
  // what the forward made beyond the results: nothing (leaves' grads are counted)
  const gradCount = [...params.values()].filter((p) => p.grad).length;
  if (made !== 3 + gradCount) throw new Error(`${name}: the forward and backward left ${made - 3 - gradCount} tensors behind`);
  for (const t of [logits, loss, baseLogits, ...state.values(), ...inputs.values(), ...outputs.values(), ...grads.values()]) t.dispose();
  method.dispose();
  base.dispose();
  return result;
}
