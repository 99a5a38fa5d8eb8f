/**
 * The `weight_map` of `model.safetensors.index.json` (tensor name → shard file), checked before any
 * shard is opened: each value must be a relative file name that stays inside the checkpoint folder.
 */

/** Whether a shard name stays inside the folder: relative, and no `..` climbs above it. */
function staysInside(name: string): boolean {
  if (name === '' || name.includes('\0') || name.startsWith('/') || name.startsWith('\\') || /^[A-Za-z]:/.test(name)) return false;
  let depth = 0;
  for (const part of name.split(/[\\/]/)) {
    if (part === '..') depth--;
    else if (part !== '' && part !== '.') depth++;
    if (depth < 0) return false;
  }
  return depth > 0;
}

/** Parses the index text into name → shard, in the file's order; every problem names `file`. */
export function parseWeightMap(text: string, file: string): Map<string, string> {
  let index: unknown;
  try {
    index = JSON.parse(text);
  } catch (e) {
    throw new Error(`loadPretrained: ${file} is not valid JSON (${(e as Error).message})`);
  }
  const weightMap =
    typeof index === 'object' && index !== null && !Array.isArray(index) && Object.hasOwn(index, 'weight_map')
      ? (index as { weight_map: unknown }).weight_map
      : undefined;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) {
    throw new Error(
      `loadPretrained: ${file} needs a "weight_map" object of tensor name -> shard file, got ${JSON.stringify(weightMap) ?? 'nothing'}`,
    );
  }
  const out = new Map<string, string>();
  for (const [name, shard] of Object.entries(weightMap)) {
    if (typeof shard !== 'string')
      throw new Error(
        `loadPretrained: ${file}: weight_map[${JSON.stringify(name)}] must be a shard file name, got ${JSON.stringify(shard)}`,
      );
    if (!staysInside(shard))
      throw new Error(
        `loadPretrained: ${file}: weight_map[${JSON.stringify(name)}] points outside the checkpoint folder: ${JSON.stringify(shard)}`,
      );
    out.set(name, shard);
  }
  return out;
}
