/**
 * The foundation demo: fit a small MLP to a noisy function on the chosen backend and print the loss.
 * Options: --backend <name> (default cpu), --steps <n> (default 300), --seed <n>.
 */
import { AdamW, Lambda, Linear, Sequential, manualSeed, memory, mseLoss, randn, relu, setBackend, tidy, getBackend } from '@peftjs/core';
import '@peftjs/backend-cpu';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'cpu' },
    steps: { type: 'string', default: '300' },
    seed: { type: 'string', default: '0' },
  },
});
const steps = Number(values.steps);
if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`--steps must be a positive integer, got ${values.steps}`);

await setBackend(values.backend!);
manualSeed(Number(values.seed));

// y = sin(x1 + x2) + x3·x4 + noise, 512 samples of 4 features
const x = randn([512, 4]);
const [x1, x2, x3, x4] = [0, 1, 2, 3].map((i) => x.slice(1, i, i + 1));
const y = tidy(() => x1.add(x2).sin().add(x3.mul(x4)).add(randn([512, 1], { std: 0.05 })));

const model = new Sequential(new Linear(4, 32), new Lambda(relu), new Linear(32, 32), new Lambda(relu), new Linear(32, 1));
const optimizer = new AdamW(model.parameters(), { lr: 1e-2, weightDecay: 0 });

console.log(`peft.js demo on the ${getBackend()} backend: a 4-32-32-1 MLP, ${steps} AdamW steps`);
const start = performance.now();
for (let step = 1; step <= steps; step++) {
  const loss = tidy(() => {
    const l = mseLoss(model.forward(x), y);
    optimizer.zeroGrad();
    l.backward();
    optimizer.step();
    return l;
  });
  if (step === 1 || step % 50 === 0 || step === steps) {
    console.log(`step ${String(step).padStart(4)}  loss ${(await loss.item()).toFixed(5)}  live tensors ${memory().numTensors}`);
  }
  loss.dispose();
}
console.log(`done in ${((performance.now() - start) / 1000).toFixed(1)} s`);
