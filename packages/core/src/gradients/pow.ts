import { registerGradient } from '../autograd/registry.js';
import { cast, eq, ge, log, logicalAnd, mul, pow, sub, sumToShape, where } from '../ops/index.js';

/** d(a^b) = (b a^(b−1), a^b log a); the exponent's gradient is 0 where a = 0 and b ≥ 0 (as PyTorch) */
registerGradient({
  op: 'pow',
  saveOutputs: true,
  backward: ([g], { inputs: [a, b], outputs: [y], inputShapes }) => {
    const da = mul(g, mul(b, pow(a, sub(b, 1))));
    const zeroBase = logicalAnd(eq(a, 0), ge(b, 0));
    const db = where(zeroBase, 0, mul(g, mul(y, log(a))));
    return [sumToShape(da, inputShapes[0]), sumToShape(cast(db, g.dtype), inputShapes[1])];
  },
});
