import {
  AdamW,
  DataLoader,
  Dropout,
  Linear,
  Module,
  Trainer,
  crossEntropy,
  manualSeed,
  relu,
  type Tensor,
  type TrainerOptions,
} from '@peftjs/core';

export interface Batch {
  x: Tensor;
  y: Tensor;
}

/** A two-layer MLP with a Dropout layer, so every step draws random masks. */
export class DropoutMlp extends Module {
  readonly fc1 = this.registerModule('fc1', new Linear(4, 16));
  readonly drop = this.registerModule('drop', new Dropout(0.2));
  readonly fc2 = this.registerModule('fc2', new Linear(16, 3));
  forward(batch: Batch): { loss: Tensor; logits: Tensor } {
    const h = relu(this.fc1.forward(batch.x));
    const logits = this.fc2.forward(this.drop.forward(h));
    return { loss: crossEntropy(logits, batch.y), logits };
  }
}

export function dataset(n: number, seed = 99): { x: Float32Array; y: number }[] {
  let s = seed;
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  return Array.from({ length: n }, () => {
    const x = Float32Array.from({ length: 4 }, next);
    return { x, y: (x[0] + x[1] > 0 ? 1 : 0) + (x[2] > 0.3 ? 1 : 0) };
  });
}

/** A Trainer on DropoutMlp, its weights seeded with `seed`. */
export function trainerFor(seed: number, options: Partial<TrainerOptions<Batch>> = {}) {
  manualSeed(seed);
  const model = new DropoutMlp();
  const optimizer = new AdamW(model.parameters(), { lr: 0.02, weightDecay: 0.01 });
  const trainLoader = new DataLoader<{ x: Float32Array; y: number }, Batch>(dataset(32), { batchSize: 4, shuffle: true, seed: 5 });
  const evalLoader = new DataLoader<{ x: Float32Array; y: number }, Batch>(dataset(32, 7), { batchSize: 4 });
  const trainer = new Trainer<Batch>({ model, optimizer, trainLoader, evalLoader, maxSteps: 6, loggingSteps: 1, seed, ...options });
  return {
    model,
    optimizer,
    trainer,
    dispose: () => {
      model.dispose();
      optimizer.dispose();
    },
  };
}
