import { statSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError } from './errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** The command's flags (node:util parseArgs, strict): an unknown flag or a missing value is a CliError naming it. */
export function parseFlags<O extends Options>(
  args: readonly string[],
  options: O,
  positionals = 0,
): { values: ReturnType<typeof parseArgs<{ options: O; allowPositionals: true }>>['values']; positionals: string[] } {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CliError(
      (err as Error).message.replace(/\. To specify a positional argument.*$/s, '').replace(/^Unknown option/, 'unknown option'),
    );
  }
  if (parsed.positionals.length > positionals) throw new CliError(`unexpected argument '${parsed.positionals[positionals]}'`);
  return { values: parsed.values, positionals: parsed.positionals };
}

export function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new CliError(`--${flag} is required`);
  return value;
}

export function positiveInt(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`--${flag} must be a positive integer, got '${value}'`);
  return n;
}

export function nonNegativeInt(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new CliError(`--${flag} must be a non-negative integer, got '${value}'`);
  return n;
}

export function positiveNumber(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new CliError(`--${flag} must be a positive number, got '${value}'`);
  return n;
}

/** A number in [0, 1). */
export function fraction(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n >= 1) throw new CliError(`--${flag} must be a number from 0 to below 1, got '${value}'`);
  return n;
}

export function existingDir(path: string, flag: string): string {
  const kind = statKind(path);
  if (kind !== 'dir') throw new CliError(`--${flag} ${path}: ${kind === 'file' ? 'is a file, not a folder' : 'no such folder'}`);
  return path;
}

export function existingFile(path: string, flag: string): string {
  const kind = statKind(path);
  if (kind !== 'file') throw new CliError(`--${flag} ${path}: ${kind === 'dir' ? 'is a folder, not a file' : 'no such file'}`);
  return path;
}

function statKind(path: string): 'file' | 'dir' | null {
  try {
    const s = statSync(path);
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : null;
  } catch {
    return null;
  }
}

/** A comma-separated list (`c_attn,c_proj`). */
export function list(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new CliError(`expected a comma-separated list, got '${value}'`);
  return items;
}
