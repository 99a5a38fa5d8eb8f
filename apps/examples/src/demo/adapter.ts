/**
 * What a trained adapter is for: saved in PEFT's format, loaded again into a fresh base model,
 * merged into the weights. Each step is checked against the trained model's test predictions.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { PeftModel } from '@peftjs/methods';
import { fromPretrained as loadAdapter, savePretrained as saveAdapter } from '@peftjs/methods/node';
import type { GPT2ForSequenceClassification } from '@peftjs/models';
import { savePretrained as saveModel } from '@peftjs/models/node';
import { evaluateAccuracy, maxLogitDifference, type Accuracy } from './evaluate.js';
import type { ClassificationExample } from './data.js';

/** A reloaded adapter computes what was trained: the same weights in the same order of operations. */
export const RELOAD_TOLERANCE = 1e-6;
/** Merging adds B·A into W once instead of at every call; float32 rounding may differ a little. */
export const MERGE_TOLERANCE = 1e-3;

export interface AdapterCheck {
  readonly dir: string;
  readonly files: string[];
  readonly reloaded: { readonly accuracy: number; readonly maxLogitDifference: number };
  /** null for methods that cannot be merged (prompt learning). */
  readonly merged: { readonly accuracy: number; readonly maxLogitDifference: number; readonly dir: string } | null;
}

export interface AdapterCheckInput {
  readonly peft: PeftModel<GPT2ForSequenceClassification>;
  readonly trained: Accuracy;
  readonly test: readonly ClassificationExample[];
  readonly padTokenId: number;
  readonly out: string;
  readonly freshBase: () => Promise<GPT2ForSequenceClassification>;
  readonly log: (line: string) => void;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function check(what: string, evaluation: Accuracy, trained: Accuracy, tolerance: number): number {
  const diff = maxLogitDifference(evaluation, trained);
  if (!(diff <= tolerance)) {
    throw new Error(
      `demo: the ${what} model's test logits differ from the trained model's by up to ${diff} (allowed ${tolerance}); accuracy ${pct(evaluation.accuracy)} against ${pct(trained.accuracy)}`,
    );
  }
  return diff;
}

export async function saveReloadAndMerge(input: AdapterCheckInput): Promise<AdapterCheck> {
  const { peft, trained, test, padTokenId, out, log } = input;
  const dir = join(out, 'adapter');
  await saveAdapter(peft, dir);
  const files = (await readdir(dir)).sort();
  log(`\nsaved the adapter in PEFT's format: ${dir} (${files.join(', ')})`);

  const reloadedModel = await loadAdapter(await input.freshBase(), dir);
  let merged: AdapterCheck['merged'] = null;
  let plain: GPT2ForSequenceClassification | null = null;
  try {
    const reloaded = await evaluateAccuracy(reloadedModel, test, padTokenId);
    const reloadDiff = check('reloaded', reloaded, trained, RELOAD_TOLERANCE);
    log(
      `reloaded into a fresh base model: test accuracy ${pct(reloaded.accuracy)} (trained: ${pct(trained.accuracy)}; largest logit difference ${reloadDiff.toExponential(1)})`,
    );

    if (reloadedModel.method.kind === 'prompt') {
      log(`${reloadedModel.peftType} adapters cannot be merged into the weights: merge skipped`);
    } else {
      plain = await reloadedModel.mergeAndUnload();
      const mergedEval = await evaluateAccuracy(plain, test, padTokenId);
      const mergeDiff = check('merged', mergedEval, trained, MERGE_TOLERANCE);
      const mergedDir = join(out, 'merged');
      await saveModel(plain, mergedDir);
      const changed = mergedEval.predictions.reduce((n, p, i) => n + (p === trained.predictions[i] ? 0 : 1), 0);
      log(
        `merged into the weights (mergeAndUnload): test accuracy ${pct(mergedEval.accuracy)} (${changed} of ${test.length} predictions changed; ` +
          `largest logit difference ${mergeDiff.toExponential(1)}); saved as a plain model in ${mergedDir}`,
      );
      merged = { accuracy: mergedEval.accuracy, maxLogitDifference: mergeDiff, dir: mergedDir };
    }
    return { dir, files, reloaded: { accuracy: reloaded.accuracy, maxLogitDifference: reloadDiff }, merged };
  } finally {
    (plain ?? reloadedModel).dispose();
  }
}
