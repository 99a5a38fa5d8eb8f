import { registerGradient } from '../autograd/registry.js';
import { mul, pow } from '../ops/index.js';

/** d x^(−1/2) = −½ x^(−3/2) = −½ y³ */
registerGradient({
  op: 'rsqrt',
  saveOutputs: true,
  saveInputs: false,
  backward: ([g], { outputs: [y] }) => [mul(g, mul(pow(y, 3), -0.5))],
});
