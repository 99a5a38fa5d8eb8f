import { registerGradient } from '../autograd/registry.js';
import { crossEntropyBackward, type CrossEntropyAttrs } from '../ops/index.js';

/** Fused backward kernel: dlogits = dloss · (softmax − smoothed one-hot); the target gets none */
registerGradient<CrossEntropyAttrs>({
  op: 'crossEntropy',
  backward: ([g], { inputs: [logits, target], attrs }) => [crossEntropyBackward(logits, target, g, attrs), null],
});
