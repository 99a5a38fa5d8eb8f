/** The demo's comparison table: test accuracy, trainable parameters and training time of each run. */

export interface RunSummary {
  /** The row's name: "linear probe", "LoRA", "full fine-tuning". */
  readonly name: string;
  readonly accuracy: number;
  readonly trainable: number;
  readonly all: number;
  /** Training wall time. */
  readonly seconds: number;
  /** Training loss of every step. */
  readonly losses: readonly number[];
}

const percent = (x: number, digits = 1) => `${(100 * x).toFixed(digits)}%`;
const count = (n: number) => n.toLocaleString('en-US');

/** The share of trainable parameters with enough digits to tell a small share from zero. */
export function share(trainable: number, all: number): string {
  const x = trainable / all;
  if (x === 1) return '100%';
  if (x === 0) return '0%';
  const digits = Math.max(1, Math.min(4, 1 - Math.floor(Math.log10(100 * x))));
  return percent(x, digits);
}

/** A Markdown table (readable as plain text too), columns padded to line up. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], align: readonly ('left' | 'right')[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const cell = (text: string, i: number) => (align[i] === 'right' ? text.padStart(widths[i]) : text.padEnd(widths[i]));
  const line = (cells: readonly string[]) => `| ${cells.map(cell).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (align[i] === 'right' ? `${'-'.repeat(w + 1)}:` : `${'-'.repeat(w + 2)}`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

export function resultsTable(runs: readonly RunSummary[], majorityAccuracy: number, testSize: number): string {
  const rows = [
    [`majority class (always ham)`, percent(majorityAccuracy), '0', '0%', '-'],
    ...runs.map((r) => [r.name, percent(r.accuracy), count(r.trainable), share(r.trainable, r.all), `${r.seconds.toFixed(1)} s`]),
  ];
  return formatTable([`method (test: ${testSize} emails)`, 'test accuracy', 'trainable parameters', 'share', 'train time'], rows, [
    'left',
    'right',
    'right',
    'right',
    'right',
  ]);
}
