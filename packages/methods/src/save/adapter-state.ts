import type { Tensor } from '@peftjs/core';
import type { PeftModel } from '../peft-model.js';

function requireAdapter(peft: PeftModel, adapterName: string): void {
  if (!Object.hasOwn(peft.peftConfig, adapterName))
    throw new Error(`PeftModel: no adapter '${adapterName}'; adapters: ${Object.keys(peft.peftConfig).join(', ')}`);
}

/** The adapter's live tensors by their names in adapter_model.safetensors (`base_model.model.q_proj.lora_A.weight`). */
export function adapterTensors(peft: PeftModel, adapterName: string): Map<string, Tensor> {
  requireAdapter(peft, adapterName);
  return peft.strategy.adapterTensors(adapterName);
}

/** What is written to adapter_model.safetensors (after the method's toSaved, e.g. AdaLoRA's rank cut). */
export function adapterStateDict(peft: PeftModel, adapterName: string): Map<string, Tensor> {
  requireAdapter(peft, adapterName);
  return peft.strategy.adapterStateDict(adapterName);
}

/**
 * Loads saved tensors into adapter `adapterName` (PEFT's set_peft_model_state_dict). Every key
 * and shape is checked before anything is written: a file with missing, unexpected or misshapen
 * tensors leaves the model as it was.
 */
export function loadAdapterStateDict(peft: PeftModel, adapterName: string, saved: ReadonlyMap<string, Tensor>): void {
  requireAdapter(peft, adapterName);
  peft.strategy.loadAdapterStateDict(adapterName, saved);
}
