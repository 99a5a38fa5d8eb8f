import type { PretrainedConfig } from './config.js';
import { loadPretrained, type FileSource, type LoadPretrainedOptions } from './io.js';
import { constructModel } from './construct.js';
import type { BaseModelOutput, CausalLMOutput, ImageClassifierOutput, PreTrainedModel, SequenceClassifierOutput } from './modeling.js';
import { GPT2LMHeadModel, GPT2Model } from './gpt2/modeling.js';
import { GPT2ForSequenceClassification } from './gpt2/sequence-classification.js';
import { LlamaForCausalLM, LlamaModel } from './llama/modeling.js';
import { BertForSequenceClassification, BertModel } from './bert/modeling.js';
import { ViTForImageClassification, ViTModel } from './vit/modeling.js';

/** A model whose forward returns `Output`, whatever its family. */
export type PreTrainedModelWith<Output> = PreTrainedModel<PretrainedConfig, Output>;
export type CausalLMModel = PreTrainedModelWith<CausalLMOutput>;
export type SequenceClassificationModel = PreTrainedModelWith<SequenceClassifierOutput>;
export type ImageClassificationModel = PreTrainedModelWith<ImageClassifierOutput>;
export type BaseModel = PreTrainedModelWith<BaseModelOutput>;

export type ModelClass<M extends PreTrainedModel> = new (config: any) => M;

/**
 * Hugging Face's Auto classes: the model class of one task, picked by the checkpoint's
 * `model_type` (so a GPT-2 language-model checkpoint loads as GPT2ForSequenceClassification with a
 * fresh head), with the task's output type on `forward`.
 */
export class AutoModelClass<M extends PreTrainedModel> {
  private readonly classes: Map<string, ModelClass<M>>;

  constructor(
    readonly name: string,
    readonly task: string,
    classes: Record<string, ModelClass<M>>,
  ) {
    this.classes = new Map(Object.entries(classes));
  }

  /** Adds the class for a model type (HF's `AutoModelFor...register`). */
  register(modelType: string, Model: ModelClass<M>): void {
    this.classes.set(modelType, Model);
  }

  /** The class for a config, or an error naming the model types this task has. */
  classFor(config: PretrainedConfig): ModelClass<M> {
    const Model = this.classes.get(config.modelType);
    if (!Model) {
      throw new RangeError(
        `${this.name}: no ${this.task} class for model_type "${config.modelType}"; known: ${[...this.classes.keys()].join(', ')}`,
      );
    }
    return Model;
  }

  /** A freshly initialised model for a config (HF's `from_config`). */
  fromConfig(config: PretrainedConfig): M {
    const Model = this.classFor(config);
    return constructModel(config, () => new Model(config), `${this.name}.fromConfig`);
  }

  /** The checkpoint in `source` (config.json and model.safetensors or its shards) as this task's model. */
  fromPretrained(source: FileSource, options: Omit<LoadPretrainedOptions, 'modelClass'> = {}): Promise<M> {
    return loadPretrained<M>(source, { ...options, modelClass: (config) => this.classFor(config) });
  }
}

export const AutoModel = new AutoModelClass<BaseModel>('AutoModel', 'base model', {
  gpt2: GPT2Model,
  llama: LlamaModel,
  bert: BertModel,
  vit: ViTModel,
});

export const AutoModelForCausalLM = new AutoModelClass<CausalLMModel>('AutoModelForCausalLM', 'causal language model', {
  gpt2: GPT2LMHeadModel,
  llama: LlamaForCausalLM,
});

export const AutoModelForSequenceClassification = new AutoModelClass<SequenceClassificationModel>(
  'AutoModelForSequenceClassification',
  'sequence classification',
  { gpt2: GPT2ForSequenceClassification, bert: BertForSequenceClassification },
);

export const AutoModelForImageClassification = new AutoModelClass<ImageClassificationModel>(
  'AutoModelForImageClassification',
  'image classification',
  { vit: ViTForImageClassification },
);
