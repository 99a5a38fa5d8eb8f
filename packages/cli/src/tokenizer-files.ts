import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@peftjs/core/node';

const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json'];

/** Copies the tokenizer files a model folder has into `out` (so the merged folder is a whole model). */
export async function copyTokenizer(from: string, out: string): Promise<void> {
  for (const name of TOKENIZER_FILES) {
    const data = await readFile(join(from, name)).catch(() => null);
    if (data) await writeFileAtomic(join(out, name), data);
  }
}
