import type { FieldSpec, FieldTable } from '../config.js';

/** A family's config fields: Llama's, with some changed or added and some HF's class does not have removed. */
export function fieldsFrom(
  base: FieldTable,
  changes: Record<string, FieldSpec | Partial<FieldSpec>>,
  remove: readonly string[] = [],
): FieldTable {
  const out: FieldTable = {};
  for (const [k, spec] of Object.entries(base)) if (!remove.includes(k)) out[k] = { ...spec, ...(changes[k] ?? {}) };
  for (const [k, spec] of Object.entries(changes)) if (!(k in base)) out[k] = spec as FieldSpec;
  return out;
}
