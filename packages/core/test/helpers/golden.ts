import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The golden folder: PEFTJS_GOLDEN_DIR, else the first shared/golden or ../shared/golden walking up from the cwd. */
export function goldenDir(): string {
  const given = process.env.PEFTJS_GOLDEN_DIR;
  if (given) return given;
  for (let dir = resolve(process.cwd()); ; dir = dirname(dir)) {
    for (const candidate of [join(dir, '..', 'shared', 'golden'), join(dir, 'shared', 'golden')]) {
      if (existsSync(candidate) && statSync(candidate).isDirectory()) return candidate;
    }
    if (dirname(dir) === dir) throw new Error('golden: no shared/golden found above the cwd; set PEFTJS_GOLDEN_DIR');
  }
}

/** Every `.safetensors` file under `dir`, recursively, sorted. */
export function safetensorsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...safetensorsFiles(path));
    else if (entry.name.endsWith('.safetensors')) out.push(path);
  }
  return out.sort();
}
