import { halfOpCases } from './cases/half-ops.js';
import { halfTrainingCases } from './cases/half-training.js';
import { autogradCases } from './cases/autograd.js';
import { graphCases } from './cases/graph.js';
import { errorCases } from './cases/errors.js';
import { goldenOpCases, type GoldenReport } from './cases/golden-ops.js';
import { memoryCases } from './cases/memory.js';
import { memorySavingCases } from './cases/memory-saving.js';
import { methodsCases } from './cases/methods.js';
import { combineCases } from './cases/combine.js';
import { generateCases } from './cases/generate.js';
import { modulesCases } from './cases/modules.js';
import { opTableCases } from './cases/op-table.js';
import { philoxCases, philoxCounterCase } from './cases/philox.js';
import { quantizedCases } from './cases/quantized.js';
import { randomCases } from './cases/random.js';
import { trainingCases } from './cases/training.js';
import { locateGoldenDir, nodeGoldenSource, type GoldenSource } from './golden/files.js';
import type { ConformanceCase, ConformanceSuite } from './types.js';

export interface Plan {
  suites: ConformanceSuite[];
  /** Null when the golden folder could not be found or read (the golden suite then holds one failing case). */
  golden: GoldenReport | null;
}

/**
 * Every suite, in run order. The golden suite reads `<golden>/ops/index.json` to list its cases, from
 * `goldenSource` when given, else from the folder `goldenDir` (or the one found by locateGoldenDir).
 */
export async function makePlan(goldenDir?: string, goldenSource?: GoldenSource): Promise<Plan> {
  let golden: GoldenReport | null = null;
  let goldenCases: ConformanceCase[];
  let source: GoldenSource | Error;
  try {
    source = goldenSource ?? nodeGoldenSource((await locateGoldenDir(goldenDir)).dir);
    golden = {
      dir: source.location,
      compared: { float32: new Set(), float64: new Set() },
      peft: { listed: 0, compared: new Set() },
      combinations: { listed: 0, compared: new Set() },
    };
    goldenCases = await goldenOpCases(source, golden);
  } catch (err) {
    golden = null;
    const message = err instanceof Error ? err.message : String(err);
    source = new Error(message);
    goldenCases = [
      {
        suite: 'golden',
        name: 'golden vectors are present',
        run: async () => {
          throw new Error(message);
        },
      },
    ];
  }
  // one suite a line, so that adding one touches one line
  const all = [
    ...goldenCases,
    ...opTableCases(),
    ...autogradCases,
    ...graphCases,
    ...randomCases,
    ...philoxCases,
    philoxCounterCase,
    ...errorCases,
    ...memoryCases,
    ...memorySavingCases,
    ...quantizedCases,
    ...halfOpCases(),
    ...halfTrainingCases,
    ...modulesCases(source),
    ...trainingCases,
    ...(await methodsCases(source, golden)),
    ...(await combineCases(source, golden)),
    ...(await generateCases(source)),
  ];
  const suites = new Map<string, ConformanceCase[]>();
  for (const c of all) suites.set(c.suite, [...(suites.get(c.suite) ?? []), c]);
  return { suites: [...suites].map(([name, cases]) => ({ name, cases })), golden };
}

/** The line printed after a run: how many golden cases were compared, and from where. */
export function goldenSummary(golden: GoldenReport | null): string {
  if (!golden) return 'golden: NOT compared (the golden vectors were not found; see the failing golden case)';
  const { float32, float64 } = golden.compared;
  const both = [...float32].filter((n) => float64.has(n)).length;
  const precision =
    both === float32.size && both === float64.size ? '(float32 and float64)' : `(${float32.size} in float32, ${float64.size} in float64)`;
  const n = new Set([...float32, ...float64]).size;
  const { peft, combinations } = golden;
  return (
    `golden: compared ${n} op case${n === 1 ? '' : 's'} ${precision}, ${peft.compared.size} of ${peft.listed} PEFT method cases ` +
    `and ${combinations.compared.size} of ${combinations.listed} LoRA combinations from ${golden.dir}`
  );
}
