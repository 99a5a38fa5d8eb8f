import { Dropout, fill, matmul, mul, ones, parameter, randn, tidy, type Module, type Tensor } from '@peftjs/core';
import { BufferDict, ModuleDict, ParameterDict } from '../tuners/adapter-dict.js';
import { TunerLayer } from '../tuners/tuner-layer.js';
import type { VeraConfig } from './config.js';
import type { WrapContext } from '../method/layer-method.js';

/**
 * VeRA (Kopiczko et al., 2024) on a Linear or Conv1D: ΔW = Λb B Λd A with frozen random A, B
 * shared by every layer (held by the tuner model, sliced to this layer's [r, in] and [out, r])
 * and trained vectors λb [out] (`vera_lambda_b`) and λd [r] (`vera_lambda_d`):
 * y = base(x) + λb ⊙ ((λd ⊙ (dropout(x) Aᵀ)) Bᵀ).
 */
export class VeraLayer extends TunerLayer<VeraConfig> {
  readonly adapterLayerNames = ['vera_lambda_b', 'vera_lambda_d'];
  override readonly otherAdapterLayerNames = ['vera_dropout'];

  /** The shared projections, registered here too so the state dict names them as PEFT does (`q_proj.vera_A.default`). */
  constructor(baseLayer: Module, projections: { a: BufferDict; b: BufferDict }) {
    super(baseLayer);
    this.registerModule('vera_A', projections.a);
    this.registerModule('vera_B', projections.b);
  }

  get lambdaB(): ParameterDict {
    return this.dict('vera_lambda_b', () => new ParameterDict());
  }
  get lambdaD(): ParameterDict {
    return this.dict('vera_lambda_d', () => new ParameterDict());
  }
  get veraDropout(): ModuleDict<Dropout> {
    return this.dict('vera_dropout', () => new ModuleDict<Dropout>());
  }
  private get veraA(): BufferDict {
    return this.child<BufferDict>('vera_A');
  }
  private get veraB(): BufferDict {
    return this.child<BufferDict>('vera_B');
  }

  updateLayer({ adapterName, config, key }: WrapContext<VeraConfig>): void {
    const { inFeatures, outFeatures } = this.base;
    const a = this.veraA.entry(adapterName);
    const b = this.veraB.entry(adapterName);
    if (!a || !b) throw new Error(`VeRA: the shared projections of adapter '${adapterName}' are missing (module '${key}')`);
    if (a.shape[1]! < inFeatures || b.shape[0]! < outFeatures || a.shape[0] !== config.r) {
      throw new RangeError(
        `VeRA: module '${key}' needs projections of at least [${config.r}, ${inFeatures}] and [${outFeatures}, ${config.r}], the shared ones are [${a.shape}] and [${b.shape}]`,
      );
    }
    const dtype = this.base.dtype;
    this.configs.set(adapterName, config);
    this.veraDropout.set(adapterName, new Dropout(config.veraDropout));
    // PEFT: λb = 1 and λd ~ N(0, 1); with init_weights λb = 0 and λd = d_initial (ΔW = 0)
    const init = config.initWeights;
    this.lambdaB.set(adapterName, parameter(init ? fill([outFeatures], 0, dtype) : ones([outFeatures], dtype)));
    this.lambdaD.set(adapterName, parameter(init ? fill([config.r], config.dInitial, dtype) : randn([config.r], { dtype })));
  }

  /** This layer's slices of the shared projections: A [r, in] and B [out, r]. */
  private slices(adapter: string): { a: Tensor; b: Tensor } {
    const { inFeatures, outFeatures } = this.base;
    return { a: this.veraA.at(adapter).narrow(1, 0, inFeatures), b: this.veraB.at(adapter).narrow(0, 0, outFeatures) };
  }

  protected override adapterOutput(x: Tensor, adapter: string): Tensor {
    return tidy(() => {
      const { a, b } = this.slices(adapter);
      const h = matmul(this.veraDropout.at(adapter).forward(x), a.cast(x.dtype), { transposeB: true });
      const g = matmul(mul(h, this.lambdaD.at(adapter)), b.cast(x.dtype), { transposeB: true });
      return mul(g, this.lambdaB.at(adapter));
    });
  }

  /** (λb ⊙rows B) (λd ⊙rows A), transposed for a fan-in-fan-out base weight. */
  override deltaWeight(adapter: string): Tensor {
    return tidy(() => {
      const { a, b } = this.slices(adapter);
      const lb = this.lambdaB.at(adapter);
      const ld = this.lambdaD.at(adapter);
      const delta = matmul(mul(b.cast(lb.dtype), lb.reshape([-1, 1])), mul(a.cast(ld.dtype), ld.reshape([-1, 1])));
      return this.base.fanInFanOut ? delta.transpose(0, 1).contiguous() : delta;
    });
  }
}
