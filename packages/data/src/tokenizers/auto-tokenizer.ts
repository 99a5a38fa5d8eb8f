import { PreTrainedTokenizer, parseJSON } from './pretrained-tokenizer.js';
import type { TokenizerConfig } from './tokenizer-config.js';

/**
 * Where a tokenizer's files come from: given a file name (`tokenizer.json`, `tokenizer_config.json`),
 * its text, or null/undefined when there is no such file. In Node:
 * `(name) => readFile(join(dir, name), 'utf8').catch(() => null)`; in a browser:
 * `(name) => fetch(new URL(name, base)).then((r) => (r.ok ? r.text() : null))`.
 */
export type TokenizerFileSource = (fileName: string) => Promise<string | null | undefined>;

export const AutoTokenizer = {
  /** Reads `tokenizer.json` (required) and `tokenizer_config.json` (optional) from `source`. */
  async fromPretrained(source: TokenizerFileSource): Promise<PreTrainedTokenizer> {
    if (typeof source !== 'function') {
      throw new TypeError(`AutoTokenizer.fromPretrained: source must be a function from a file name to its text, got ${typeof source}`);
    }
    const json = await source('tokenizer.json');
    if (json === null || json === undefined) {
      throw new Error('AutoTokenizer.fromPretrained: the source has no tokenizer.json');
    }
    const tokenizerJson = parseJSON(json, 'tokenizer.json');
    const configText = await source('tokenizer_config.json');
    const config = configText ? (parseJSON(configText, 'tokenizer_config.json') as TokenizerConfig) : {};
    return PreTrainedTokenizer.fromJSON(tokenizerJson, config);
  },
};
