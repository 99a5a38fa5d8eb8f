/**
 * A training run that saves a checkpoint after every step and is killed from outside (at random
 * moments) or kills itself at the commit point numbered by argv[4] (SIGKILL: no cleanup runs).
 * Usage: checkpoint-child.ts <dir> <fresh|same> <steps> <killAtPoint|-1>
 */
import { fileCheckpointStore } from '@peftjs/core/node';
import { setBackend } from '@peftjs/core';
import '@peftjs/backend-cpu';
import { join } from 'node:path';
import { trainerFor } from './trainer-fixture.js';

const [dir, mode, steps, killAt] = process.argv.slice(2) as [string, 'fresh' | 'same', string, string];
let points = 0;
const store = fileCheckpointStore({
  onCommitPoint: () => {
    if (points++ === Number(killAt)) process.kill(process.pid, 'SIGKILL');
  },
});

await setBackend('cpu');
const run = trainerFor(11, {
  maxSteps: Number(steps),
  checkpointStore: store,
  callbacks: [
    {
      onLog: async ({ trainer, state }) => {
        await trainer.saveCheckpoint(mode === 'fresh' ? join(dir, `checkpoint-${state.globalStep}`) : join(dir, 'checkpoint'));
      },
    },
  ],
});
// the parent times random kills from here, past the process and module start-up
process.stdout.write('training\n');
await run.trainer.train();
process.stdout.write(`done ${points}\n`);
