import { rand, type Tensor } from '@peftjs/core';

/**
 * PyTorch's kaiming_uniform_(t, a=√5) for a shape [rows, ...fanIn]: uniform in ±1/√fanIn (the
 * default init of nn.Linear, and of most PEFT factors), from core's seeded generator.
 */
export function kaimingUniform(shape: readonly number[], dtype: 'float32' | 'float64'): Tensor {
  const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
  const bound = 1 / Math.sqrt(fanIn);
  return rand([...shape], { low: -bound, high: bound, dtype });
}
