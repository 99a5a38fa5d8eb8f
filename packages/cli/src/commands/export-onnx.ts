import { exportOnnx as writeOnnx } from '@peftjs/models/onnx';
import { fromPretrained } from '@peftjs/models/node';
import { parseFlags, positiveInt, required } from '../args.js';
import { useBackend } from '../backend.js';
import { CliError } from '../errors.js';
import { readModelConfig, withAdapter } from '../load.js';

export const EXPORT_USAGE = `peftjs export-onnx --model DIR [--adapter DIR] --out FILE.onnx [--opset 17] [--static]
  the model (its adapter merged into the weights) as ONNX: inputs input_ids and attention_mask (pixel_values for ViT),
  output logits, dynamic batch and sequence axes (--static fixes them to 1 and the model's maximum length)`;

export async function exportOnnx(args: readonly string[], log: (line: string) => void): Promise<void> {
  const { values } = parseFlags(args, {
    model: { type: 'string' },
    adapter: { type: 'string' },
    out: { type: 'string' },
    opset: { type: 'string' },
    static: { type: 'boolean' },
    backend: { type: 'string' },
  });
  const modelDir = required(values.model, 'model');
  const out = required(values.out, 'out');
  if (!out.endsWith('.onnx')) throw new CliError(`--out ${out}: the file name must end in .onnx`);
  const opset = positiveInt(values.opset, 'opset', 17);
  await readModelConfig(modelDir);
  await useBackend(values.backend);
  let base;
  try {
    // the architecture in config.json picks the class (GPT-2 and Llama LMs, BERT and ViT classifiers)
    base = await fromPretrained(modelDir);
  } catch (err) {
    throw new CliError(`--model ${modelDir}: ${(err as Error).message}`);
  }
  const model = values.adapter !== undefined ? await withAdapter(base, values.adapter) : base;
  model.eval();
  try {
    await writeOnnx(model, out, { opset, mergeAdapters: true, dynamicAxes: !values.static });
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  log(`wrote ${out} (opset ${opset}${values.adapter ? `, ${values.adapter} merged` : ''})`);
  model.dispose();
}
