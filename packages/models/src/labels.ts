import { PROBLEM_TYPES, PretrainedConfig, configError, labelsJSON } from './config.js';

/** Classification fields and their HF JSON form, shared by BERT and ViT configs. */
export abstract class ClassifierConfig extends PretrainedConfig {
  numLabels!: number;
  id2label!: Record<string, string> | null;
  problemType!: string | null;

  protected checkLabels(name: string): void {
    if (this.problemType !== null && !PROBLEM_TYPES.includes(this.problemType)) {
      throw configError(
        name,
        'problemType',
        'problem_type',
        `must be one of ${PROBLEM_TYPES.join(', ')} or null, got ${JSON.stringify(this.problemType)}`,
      );
    }
    if (this.id2label && Object.keys(this.id2label).length !== this.numLabels) {
      throw configError(
        name,
        'id2label',
        'id2label',
        `has ${Object.keys(this.id2label).length} labels but num_labels is ${this.numLabels}`,
      );
    }
  }

  /** HF writes id2label and label2id, not num_labels. */
  override toJSON(architecture?: string): Record<string, unknown> {
    const out = super.toJSON(architecture);
    delete out.num_labels;
    return Object.fromEntries(
      Object.entries({ ...out, ...labelsJSON(this.numLabels, this.id2label) }).sort(([a], [b]) => a.localeCompare(b)),
    );
  }
}

/** num_labels from id2label when config.json has only that (HF's convention); label2id is derived again on save. */
export function labelInit(init: Record<string, unknown>): Record<string, unknown> {
  const extra = { ...(init.extra as Record<string, unknown> | undefined) };
  delete extra.label2id;
  const id2label = init.id2label as Record<string, string> | null | undefined;
  const numLabels = init.numLabels ?? (id2label && typeof id2label === 'object' ? Object.keys(id2label).length : undefined);
  return { ...init, extra, ...(numLabels === undefined ? {} : { numLabels }) };
}
