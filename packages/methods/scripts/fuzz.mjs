// The long fuzz mode: `npm run fuzz -- --cases 100000 [--seed N]` runs the loader fuzz suite with that many cases per loader.
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const value = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : fallback;
};
const env = { ...process.env, PEFTJS_FUZZ_CASES: value('--cases', '100000'), PEFTJS_FUZZ_SEED: value('--seed', String(Date.now() % 1e6)) };
console.log(`fuzz: ${env.PEFTJS_FUZZ_CASES} cases per loader, seed ${env.PEFTJS_FUZZ_SEED}`);
const run = spawnSync('npx', ['vitest', 'run', 'test/hostile/fuzz.test.ts', '--testTimeout', '0'], { stdio: 'inherit', env });
process.exit(run.status ?? 1);
