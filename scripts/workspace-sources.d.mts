export interface SourceEntry {
  specifier: string;
  file: string;
}
export function sourceEntries(): SourceEntry[];
export function sourceAliases(): { find: RegExp; replacement: string }[];
