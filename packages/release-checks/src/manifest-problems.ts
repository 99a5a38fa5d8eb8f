import type { WorkspacePackage } from './workspaces.js';

/** Where the project lives; every published package points there. */
export const REPOSITORY = {
  url: 'git+https://github.com/peftjs/peft.js.git',
  web: 'https://github.com/peftjs/peft.js',
  issues: 'https://github.com/peftjs/peft.js/issues',
} as const;

export const LICENSE = 'Apache-2.0';
export const COPY_LICENSE = 'node ../../scripts/copy-license.mjs';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * What is missing or wrong in a publishable package's package.json, one sentence each naming the
 * field and the value found; empty when it is complete.
 */
export function manifestProblems({ dir, manifest: m }: WorkspacePackage): string[] {
  const problems: string[] = [];
  const name = m.name ?? dir;
  const bad = (field: string, want: string, got: unknown) =>
    problems.push(`${name}: "${field}" must be ${want}, got ${JSON.stringify(got)}`);

  if (typeof m.description !== 'string' || m.description.trim().length < 20)
    bad('description', 'a sentence saying what the package is', m.description);
  if (m.license !== LICENSE) bad('license', `"${LICENSE}"`, m.license);
  if (!Array.isArray(m.keywords) || m.keywords.length === 0 || !m.keywords.every((k) => typeof k === 'string' && k.length > 0)) {
    bad('keywords', 'a non-empty array of words', m.keywords);
  } else if (!m.keywords.includes('peft')) bad('keywords', 'a list that includes "peft"', m.keywords);
  if (typeof m.homepage !== 'string' || !m.homepage.startsWith(REPOSITORY.web))
    bad('homepage', `an address under ${REPOSITORY.web}`, m.homepage);
  if (!isObject(m.bugs) || m.bugs.url !== REPOSITORY.issues) bad('bugs', `{ "url": "${REPOSITORY.issues}" }`, m.bugs);
  const repo = m.repository;
  if (!isObject(repo) || repo.type !== 'git' || repo.url !== REPOSITORY.url || repo.directory !== dir) {
    bad('repository', `{ "type": "git", "url": "${REPOSITORY.url}", "directory": "${dir}" }`, repo);
  }
  if (m.scripts?.prepack !== COPY_LICENSE)
    bad('scripts.prepack', `"${COPY_LICENSE}" (npm packs only the package folder's own LICENSE)`, m.scripts?.prepack);
  if (entryPoints(m).length === 0) bad('exports', 'at least one built entry point', m.exports);
  return problems;
}

/** Every file `main`, `types`, `exports` (all conditions and subpaths) and `bin` name, as tarball paths (dist/index.js). */
export function entryPoints(m: WorkspacePackage['manifest']): string[] {
  const found = new Set<string>();
  const visit = (v: unknown) => {
    if (typeof v === 'string') found.add(v.replace(/^\.\//, ''));
    else if (Array.isArray(v)) v.forEach(visit);
    else if (isObject(v)) Object.values(v).forEach(visit);
  };
  visit(m.main);
  visit(m.types);
  visit(m.exports);
  visit(m.bin);
  // a subpath pattern ("./*") names no one file
  return [...found].filter((p) => !p.includes('*')).sort();
}
