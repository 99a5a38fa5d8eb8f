import type { Tensor } from '../tensor.js';
import { gelu, relu, sigmoid, silu, tanh } from '../ops/unary.js';
import { mul } from '../ops/binary.js';

/** Hugging Face's activation names (ACT2FN) that peft.js computes. */
export const ACTIVATIONS: Record<string, (x: Tensor) => Tensor> = {
  gelu: (x) => gelu(x),
  gelu_new: (x) => gelu(x, { approximate: 'tanh' }),
  gelu_pytorch_tanh: (x) => gelu(x, { approximate: 'tanh' }),
  gelu_fast: (x) => gelu(x, { approximate: 'tanh' }),
  relu,
  silu,
  swish: silu,
  tanh,
  sigmoid,
  quick_gelu: (x) => {
    const s = sigmoid(mul(x, 1.702));
    try {
      return mul(x, s);
    } finally {
      s.dispose();
    }
  },
};

/** The activation function called `name` in Hugging Face configs (`hidden_act`, `activation_function`). */
export function getActivation(name: string): (x: Tensor) => Tensor {
  const fn = Object.hasOwn(ACTIVATIONS, name) ? ACTIVATIONS[name] : undefined;
  if (!fn) throw new RangeError(`getActivation: unknown activation '${name}'; known: ${Object.keys(ACTIVATIONS).join(', ')}`);
  return fn;
}
