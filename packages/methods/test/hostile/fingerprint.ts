import { createHash } from 'node:crypto';
import type { Module, Tensor } from '@peftjs/core';

/** What a caller holds of a model: every tensor object by name, its flags, and a hash of all values. */
export interface Fingerprint {
  tensors: Map<string, Tensor>;
  modules: Map<string, Module>;
  flags: string;
  hash: string;
}

export async function fingerprint(model: Module): Promise<Fingerprint> {
  const tensors = model.stateDict();
  const modules = new Map(model.namedModules());
  const hash = createHash('sha256');
  const flags: string[] = [];
  for (const [name, t] of tensors) {
    flags.push(`${name}:${t.requiresGrad}:${t.isDisposed}`);
    hash.update(name);
    if (!t.isDisposed) hash.update(new Uint8Array((await t.data()).buffer.slice(0)));
  }
  for (const [name, m] of modules) flags.push(`${name}:${m.training}`);
  return { tensors, modules, flags: flags.join('\n'), hash: hash.digest('hex') };
}

/** Throws unless `model` holds exactly what `before` recorded: the same objects, flags and values. */
export async function expectUnchanged(model: Module, before: Fingerprint): Promise<void> {
  const after = await fingerprint(model);
  const problems: string[] = [];
  for (const [name, t] of before.tensors) if (after.tensors.get(name) !== t) problems.push(`tensor ${name} was replaced`);
  for (const name of after.tensors.keys()) if (!before.tensors.has(name)) problems.push(`tensor ${name} appeared`);
  for (const [name, m] of before.modules) if (after.modules.get(name) !== m) problems.push(`module ${name} was replaced`);
  if (after.flags !== before.flags) problems.push(`flags changed:\n${diffLines(before.flags, after.flags)}`);
  if (after.hash !== before.hash) problems.push('tensor values changed');
  if (problems.length > 0) throw new Error(`the caller's model changed: ${problems.slice(0, 8).join('; ')}`);
}

function diffLines(a: string, b: string): string {
  const bs = new Set(b.split('\n'));
  return a
    .split('\n')
    .filter((l) => !bs.has(l))
    .slice(0, 5)
    .join('\n');
}
