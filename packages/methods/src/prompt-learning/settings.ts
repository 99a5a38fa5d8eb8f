/**
 * The model-shaped fields every prompt-learning method shares (HF PEFT's PromptLearningConfig):
 * filled from the base model's config when not given, as PEFT's `_prepare_prompt_learning_config`.
 */
export interface PromptLearningSettings {
  numVirtualTokens: number;
  /** Width of a virtual token: the model's hidden size (for prefix tuning: key/value heads × head dim). */
  tokenDim: number;
  /** 1 for decoder-only models (2 would be an encoder-decoder's). */
  numTransformerSubmodules: number;
  /** Attention heads (for prefix tuning: key/value heads). */
  numAttentionHeads: number;
  numLayers: number;
}

export type PromptLearningType = 'PROMPT_TUNING' | 'P_TUNING' | 'PREFIX_TUNING';

/** The user's fields, any of the model-shaped ones possibly null (to be read from the model). */
export type PromptLearningFields = { numVirtualTokens: number } & {
  [K in Exclude<keyof PromptLearningSettings, 'numVirtualTokens'>]?: number | null;
};

function firstOf(config: Record<string, unknown>, keys: readonly string[], what: string, type: string): number {
  for (const key of keys) {
    const v = config[key];
    if (typeof v === 'number') return v;
  }
  throw new Error(`${type}: cannot read ${what} from the model's config (none of ${keys.join(', ')}); set it in the config`);
}

/**
 * Fills the model-shaped fields from a Hugging Face config (snake_case JSON, `text_config` for
 * multimodal models). Prefix tuning on grouped-query models uses the key/value heads: token_dim
 * becomes head_dim × num_key_value_heads (PEFT's rule).
 */
export function resolvePromptLearningSettings(
  type: PromptLearningType,
  fields: PromptLearningFields,
  modelConfig: Record<string, unknown>,
): PromptLearningSettings {
  const config = (modelConfig.text_config && typeof modelConfig.text_config === 'object' ? modelConfig.text_config : modelConfig) as Record<
    string,
    unknown
  >;
  const numLayers = fields.numLayers ?? firstOf(config, ['num_hidden_layers', 'num_layers', 'n_layer'], 'num_layers', type);
  let tokenDim = fields.tokenDim ?? firstOf(config, ['hidden_size', 'n_embd', 'd_model'], 'token_dim', type);
  let numAttentionHeads =
    fields.numAttentionHeads ??
    firstOf(config, ['num_attention_heads', 'n_head', 'num_heads', 'encoder_attention_heads'], 'num_attention_heads', type);
  if (type === 'PREFIX_TUNING' && typeof config.num_key_value_heads === 'number') {
    const headDim = typeof config.head_dim === 'number' ? config.head_dim : Math.floor(tokenDim / numAttentionHeads);
    tokenDim = headDim * config.num_key_value_heads;
    numAttentionHeads = config.num_key_value_heads;
  }
  const settings = {
    numVirtualTokens: fields.numVirtualTokens,
    tokenDim,
    numTransformerSubmodules: fields.numTransformerSubmodules ?? 1,
    numAttentionHeads,
    numLayers,
  };
  checkSettings(type, settings);
  return settings;
}

/** Every field a positive integer; heads divide token_dim for prefix tuning. */
export function checkSettings(type: string, s: PromptLearningSettings): void {
  for (const [name, v] of Object.entries(s)) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${type}: ${name} must be a positive integer, got ${v}`);
  }
  if (s.numTransformerSubmodules !== 1) {
    throw new RangeError(
      `${type}: num_transformer_submodules ${s.numTransformerSubmodules} is for encoder-decoder models; causal LMs use 1`,
    );
  }
  if (type === 'PREFIX_TUNING' && s.tokenDim % s.numAttentionHeads !== 0) {
    throw new RangeError(`${type}: token_dim ${s.tokenDim} is not divisible by num_attention_heads ${s.numAttentionHeads}`);
  }
}
