/**
 * Matmul throughput on the WebGPU backend: GFLOP/s of an n×n×n product, timed over several runs
 * after a warm-up, each run ending in a read so the GPU work is finished.
 *
 *   npx tsx bench/matmul.ts [n ...]     (default 256 512)
 *
 * Without a GPU, run it on SwiftShader with the variables vitest.config.ts sets.
 */
import { matmul, randn, setBackend, tidy } from '@peftjs/core';
import '../src/index.js';

const sizes = process.argv.slice(2).map(Number);
await setBackend('webgpu');
for (const n of sizes.length ? sizes : [256, 512]) {
  const a = randn([n, n]);
  const b = randn([n, n]);
  const once = async (reps: number) => {
    const c = tidy(() => {
      let last = matmul(a, b);
      for (let r = 1; r < reps; r++) {
        last.dispose();
        last = matmul(a, b);
      }
      return last;
    });
    await c.data();
    c.dispose();
  };
  await once(2);
  const reps = Math.max(2, Math.round(2 ** 27 / n ** 3));
  const start = performance.now();
  await once(reps);
  const seconds = (performance.now() - start) / 1000;
  console.log(
    `n=${n}: ${((2 * n ** 3 * reps) / seconds / 1e9).toFixed(2)} GFLOP/s (${reps} runs, ${((seconds * 1000) / reps).toFixed(1)} ms each)`,
  );
  a.dispose();
  b.dispose();
}
process.exit(0);
