// The project's one rule for file names, checked over every tracked file (npm run lint runs this):
// - TypeScript and JavaScript files are kebab-case (`tuner-layer.ts`, `adapter-files.test.ts`);
// - except a file in a `kernels/`, `fast/` or `gradients/` folder named for the kernel it implements
//   (a key of core's kernel table, camelCase as the table spells it: `scatterAdd.ts`) or for the op
//   whose gradient rule it holds (an op core exports: `indexSelect.ts`);
// - Python, C, C++ and CUDA files are snake_case, as those languages name them;
// - other files (data, documents, Hugging Face's own file names such as `tokenizer_config.json`) are free.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const KEBAB = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const SNAKE = /^[a-z0-9]+(_[a-z0-9]+)*$/;
const CODE = /\.(m|c)?(ts|js|tsx|jsx)$/;
const NATIVE = /\.(py|c|cc|cpp|h|hpp|cu|cuh)$/;
const NAMED_FOR_KERNELS = /(^|\/)(kernels|fast|gradients)\//;

/** Kernel names (core's kernel table) and the ops core exports, the names kernel files may take. */
function kernelAndOpNames() {
  const names = new Set();
  const table = readFileSync(join(root, 'packages/core/src/kernels.ts'), 'utf8');
  for (const m of table.matchAll(/^\s{2}(\w+)\??\((a:|$)/gm)) names.add(m[1]);
  // the elementwise and reduction ops of the table (`type UnaryOp = 'gelu' | 'geluTanh' | ...`)
  for (const m of table.matchAll(/^export type \w+Op = ([^;]+);/gm)) for (const v of m[1].matchAll(/'(\w+)'/g)) names.add(v[1]);
  const opsDir = join(root, 'packages/core/src/ops');
  for (const file of readdirSync(opsDir, { recursive: true })) {
    if (!String(file).endsWith('.ts')) continue;
    const text = readFileSync(join(opsDir, String(file)), 'utf8');
    for (const m of text.matchAll(/^export function (\w+)/gm)) names.add(m[1]);
    // the op names the engine records (`op: 'logSumExp'`), which the gradient rules are keyed by
    for (const m of text.matchAll(/\bop: '(\w+)'/g)) names.add(m[1]);
  }
  return names;
}

const files = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);
const allowed = kernelAndOpNames();
const wrong = [];
for (const path of files) {
  if (path.startsWith('packages/conformance/golden/')) continue;
  const name = path.slice(path.lastIndexOf('/') + 1);
  const stem = name.replace(/(\.d)?(\.test|\.spec|\.config|\.bench)?\.[a-z]+$/, '');
  if (CODE.test(name)) {
    if (KEBAB.test(stem)) continue;
    if (NAMED_FOR_KERNELS.test(path) && allowed.has(stem)) continue;
    wrong.push(
      `${path}: TypeScript and JavaScript files are kebab-case${NAMED_FOR_KERNELS.test(path) ? ' (or named for a kernel or op core has)' : ''}`,
    );
  } else if (NATIVE.test(name) && !SNAKE.test(stem)) {
    wrong.push(`${path}: Python, C++ and CUDA files are snake_case`);
  }
}
if (wrong.length > 0) {
  console.error(`file names: ${wrong.length} file(s) break the naming rule (scripts/check-file-names.mjs):\n  ${wrong.join('\n  ')}`);
  process.exit(1);
}
