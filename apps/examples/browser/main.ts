/**
 * LoRA fine-tuning in the browser: pretrain a small next-character model on prose, freeze it, wrap
 * its Linear layers with LoRA and adapt it to verse, drawing both loss curves live.
 * Then it samples verse from the adapted model with generate().
 * Query options: backend (webgpu by default), pretrain and steps (step counts), sample (characters), seed.
 */
import { AdamW, crossEntropy, getBackend, manualSeed, memory, setBackend, tidy } from '@peftjs/core';
import '@peftjs/backend-cpu';
import '@peftjs/backend-webgpu';
import { CharModel } from './char-model.js';
import { ADAPTER_TEXT, BASE_TEXT, Vocabulary, sampleBatch, seededRandom } from './corpus.js';
import { getPeftModel, LoraConfig, type PeftModel } from '@peftjs/methods';
import { drawLossChart } from './loss-chart.js';
import { sampleText } from './sample.js';

/** What the page reports, on `globalThis.peftjsExample` (tests read it). */
export interface ExampleState {
  backend: string;
  /** The WebGPU adapter, or why there is none. */
  adapter: string;
  phase: 'starting' | 'pretraining' | 'lora' | 'done' | 'failed';
  pretrainLosses: number[];
  loraLosses: number[];
  vocabSize: number;
  trainableParameters: number;
  totalParameters: number;
  /** memory().numTensors after each step (flat once the optimizer has made its state). */
  liveTensors: number[];
  /** Verse sampled from the adapted model after training (generate, seeded). */
  sample: string;
  error?: string;
}

const params = new URLSearchParams(location.search);
const option = (name: string, fallback: number) => {
  const value = Number(params.get(name) ?? fallback);
  if (!Number.isInteger(value) || value < 0)
    throw new RangeError(`example: ?${name} must be a non-negative integer, got ${params.get(name)}`);
  return value;
};

const state: ExampleState = {
  backend: '',
  adapter: '',
  phase: 'starting',
  pretrainLosses: [],
  loraLosses: [],
  vocabSize: 0,
  trainableParameters: 0,
  totalParameters: 0,
  liveTensors: [],
  sample: '',
};
(globalThis as { peftjsExample?: ExampleState }).peftjsExample = state;

const canvas = document.querySelector<HTMLCanvasElement>('#loss')!;
const status = document.querySelector<HTMLElement>('#status')!;

function render(): void {
  drawLossChart(canvas, [
    { label: 'pretraining (all weights, prose)', color: '#999', values: state.pretrainLosses },
    { label: 'LoRA (A and B only, verse)', color: '#1565c0', values: state.loraLosses },
  ]);
  const last = (xs: number[]) => (xs.length ? xs[xs.length - 1].toFixed(3) : '-');
  status.textContent = [
    `backend: ${state.backend} (${state.adapter})`,
    `phase: ${state.phase}${state.error ? `: ${state.error}` : ''}`,
    `pretraining: ${state.pretrainLosses.length} steps, loss ${last(state.pretrainLosses)}`,
    `LoRA: ${state.loraLosses.length} steps, loss ${last(state.loraLosses)}; trainable ${state.trainableParameters} of ${state.totalParameters} parameters`,
    `live tensors: ${state.liveTensors.at(-1) ?? '-'}`,
    ...(state.sample ? ['', 'sampled from the adapted model:', state.sample] : []),
  ].join('\n');
}

async function describeAdapter(): Promise<string> {
  const adapter = await navigator.gpu?.requestAdapter();
  if (!adapter) return navigator.gpu ? 'no WebGPU adapter' : 'no navigator.gpu';
  const info = (adapter as unknown as { info: { vendor: string; architecture: string; isFallbackAdapter?: boolean } }).info;
  return `WebGPU adapter: ${info.vendor} ${info.architecture}${info.isFallbackAdapter ? ', fallback (software)' : ''}`;
}

/** One optimizer step per batch; the loss of each step is read back for the chart. */
async function train(
  model: CharModel | PeftModel<CharModel>,
  optimizer: AdamW,
  ids: Int32Array,
  steps: number,
  losses: number[],
  seed: number,
): Promise<void> {
  const random = seededRandom(seed);
  const { context } = (model instanceof CharModel ? model : model.getBaseModel()).config;
  for (let step = 0; step < steps; step++) {
    const { x, y } = sampleBatch(ids, context, 64, random);
    const loss = tidy(() => {
      const l = crossEntropy(model.forward(x), y);
      optimizer.zeroGrad();
      l.backward();
      optimizer.step();
      return l;
    });
    x.dispose();
    y.dispose();
    losses.push(await loss.item());
    loss.dispose();
    state.liveTensors.push(memory().numTensors);
    render();
  }
}

async function main(): Promise<void> {
  const wanted = params.get('backend') ?? 'webgpu';
  state.adapter = await describeAdapter();
  await setBackend(wanted);
  state.backend = getBackend();
  manualSeed(option('seed', 0));

  const vocab = new Vocabulary(BASE_TEXT, ADAPTER_TEXT);
  state.vocabSize = vocab.size;
  const model = new CharModel({ vocabSize: vocab.size, context: 8, embedDim: 12, hidden: 96 });
  state.phase = 'pretraining';
  state.trainableParameters = state.totalParameters = model.parameters().reduce((n, p) => n + p.size, 0);
  const pretrainOptimizer = new AdamW(model.parameters(), { lr: 1e-2, weightDecay: 0 });
  await train(model, pretrainOptimizer, vocab.encode(BASE_TEXT), option('pretrain', 150), state.pretrainLosses, 1);
  pretrainOptimizer.zeroGrad();

  // LoRA from @peftjs/methods: everything but the adapters is frozen
  const peft = getPeftModel(model, new LoraConfig({ r: 4, loraAlpha: 8, targetModules: ['fc1', 'fc2'] }));
  ({ trainable: state.trainableParameters, all: state.totalParameters } = peft.getNbTrainableParameters());
  state.phase = 'lora';
  const loraOptimizer = new AdamW(peft.trainableParameters(), { lr: 2e-2, weightDecay: 0 });
  await train(peft, loraOptimizer, vocab.encode(ADAPTER_TEXT), option('steps', 200), state.loraLosses, 2);
  peft.eval();
  state.sample = await sampleText(
    peft,
    vocab,
    model.config.context,
    ADAPTER_TEXT.slice(0, model.config.context),
    option('sample', 120),
    option('seed', 0),
  );
  state.phase = 'done';
  render();
}

main().catch((err: unknown) => {
  state.phase = 'failed';
  state.error = err instanceof Error ? err.message : String(err);
  render();
  console.error(err);
});
