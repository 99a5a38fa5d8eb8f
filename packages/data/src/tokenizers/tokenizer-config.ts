/** A special token as `tokenizer_config.json` writes it: the string, or an AddedToken object. */
export type SpecialTokenValue = string | { content: string } | null | undefined;

/** The fields of Hugging Face's `tokenizer_config.json` that peft.js reads (the rest pass through). */
export interface TokenizerConfig {
  tokenizer_class?: string;
  bos_token?: SpecialTokenValue;
  eos_token?: SpecialTokenValue;
  pad_token?: SpecialTokenValue;
  unk_token?: SpecialTokenValue;
  clean_up_tokenization_spaces?: boolean;
  model_max_length?: number;
  [key: string]: unknown;
}

export function tokenContent(value: SpecialTokenValue): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : value.content;
}
