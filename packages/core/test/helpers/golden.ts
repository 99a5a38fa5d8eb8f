import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The golden folder: PEFTJS_GOLDEN_DIR, else the copy committed with the conformance package (core
 * cannot depend on conformance, which depends on core, so the path is spelled out here).
 */
export function goldenDir(): string {
  const dir = process.env.PEFTJS_GOLDEN_DIR ?? join(__dirname, '..', '..', '..', 'conformance', 'golden');
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new Error(`golden: ${dir} is not a directory (PEFTJS_GOLDEN_DIR names another folder)`);
  return dir;
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
