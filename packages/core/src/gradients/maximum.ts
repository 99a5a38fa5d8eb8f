import { registerGradient } from '../autograd/registry.js';
import { add, cast, eq, gt, mul, sumToShape } from '../ops/index.js';
import type { Tensor } from '../tensor.js';

const winner = (x: Tensor, y: Tensor, wins: typeof gt): Tensor => add(cast(wins(x, y), x.dtype), mul(cast(eq(x, y), x.dtype), 0.5));

/** the gradient goes to the larger operand; ties split it evenly (as PyTorch) */
registerGradient({
  op: 'maximum',
  backward: ([g], { inputs: [a, b], inputShapes }) => [
    sumToShape(mul(g, winner(a, b, gt)), inputShapes[0]),
    sumToShape(mul(g, winner(b, a, gt)), inputShapes[1]),
  ],
});
