import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot, workspaceDirs } from './workspace.js';

/** The marker before a ```ts block that is type-checked but not run (`<!-- typecheck-only: needs a GPU -->`). */
export const TYPECHECK_ONLY = '<!-- typecheck-only';

export interface Snippet {
  /** `README.md#2`, `packages/core/README.md#1`: the file and the block's number in it. */
  where: string;
  /** A file name for the block (letters, digits and dashes). */
  fileName: string;
  code: string;
  run: boolean;
}

/** The READMEs whose TypeScript blocks users copy: the root's and every workspace package's. */
export function readmeFiles(): string[] {
  const dirs = [repoRoot, ...workspaceDirs()];
  return dirs.map((d) => join(d, 'README.md')).filter((f) => existsSync(f));
}

/** Every ```ts block of a README, with whether the line before it marks it typecheck-only. */
export function snippetsOf(file: string): Snippet[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const where = relative(repoRoot, file);
  const out: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i]!)) continue;
    const end = lines.indexOf('```', i + 1);
    if (end < 0) throw new Error(`${where}: the block at line ${i + 1} is not closed`);
    const marker = lines
      .slice(0, i)
      .reverse()
      .find((l) => l.trim() !== '');
    const n = out.length + 1;
    out.push({
      where: `${where}#${n}`,
      fileName: `${where.replace(/\/?README\.md$/, '').replace(/[^a-zA-Z0-9]+/g, '-') || 'root'}-${n}`,
      // a block without imports or exports is a script to TypeScript; every block is a module here
      code: `${lines.slice(i + 1, end).join('\n')}\nexport {};\n`,
      run: !marker?.trim().startsWith(TYPECHECK_ONLY),
    });
    i = end;
  }
  return out;
}

export function allSnippets(): Snippet[] {
  return readmeFiles().flatMap(snippetsOf);
}
