import {
  concat,
  Conv2d,
  Dropout,
  formatShape,
  getActivation,
  LayerNorm,
  Linear,
  Module,
  ModuleList,
  parameter,
  randn,
  tanh,
  type Tensor,
  tidy,
} from '@peftjs/core';
import { PreTrainedModel, runLayer, type BaseModelOutput, type ImageClassifierOutput, type ModelInputs } from '../modeling.js';
import { classificationLoss } from '../losses.js';
import { EncoderSelfAttention } from '../encoder.js';
import { ViTConfig } from './config.js';

class ViTPatchEmbeddings extends Module<[Tensor], Tensor> {
  constructor(config: ViTConfig) {
    super();
    this.registerModule('projection', new Conv2d(config.numChannels, config.hiddenSize, config.patchSize, { stride: config.patchSize }));
  }

  /** [B, C, H, W] → [B, patches, hidden]. */
  forward(pixels: Tensor): Tensor {
    return tidy(() => this.child<Conv2d>('projection').forward(pixels).flatten(2).transpose(1, 2));
  }
}

class ViTEmbeddings extends Module<[Tensor], Tensor> {
  constructor(private readonly config: ViTConfig) {
    super();
    this.registerParameter('cls_token', parameter(randn([1, 1, config.hiddenSize], { std: config.initializerRange })));
    this.registerModule('patch_embeddings', new ViTPatchEmbeddings(config));
    this.registerParameter(
      'position_embeddings',
      parameter(randn([1, config.numPatches + 1, config.hiddenSize], { std: config.initializerRange })),
    );
    this.registerModule('dropout', new Dropout(config.hiddenDropoutProb));
  }

  forward(pixels: Tensor): Tensor {
    const { numChannels, imageSize } = this.config;
    if (pixels.rank !== 4 || pixels.shape[1] !== numChannels || pixels.shape[2] !== imageSize || pixels.shape[3] !== imageSize) {
      throw new RangeError(
        `ViTModel.forward: pixelValues must be [batch, ${numChannels}, ${imageSize}, ${imageSize}], got ${formatShape(pixels.shape)}`,
      );
    }
    return tidy(() => {
      const patches = this.child<ViTPatchEmbeddings>('patch_embeddings').forward(pixels);
      const cls = this.get('cls_token')!.expand([pixels.shape[0], 1, this.config.hiddenSize]);
      return this.child<Dropout>('dropout').forward(concat([cls, patches], 1).add(this.get('position_embeddings')!));
    });
  }
}

class ViTAttention extends Module<[Tensor], Tensor> {
  constructor(config: ViTConfig) {
    super();
    this.registerModule(
      'attention',
      new EncoderSelfAttention(config.hiddenSize, config.numAttentionHeads, config.attentionProbsDropoutProb, config.qkvBias),
    );
    this.registerModule('output', new DenseDropout(config.hiddenSize, config.hiddenSize, config.hiddenDropoutProb));
  }

  forward(x: Tensor): Tensor {
    return tidy(() => this.child<DenseDropout>('output').forward(this.child<EncoderSelfAttention>('attention').forward(x, null)));
  }
}

/** dense then dropout (ViT's SelfOutput and Output; the residual is added by the layer). */
class DenseDropout extends Module<[Tensor], Tensor> {
  constructor(inFeatures: number, outFeatures: number, p: number) {
    super();
    this.registerModule('dense', new Linear(inFeatures, outFeatures));
    this.registerModule('dropout', new Dropout(p));
  }

  forward(x: Tensor): Tensor {
    return tidy(() => this.child<Dropout>('dropout').forward(this.child<Linear>('dense').forward(x)));
  }
}

/** The first feed-forward projection (the activation is applied by the layer). */
class ViTIntermediate extends Module<[Tensor], Tensor> {
  constructor(hiddenSize: number, intermediateSize: number) {
    super();
    this.registerModule('dense', new Linear(hiddenSize, intermediateSize));
  }

  forward(x: Tensor): Tensor {
    return this.child<Linear>('dense').forward(x);
  }
}

class ViTLayer extends Module<[Tensor], Tensor> {
  private readonly act: (x: Tensor) => Tensor;
  constructor(config: ViTConfig) {
    super();
    this.act = getActivation(config.hiddenAct);
    this.registerModule('attention', new ViTAttention(config));
    this.registerModule('intermediate', new ViTIntermediate(config.hiddenSize, config.intermediateSize));
    this.registerModule('output', new DenseDropout(config.intermediateSize, config.hiddenSize, config.hiddenDropoutProb));
    this.registerModule('layernorm_before', new LayerNorm(config.hiddenSize, { eps: config.layerNormEps }));
    this.registerModule('layernorm_after', new LayerNorm(config.hiddenSize, { eps: config.layerNormEps }));
  }

  /** Pre-norm: h = x + attn(ln_before(x)); out = h + output(act(intermediate(ln_after(h)))). */
  forward(x: Tensor): Tensor {
    return tidy(() => {
      const h = this.child<ViTAttention>('attention').forward(this.child<LayerNorm>('layernorm_before').forward(x)).add(x);
      const inner = this.act(this.child<ViTIntermediate>('intermediate').forward(this.child<LayerNorm>('layernorm_after').forward(h)));
      return this.child<DenseDropout>('output').forward(inner).add(h);
    });
  }
}

class ViTEncoder extends Module<[Tensor, boolean?], Tensor> {
  constructor(config: ViTConfig) {
    super();
    this.registerModule('layer', new ModuleList(Array.from({ length: config.numHiddenLayers }, () => new ViTLayer(config))));
  }

  forward(x: Tensor, checkpointing = false): Tensor {
    return tidy(() => {
      let h = x;
      for (const layer of this.child<ModuleList<ViTLayer>>('layer'))
        h = runLayer(checkpointing && this.training, ([y]) => layer.forward(y!), [h]);
      return h === x ? x.clone() : h;
    });
  }
}

class ViTPooler extends Module<[Tensor], Tensor> {
  constructor(config: ViTConfig) {
    super();
    this.registerModule('dense', new Linear(config.hiddenSize, config.hiddenSize));
  }

  forward(h: Tensor): Tensor {
    return tidy(() => tanh(this.child<Linear>('dense').forward(h.slice(1, 0, 1).squeeze(1))));
  }
}

/** Hugging Face's ViTModel: patch embeddings with a CLS token, a pre-norm encoder, final LayerNorm, optional pooler. */
export class ViTModel extends PreTrainedModel<ViTConfig, BaseModelOutput> {
  static override readonly basePrefix = 'vit';

  constructor(config: ViTConfig = new ViTConfig(), options: { addPoolingLayer?: boolean } = {}) {
    super(config);
    this.registerModule('embeddings', new ViTEmbeddings(config));
    this.registerModule('encoder', new ViTEncoder(config));
    this.registerModule('layernorm', new LayerNorm(config.hiddenSize, { eps: config.layerNormEps }));
    if (options.addPoolingLayer ?? true) this.registerModule('pooler', new ViTPooler(config));
    this.initWeights(config.initializerRange);
  }

  forward(inputs: ModelInputs): BaseModelOutput {
    if (!inputs.pixelValues) throw new TypeError('ViTModel.forward: pixelValues is required');
    const pixels = inputs.pixelValues;
    return tidy(() => {
      const h = this.child<LayerNorm>('layernorm').forward(
        this.child<ViTEncoder>('encoder').forward(this.child<ViTEmbeddings>('embeddings').forward(pixels), this.gradientCheckpointing),
      );
      const pooler = [...this.namedChildren()].find(([n]) => n === 'pooler')?.[1] as ViTPooler | undefined;
      return pooler ? { lastHiddenState: h, poolerOutput: pooler.forward(h) } : { lastHiddenState: h };
    });
  }
}

/** Hugging Face's ViTForImageClassification: a linear classifier on the final CLS token (no pooler). */
export class ViTForImageClassification extends PreTrainedModel<ViTConfig, ImageClassifierOutput> {
  static override readonly basePrefix = 'vit';
  protected static override readonly newHeadKeys = [/^classifier\./];
  protected static override readonly ignoredKeys = [/^vit\.pooler\./];

  constructor(config: ViTConfig = new ViTConfig()) {
    super(config);
    this.registerModule('vit', new ViTModel(config, { addPoolingLayer: false }));
    this.initWeights(config.initializerRange, null, this.registerModule('classifier', new Linear(config.hiddenSize, config.numLabels)));
  }

  forward(inputs: ModelInputs): ImageClassifierOutput {
    return tidy(() => {
      const { lastHiddenState } = this.child<ViTModel>('vit').forward(inputs);
      const logits = this.child<Linear>('classifier').forward(lastHiddenState.slice(1, 0, 1).squeeze(1));
      if (!inputs.labels) return { logits };
      return {
        logits,
        loss: classificationLoss('ViTForImageClassification', logits, inputs.labels, this.config.numLabels, this.config.problemType),
      };
    });
  }
}
