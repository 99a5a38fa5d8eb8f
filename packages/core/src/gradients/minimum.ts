import { registerGradient } from '../autograd/registry.js';
import { add, cast, eq, lt, mul, sumToShape } from '../ops/index.js';
import type { Tensor } from '../tensor.js';

const winner = (x: Tensor, y: Tensor, wins: typeof lt): Tensor => add(cast(wins(x, y), x.dtype), mul(cast(eq(x, y), x.dtype), 0.5));

/** the gradient goes to the smaller operand; ties split it evenly (as PyTorch) */
registerGradient({
  op: 'minimum',
  backward: ([g], { inputs: [a, b], inputShapes }) => [
    sumToShape(mul(g, winner(a, b, lt)), inputShapes[0]),
    sumToShape(mul(g, winner(b, a, lt)), inputShapes[1]),
  ],
});
