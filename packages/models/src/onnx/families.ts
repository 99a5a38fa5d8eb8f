import { rotaryTables, type Tensor, zeros } from '@peftjs/core';
import type { GPT2Config } from '../gpt2/config.js';
import type { LlamaConfig } from '../llama/config.js';
import type { BertConfig } from '../bert/config.js';
import type { ViTConfig } from '../vit/config.js';
import type { ValueSpec } from './graph.js';
import { Layers, columns, transposed } from './layers.js';

/** What a family's builder adds: its graph inputs and outputs (names and axis names). */
export interface Built {
  inputs: ValueSpec[];
  outputs: ValueSpec[];
}

const tokenInputs = (batch: string | number, seq: string | number): ValueSpec[] => [
  { name: 'input_ids', elemType: 'int64', dims: [batch, seq] },
  { name: 'attention_mask', elemType: 'int64', dims: [batch, seq] },
];

export interface Axes {
  batch: string | number;
  sequence: string | number;
}

/** GPT2LMHeadModel: logits [batch, sequence, vocab]. */
export function buildGPT2(l: Layers, c: GPT2Config, axes: Axes): Built {
  const { g } = l;
  const n = c.nEmbd;
  const headDim = n / c.nHead;
  const length = l.seqLength('input_ids');
  const positions = l.firstRows(g.int64(Array.from({ length: c.nPositions }, (_, i) => i)), length);
  let h = g.node('Add', [
    l.embedding('input_ids', 'transformer.wte'),
    g.node('Gather', [l.init('transformer.wpe.weight'), positions], { axis: 0 }),
  ]);
  const bias = l.maskBias('attention_mask', c.nPositions, true, length);
  for (let i = 0; i < c.nLayer; i++) {
    const p = `transformer.h.${i}`;
    const x = l.layerNorm(h, `${p}.ln_1`, c.layerNormEpsilon);
    const w = l.weights.get(`${p}.attn.c_attn.weight`);
    const b = l.weights.get(`${p}.attn.c_attn.bias`);
    // the fused q, k, v projection as three, so no Split is needed
    const [q, k, v] = [0, 1, 2].map((j) =>
      l.splitHeads(
        l.matmulAdd(x, columns(w, j * n, (j + 1) * n), columns(b, j * n, (j + 1) * n), `${p}.attn.c_attn.${'qkv'[j]}`),
        c.nHead,
        headDim,
      ),
    );
    let scale = c.scaleAttnWeights ? 1 / Math.sqrt(headDim) : 1;
    if (c.scaleAttnByInverseLayerIdx) scale /= i + 1;
    const attn = l.conv1d(l.mergeHeads(l.attention(q, k, v, scale, bias), c.nHead, headDim), `${p}.attn.c_proj`);
    h = g.node('Add', [h, attn]);
    const m = l.activation(l.conv1d(l.layerNorm(h, `${p}.ln_2`, c.layerNormEpsilon), `${p}.mlp.c_fc`), c.activationFunction, `${p}.mlp`);
    h = g.node('Add', [h, l.conv1d(m, `${p}.mlp.c_proj`)]);
  }
  h = l.layerNorm(h, 'transformer.ln_f', c.layerNormEpsilon);
  const head = l.weights.has('lm_head.weight') ? l.weights.get('lm_head.weight') : l.weights.get('transformer.wte.weight');
  g.output(l.matmulAdd(h, transposed(head), null, 'lm_head'), 'logits');
  return {
    inputs: tokenInputs(axes.batch, axes.sequence),
    outputs: [{ name: 'logits', elemType: 'float32', dims: [axes.batch, axes.sequence, c.vocabSize] }],
  };
}

/** The rotary tables [positions, headDim] exactly as the model computes them. */
async function ropeTable(c: LlamaConfig): Promise<{ cos: Float32Array; sin: Float32Array }> {
  const positions = Array.from({ length: c.maxPositionEmbeddings }, (_, i) => i);
  const like = zeros([1]);
  const { cos, sin } = rotaryTables(positions, c.attentionHeadDim, c.ropeTheta, like);
  const read = async (t: Tensor) => Float32Array.from(await t.data());
  try {
    return { cos: await read(cos), sin: await read(sin) };
  } finally {
    [like, cos, sin].forEach((t) => t.dispose());
  }
}

/** LlamaForCausalLM: logits [batch, sequence, vocab]. */
export async function buildLlama(l: Layers, c: LlamaConfig, axes: Axes): Promise<Built> {
  const { g } = l;
  const d = c.attentionHeadDim;
  const length = l.seqLength('input_ids');
  const tables = await ropeTable(c);
  const cos = l.firstRows(g.float('rope_cos', tables.cos, [c.maxPositionEmbeddings, d]), length);
  const sin = l.firstRows(g.float('rope_sin', tables.sin, [c.maxPositionEmbeddings, d]), length);
  const bias = l.maskBias('attention_mask', c.maxPositionEmbeddings, true, length);
  let h = l.embedding('input_ids', 'model.embed_tokens');
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const p = `model.layers.${i}`;
    const x = l.rmsNorm(h, `${p}.input_layernorm`, c.rmsNormEps);
    const q = l.rope(l.splitHeads(l.linear(x, `${p}.self_attn.q_proj`), c.numAttentionHeads, d), cos, sin, d);
    const k = l.rope(l.splitHeads(l.linear(x, `${p}.self_attn.k_proj`), c.kvHeads, d), cos, sin, d);
    const v = l.splitHeads(l.linear(x, `${p}.self_attn.v_proj`), c.kvHeads, d);
    const rep = c.numAttentionHeads / c.kvHeads;
    const out = l.attention(q, l.repeatHeads(k, c.kvHeads, rep, d), l.repeatHeads(v, c.kvHeads, rep, d), 1 / Math.sqrt(d), bias);
    h = g.node('Add', [h, l.linear(l.mergeHeads(out, c.numAttentionHeads, d), `${p}.self_attn.o_proj`)]);
    const y = l.rmsNorm(h, `${p}.post_attention_layernorm`, c.rmsNormEps);
    const gate = l.activation(l.linear(y, `${p}.mlp.gate_proj`), c.hiddenAct, `${p}.mlp`);
    h = g.node('Add', [h, l.linear(g.node('Mul', [gate, l.linear(y, `${p}.mlp.up_proj`)]), `${p}.mlp.down_proj`)]);
  }
  h = l.rmsNorm(h, 'model.norm', c.rmsNormEps);
  const head = l.weights.has('lm_head.weight') ? l.weights.get('lm_head.weight') : l.weights.get('model.embed_tokens.weight');
  g.output(l.matmulAdd(h, transposed(head), null, 'lm_head'), 'logits');
  return {
    inputs: tokenInputs(axes.batch, axes.sequence),
    outputs: [{ name: 'logits', elemType: 'float32', dims: [axes.batch, axes.sequence, c.vocabSize] }],
  };
}

/** A bidirectional encoder layer's self-attention on query/key/value Linear layers. */
function encoderAttention(l: Layers, x: string, path: string, heads: number, hidden: number, bias: string | null): string {
  const d = hidden / heads;
  const [q, k, v] = ['query', 'key', 'value'].map((n) => l.splitHeads(l.linear(x, `${path}.${n}`), heads, d));
  return l.mergeHeads(l.attention(q, k, v, 1 / Math.sqrt(d), bias), heads, d);
}

/** BertForSequenceClassification: logits [batch, numLabels] (token type 0 throughout). */
export function buildBert(l: Layers, c: BertConfig, axes: Axes): Built {
  const { g } = l;
  const length = l.seqLength('input_ids');
  const positions = l.firstRows(g.int64(Array.from({ length: c.maxPositionEmbeddings }, (_, i) => i)), length);
  // every token has type 0: its embedding row is a constant
  const typeRow = l.weights.get('bert.embeddings.token_type_embeddings.weight').values.slice(0, c.hiddenSize);
  let h = g.node('Add', [
    l.embedding('input_ids', 'bert.embeddings.word_embeddings'),
    g.float('bert.embeddings.token_type_0', typeRow, [c.hiddenSize]),
  ]);
  h = g.node('Add', [h, g.node('Gather', [l.init('bert.embeddings.position_embeddings.weight'), positions], { axis: 0 })]);
  h = l.layerNorm(h, 'bert.embeddings.LayerNorm', c.layerNormEps);
  const bias = l.maskBias('attention_mask', c.maxPositionEmbeddings, false, length);
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const p = `bert.encoder.layer.${i}`;
    const a = encoderAttention(l, h, `${p}.attention.self`, c.numAttentionHeads, c.hiddenSize, bias);
    h = l.layerNorm(g.node('Add', [l.linear(a, `${p}.attention.output.dense`), h]), `${p}.attention.output.LayerNorm`, c.layerNormEps);
    const inner = l.activation(l.linear(h, `${p}.intermediate.dense`), c.hiddenAct, `${p}.intermediate`);
    h = l.layerNorm(g.node('Add', [l.linear(inner, `${p}.output.dense`), h]), `${p}.output.LayerNorm`, c.layerNormEps);
  }
  const first = g.node('Gather', [h, g.int64([0], [])], { axis: 1 });
  const pooled = g.node('Tanh', [l.linear(first, 'bert.pooler.dense')]);
  g.output(l.linear(pooled, 'classifier'), 'logits');
  return {
    inputs: tokenInputs(axes.batch, axes.sequence),
    outputs: [{ name: 'logits', elemType: 'float32', dims: [axes.batch, c.numLabels] }],
  };
}

/** ViTForImageClassification: pixel_values [batch, channels, size, size] → logits [batch, numLabels]. */
export function buildViT(l: Layers, c: ViTConfig, axes: Axes): Built {
  const { g } = l;
  const pe = 'vit.embeddings.patch_embeddings.projection';
  const conv = g.node('Conv', ['pixel_values', l.init(`${pe}.weight`), l.init(`${pe}.bias`)], {
    kernel_shape: [c.patchSize, c.patchSize],
    strides: [c.patchSize, c.patchSize],
  });
  const patches = g.node('Transpose', [g.node('Reshape', [conv, g.int64([0, 0, -1])])], { perm: [0, 2, 1] });
  const batch = g.node('Slice', [g.node('Shape', ['pixel_values']), g.int64([0]), g.int64([1]), g.int64([0])]);
  const clsShape = g.node('Concat', [batch, g.int64([1, c.hiddenSize])], { axis: 0 });
  const cls = g.node('Expand', [l.init('vit.embeddings.cls_token'), clsShape]);
  let h = g.node('Add', [g.node('Concat', [cls, patches], { axis: 1 }), l.init('vit.embeddings.position_embeddings')]);
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const p = `vit.encoder.layer.${i}`;
    const a = encoderAttention(
      l,
      l.layerNorm(h, `${p}.layernorm_before`, c.layerNormEps),
      `${p}.attention.attention`,
      c.numAttentionHeads,
      c.hiddenSize,
      null,
    );
    h = g.node('Add', [l.linear(a, `${p}.attention.output.dense`), h]);
    const inner = l.activation(
      l.linear(l.layerNorm(h, `${p}.layernorm_after`, c.layerNormEps), `${p}.intermediate.dense`),
      c.hiddenAct,
      `${p}.intermediate`,
    );
    h = g.node('Add', [l.linear(inner, `${p}.output.dense`), h]);
  }
  h = l.layerNorm(h, 'vit.layernorm', c.layerNormEps);
  g.output(l.linear(g.node('Gather', [h, g.int64([0], [])], { axis: 1 }), 'classifier'), 'logits');
  return {
    inputs: [{ name: 'pixel_values', elemType: 'float32', dims: [axes.batch, c.numChannels, c.imageSize, c.imageSize] }],
    outputs: [{ name: 'logits', elemType: 'float32', dims: [axes.batch, c.numLabels] }],
  };
}
