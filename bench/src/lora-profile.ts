/**
 * The LoRA model `cpu-profile --lora` times: a GPT-2 with byte-gpt2's configuration (random weights)
 * and LoRA r 8 on every Conv1D, or with --llama a Llama with SmolLM2-135M's configuration and
 * LoRA r 16 on all linear layers, as `npm run bench -- lora` trains them.
 */
import type { Module, Tensor } from '@peftjs/core';
import { GPT2Config, GPT2LMHeadModel, LlamaForCausalLM } from '@peftjs/models';
import { LoraConfig, getPeftModel } from '@peftjs/methods';
import { smolLM2Config } from './lora.js';

export interface LoraProfileModel {
  readonly label: string;
  readonly model: Module;
  readonly params: Tensor[];
  readonly shape: { readonly batch: number; readonly ctx: number; readonly vocab: number };
  /** The causal-LM loss of `tokens` [batch, ctx] (labels are the tokens, shifted by the model). */
  loss(tokens: Tensor): Tensor;
}

function option(args: readonly string[], name: string, fallback: number): number {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
}

export async function loraProfileModel(args: readonly string[]): Promise<LoraProfileModel> {
  const llama = args.includes('--llama');
  const layers = option(args, 'llama-layers', 30);
  const base = llama
    ? new LlamaForCausalLM(smolLM2Config(layers))
    : new GPT2LMHeadModel(
        new GPT2Config({ vocabSize: 257, nPositions: 128, nEmbd: 128, nLayer: 4, nHead: 4, residPdrop: 0, embdPdrop: 0, attnPdrop: 0 }),
      );
  const config = llama
    ? new LoraConfig({
        r: 16,
        loraAlpha: 32,
        targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'],
        initLoraWeights: false,
      })
    : new LoraConfig({ r: 8, loraAlpha: 16, targetModules: ['c_attn', 'c_proj', 'c_fc'], fanInFanOut: true, initLoraWeights: false });
  const peft = getPeftModel(base, config);
  return {
    label: llama ? `LoRA r 16, Llama (SmolLM2-135M configuration, ${layers} layers)` : 'LoRA r 8, GPT-2 (byte-gpt2 configuration)',
    model: peft,
    params: peft.trainableParameters(),
    shape: { batch: llama ? 4 : 8, ctx: 128, vocab: llama ? 49152 : 257 },
    loss: (tokens) => peft.forward({ inputIds: tokens, labels: tokens }).loss!,
  };
}
