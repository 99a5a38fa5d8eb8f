/**
 * The regexes of adapter configs (target_modules, exclude_modules, layers_pattern, rank_pattern and
 * alpha_pattern keys, ...) run on RE2's linear-time engine, never on a backtracking one: a hostile
 * `adapter_config.json` cannot stall the event loop with a pattern like `([a-z_.0-9]+)+X`. PEFT's
 * semantics are kept (Python's re.fullmatch, re.match and re.search over module names); the few Python
 * features RE2 lacks (backreferences, lookaround) are refused with a message naming the pattern.
 */
import { RE2JS } from 're2js';

const cache = new Map<string, RE2JS>();
const MAX_CACHED = 512;

/** Longest pattern accepted: module names are short, and RE2's program grows with the pattern. */
export const MAX_PATTERN_LENGTH = 4096;

function compiled(pattern: string, field: string): RE2JS {
  const hit = cache.get(pattern);
  if (hit) return hit;
  if (typeof pattern !== 'string') throw new TypeError(`${field}: a regex must be a string, got ${typeof pattern}`);
  if (pattern.length > MAX_PATTERN_LENGTH)
    throw new RangeError(`${field}: the regex is ${pattern.length} characters, more than the ${MAX_PATTERN_LENGTH} allowed`);
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (e) {
    throw new SyntaxError(
      `${field}: regex ${JSON.stringify(pattern)} cannot be used: ${(e as Error).message} ` +
        '(config regexes run on a linear-time engine, which has no backreferences or lookaround)',
    );
  }
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
  cache.set(pattern, re);
  return re;
}

/** Python's re.fullmatch(pattern, text) is not None. */
export function fullMatch(pattern: string, text: string, field: string): boolean {
  return compiled(pattern, field).matches(text);
}

/** Python's re.match(pattern, text) is not None (anchored at the start only). */
export function matchStart(pattern: string, text: string, field: string): boolean {
  return compiled(pattern, field).matcher(text).lookingAt();
}

/** Python's re.search(pattern, text): group `group` of the first match, or null. */
export function searchGroup(pattern: string, text: string, group: number, field: string): string | null {
  const m = compiled(pattern, field).matcher(text);
  return m.find() ? m.group(group) : null;
}

/** Checks that a config's pattern compiles (at config creation, so a bad one fails early). */
export function checkPattern(pattern: string, field: string): void {
  compiled(pattern, field);
}
