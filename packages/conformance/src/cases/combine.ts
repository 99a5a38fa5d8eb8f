import { loadSafetensors, matmul, tidy, type Tensor } from '@peftjs/core';
import { LoraConfig, addWeightedAdapter, adapterTensors, getPeftModel, loadAdapterStateDict, type PeftModel } from '@peftjs/methods';
import type { GoldenSource } from '../golden/files.js';
import type { GoldenReport } from './golden-ops.js';
import { checkCombineCase, compareVersions, type CombineMeta } from '../peft/combine-check.js';
import { TinyNet } from '../peft/tiny-net.js';
import type { CaseContext, ConformanceCase } from '../types.js';
import { assertClose, assertShape, check } from '../util/compare.js';
import { read } from '../util/tensors.js';

/** The case names of `<golden>/index.json`'s add_weighted_adapter section that worked in PEFT. */
async function combineNames(source: GoldenSource): Promise<string[]> {
  const index = JSON.parse(await source.readText('index.json')) as {
    add_weighted_adapter?: Record<string, { status?: string }>;
    env?: { peft?: string };
  };
  return Object.entries(index.add_weighted_adapter ?? {})
    .filter(([, c]) => c.status === 'works')
    .map(([name]) => name)
    .sort();
}

async function peftVersion(source: GoldenSource): Promise<string> {
  const index = JSON.parse(await source.readText('index.json')) as { env?: { peft?: string } };
  return index.env?.peft ?? '';
}

/** TinyNet with PEFT's two source adapters loaded, and the combination added as 'combined'. */
async function combineOnModel(
  source: GoldenSource,
  type: string,
  meta: CombineMeta,
  sources: Map<string, Tensor>,
): Promise<PeftModel<TinyNet>> {
  const dir = `peft/combine_${type}`;
  const base = new TinyNet();
  const baseState = loadSafetensors(await source.readBytes(`${dir}/base_model.safetensors`));
  base.loadStateDict(baseState);
  for (const t of baseState.values()) t.dispose();
  let peft: PeftModel<TinyNet> | null = null;
  try {
    for (const name of meta.adapters) {
      const { r, lora_alpha: loraAlpha } = meta.configs[name]!;
      const config = new LoraConfig({ r, loraAlpha, targetModules: meta.target_modules });
      if (!peft) peft = getPeftModel(base, config, name);
      else peft.addAdapter(name, config);
      const state = new Map([...sources].filter(([k]) => k.startsWith(`${name}.`)).map(([k, t]) => [k.slice(name.length + 1), t]));
      loadAdapterStateDict(peft, name, state);
    }
    // PEFT before 0.19 skipped DARE's rescaling by 1/density; reproduce the version that made the files
    const dareRescale = compareVersions(await peftVersion(source), '0.19.0') >= 0;
    await addWeightedAdapter(peft!, meta.adapters, meta.weights, 'combined', {
      combinationType: meta.combination_type,
      density: meta.kwargs.density,
      svdRank: meta.kwargs.svd_rank,
      svdClamp: meta.kwargs.svd_clamp,
      majoritySignMethod: meta.kwargs.majority_sign_method,
      dareRescale,
    });
    peft!.setAdapter('combined');
    return peft!.eval();
  } catch (err) {
    peft?.dispose();
    throw err;
  }
}

/** The scaling each LoRA layer of the model applies (PEFT's `layer.scaling[adapter]`), by module key. */
function layerScaling(peft: PeftModel): (adapter: string, module: string) => number {
  const modules = new Map(peft.namedModules());
  return (adapter, module) => {
    const scaling = (modules.get(module) as { scaling?: unknown } | undefined)?.scaling;
    const value = scaling instanceof Map ? (scaling.get(adapter) as unknown) : undefined;
    if (typeof value !== 'number') throw new Error(`combine: no LoRA scaling for adapter '${adapter}' at ${module}`);
    return value;
  };
}

/** B·A of one module (the svd combinations are defined up to the signs of singular vectors). */
function product(tensors: ReadonlyMap<string, Tensor>, module: string): Tensor {
  return matmul(tensors.get(`${module}.lora_B.weight`)!, tensors.get(`${module}.lora_A.weight`)!);
}

function combineCase(source: GoldenSource, type: string, report: GoldenReport | null): ConformanceCase {
  return {
    suite: 'combine',
    name: `add_weighted_adapter ${type} matches PEFT`,
    timeout: 120_000,
    run: async (ctx: CaseContext) => {
      const meta = JSON.parse(await source.readText(`peft/combine_${type}/meta.json`)) as CombineMeta;
      await ctx.onBackend(async () => {
        const dir = `peft/combine_${type}`;
        const sources = loadSafetensors(await source.readBytes(`${dir}/source_adapters.safetensors`));
        const golden = loadSafetensors(await source.readBytes(`${dir}/combined_adapter.safetensors`));
        const io = loadSafetensors(await source.readBytes(`${dir}/io.safetensors`));
        let peft: PeftModel<TinyNet> | null = null;
        let factors: Map<string, Tensor> | undefined;
        try {
          peft = await combineOnModel(source, type, meta, sources);
          const ours = adapterTensors(peft, 'combined');
          check(
            [...ours.keys()].sort().join() === [...golden.keys()].sort().join(),
            `combine ${type}: keys [${[...ours.keys()].join(', ')}], PEFT [${[...golden.keys()].join(', ')}]`,
          );
          for (const [k, t] of golden) assertShape(`combine ${type} ${k}`, ours.get(k)!.shape, t.shape);
          const config = peft.peftConfig.combined as LoraConfig;
          const rank = golden.values().next().value!.shape[0]!;
          check(
            config.r === rank && config.loraAlpha === rank,
            `combine ${type}: the new adapter has r=${config.r}, lora_alpha=${config.loraAlpha}; PEFT's rank is ${rank}`,
          );

          // Every type against PEFT's factors (DARE: every entry one of the keep/drop patterns its masks
          // allow, replayed; DARE svd: the factors' structure and a plausible draw of ours), on this backend.
          const result = await checkCombineCase(
            { name: type, meta, peftVersion: await peftVersion(source), sources, golden, scaling: layerScaling(peft) },
            { tolerance: ctx.tolerances.reduction },
          );
          factors = result.factors;
          check(result.failures.length === 0, `combine ${type}: ${result.failures.join('; ')}`);

          const isDare = meta.combination_type.startsWith('dare');
          if (isDare && meta.combination_type.endsWith('svd')) {
            report?.combinations.compared.add(type);
            return; // the output depends on masks PyTorch drew and the factors do not reveal
          }
          if (isDare) {
            // the masks recovered from PEFT's factors determine the combination: put it in and compare the output
            loadAdapterStateDict(peft, 'combined', factors!);
          } else {
            const svd = meta.combination_type.endsWith('svd');
            const modules = [...new Set([...golden.keys()].map((k) => k.replace(/\.lora_[AB]\.weight$/, '')))];
            for (const m of modules) {
              if (svd) {
                const [mine, theirs] = tidy(() => [product(ours, m), product(golden, m)]);
                assertClose(`combine ${type} ${m} B·A`, await read(mine!), await read(theirs!), ctx.tolerances.reduction, theirs!.shape);
                mine!.dispose();
                theirs!.dispose();
              } else {
                for (const f of ['lora_A', 'lora_B']) {
                  const key = `${m}.${f}.weight`;
                  assertClose(
                    `combine ${type} ${key}`,
                    await read(ours.get(key)!),
                    await read(golden.get(key)!),
                    ctx.tolerances.reduction,
                    golden.get(key)!.shape,
                  );
                }
              }
            }
          }
          const out = tidy(() => peft!.forward(io.get('x')!));
          assertClose(`combine ${type} output`, await read(out), await read(io.get('out')!), ctx.tolerances.reduction, out.shape);
          out.dispose();
          report?.combinations.compared.add(type);
        } finally {
          for (const t of [...sources.values(), ...golden.values(), ...io.values(), ...(factors?.values() ?? [])]) t.dispose();
          peft?.dispose();
        }
      });
    },
  };
}

/** PEFT's LoRA add_weighted_adapter goldens, through the user API on the backend under test. */
export async function combineCases(source: GoldenSource | Error, report: GoldenReport | null = null): Promise<ConformanceCase[]> {
  if (source instanceof Error) return [];
  try {
    const names = await combineNames(source);
    if (report) report.combinations.listed = names.length;
    return names.map((type) => combineCase(source, type, report));
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return [
      {
        suite: 'combine',
        name: 'golden combinations are listed (index.json)',
        run: async () => {
          throw new Error(message);
        },
      },
    ];
  }
}
