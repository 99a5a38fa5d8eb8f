import { registerGradient } from '../autograd/registry.js';
import { permute } from '../ops/index.js';

/** the inverse permutation */
const inverse = (dims: readonly number[]): number[] => {
  const inv = new Array<number>(dims.length);
  dims.forEach((d, i) => (inv[d] = i));
  return inv;
};

registerGradient<{ dims: number[] }>({
  op: 'permute',
  saveInputs: false,
  backward: ([g], { attrs: { dims } }) => [permute(g, inverse(dims))],
});
