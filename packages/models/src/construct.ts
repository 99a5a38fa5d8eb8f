/**
 * Building a model from an untrusted config.json: the sizes the config implies are checked against
 * the backend's buffer limit and a parameter budget before any tensor is allocated, so a config with
 * `n_embd: 1e6` fails at once with a message instead of allocating gigabytes and then failing.
 */
import { activeBackend, disposeOnThrow } from '@peftjs/core';
import type { PretrainedConfig } from './config.js';
import type { PreTrainedModel } from './modeling.js';

/** What a config says about the model it makes, before it is made. */
export interface SizeEstimate {
  /** Parameters (and buffers) in all. */
  total: number;
  /** The largest tensors by name: elements each. */
  largest: Record<string, number>;
}

let parameterBudget = 2 ** 32;

/** The most parameters `loadPretrained` builds a model with (default 2^32, 16 GiB of float32). */
export function setParameterBudget(parameters: number): void {
  if (!(parameters > 0)) throw new RangeError(`setParameterBudget: expected a positive number of parameters, got ${parameters}`);
  parameterBudget = parameters;
}

export function getParameterBudget(): number {
  return parameterBudget;
}

/** Throws, naming the config field's tensor and the limit, when `estimate` does not fit. */
export function checkModelSize(what: string, estimate: SizeEstimate): void {
  const maxBytes = activeBackend().capabilities.maxBufferSize;
  for (const [name, elements] of Object.entries(estimate.largest)) {
    if (!Number.isFinite(elements) || elements * 4 > maxBytes) {
      throw new RangeError(
        `${what}: ${name} would hold ${elements} float32 values (${elements * 4} bytes), more than the ${activeBackend().name} backend's largest buffer of ${maxBytes} bytes`,
      );
    }
  }
  if (!(estimate.total <= parameterBudget)) {
    throw new RangeError(
      `${what}: the config implies ${estimate.total} parameters, more than the budget of ${parameterBudget} (setParameterBudget raises it)`,
    );
  }
}

/** Throws when the sizes `config` implies (where its class can estimate them) do not fit. */
export function checkConfigSize(config: PretrainedConfig, what: string): void {
  const estimate = (config as { estimateSize?: () => SizeEstimate }).estimateSize?.();
  if (estimate) checkModelSize(`${what} (${config.modelType})`, estimate);
}

/**
 * `make()` (a model built from `config`) after checking the sizes the config implies; a
 * constructor that throws partway leaves no tensor behind.
 */
export function constructModel<M extends PreTrainedModel>(config: PretrainedConfig, make: () => M, what = 'loadPretrained'): M {
  checkConfigSize(config, what);
  return disposeOnThrow(make);
}
