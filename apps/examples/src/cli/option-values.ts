/** Reading the example commands' options: node's parseArgs, then numbers checked with messages that name the option and the value. */
import { parseArgs } from 'node:util';

type OptionSpecs = Record<string, { readonly type: 'string' | 'boolean'; readonly default?: string | boolean }>;
export type OptionValues = Record<string, unknown>;

/** Decimal integers only: "1e3", "0x10" and "2.0" are not taken for integers. */
const INTEGER = /^[+-]?\d+$/;
/** Decimal numbers with an optional exponent (3e-4, .5, 2.). */
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * `--steps -1` as `--steps=-1`: parseArgs takes a value that starts with a dash for another option,
 * so a negative number after an option that takes a value is joined to it and reaches that option's
 * own check and message.
 */
function joinNegativeValues(args: readonly string[], specs: OptionSpecs): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = args[i].startsWith('--') ? args[i].slice(2) : '';
    const takesValue = Object.hasOwn(specs, name) && specs[name].type === 'string';
    if (takesValue && i + 1 < args.length && /^-[\d.]/.test(args[i + 1])) out.push(`${args[i]}=${args[++i]}`);
    else out.push(args[i]);
  }
  return out;
}

/** parseArgs (strict, no positionals) with its errors prefixed by the command's name. */
export function parseCommandLine(command: string, args: readonly string[], specs: OptionSpecs): OptionValues {
  const options = Object.fromEntries(
    Object.entries(specs).map(([k, o]) => [k, { type: o.type, ...('default' in o ? { default: o.default } : {}) }]),
  );
  try {
    return parseArgs({ args: joinNegativeValues(args, specs), options: options as never, strict: true, allowPositionals: false }).values;
  } catch (e) {
    // parseArgs' own messages may run over several lines
    throw new RangeError(`${command}: ${(e as Error).message.split('\n').join(' ')} (see --help)`);
  }
}

/** The integer value of `--flag`, from `min` to `max`. */
export function integerOption(command: string, values: OptionValues, flag: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = values[flag];
  const n = typeof raw === 'string' && INTEGER.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new RangeError(`${command}: --${flag} must be an integer ${range}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

/** The number value of `--flag`: above 0 (`positive`), or at least `min`. */
export function numberOption(command: string, values: OptionValues, flag: string, bound: { positive: true } | { min: number }): number {
  const raw = values[flag];
  const n = typeof raw === 'string' && NUMBER.test(raw.trim()) ? Number(raw) : NaN;
  const ok = Number.isFinite(n) && ('positive' in bound ? n > 0 : n >= bound.min);
  if (!ok)
    throw new RangeError(
      `${command}: --${flag} must be ${'positive' in bound ? 'a positive number' : `a number ≥ ${bound.min}`}, got ${JSON.stringify(raw)}`,
    );
  return n;
}
