/**
 * trainer_state.json as read back: only the known fields, each checked, copied into a fresh object
 * (a `__proto__` key in the file is data, never a prototype). Problems name the file and the field.
 */
import type { LogEntry, TrainerState } from './callback.js';

const FILE = 'trainer_state.json';

function fail(field: string, expected: string, got: unknown): never {
  throw new Error(`restoreCheckpoint: ${FILE}: ${field} must be ${expected}, got ${JSON.stringify(got)?.slice(0, 200) ?? String(got)}`);
}

const own = (o: Record<string, unknown>, k: string): unknown => (Object.hasOwn(o, k) ? o[k] : undefined);

function count(o: Record<string, unknown>, k: string): number {
  const v = own(o, k);
  if (!Number.isSafeInteger(v) || (v as number) < 0) fail(k, 'an integer >= 0', v);
  return v as number;
}

export interface SavedTrainerState {
  state: Omit<TrainerState, 'maxSteps'>;
  trainLoader: unknown;
  lossSinceLog: number | null;
  stepsSinceLog: number;
  callbacks: (Record<string, unknown> | null)[];
}

export function parseTrainerState(json: Record<string, unknown>): SavedTrainerState {
  const epoch = own(json, 'epoch');
  if (typeof epoch !== 'number' || !Number.isFinite(epoch) || epoch < 0) fail('epoch', 'a finite number >= 0', epoch);
  const logHistory = own(json, 'logHistory') ?? [];
  if (!Array.isArray(logHistory) || !logHistory.every((e) => typeof e === 'object' && e !== null && !Array.isArray(e)))
    fail('logHistory', 'an array of objects', logHistory);
  const bestMetric = own(json, 'bestMetric') ?? null;
  if (bestMetric !== null && typeof bestMetric !== 'number') fail('bestMetric', 'a number or null', bestMetric);
  const lossSinceLog = own(json, 'lossSinceLog') ?? null;
  if (lossSinceLog !== null && typeof lossSinceLog !== 'number') fail('lossSinceLog', 'a number or null', lossSinceLog);
  const callbacks = own(json, 'callbacks') ?? [];
  if (!Array.isArray(callbacks) || !callbacks.every((c) => c === null || (typeof c === 'object' && !Array.isArray(c))))
    fail('callbacks', 'an array of objects or nulls', callbacks);
  return {
    state: {
      globalStep: count(json, 'globalStep'),
      epoch,
      logHistory: (logHistory as Record<string, unknown>[]).map((e) => Object.fromEntries(Object.entries(e)) as unknown as LogEntry),
      bestMetric,
      numInputTokensSeen: count(json, 'numInputTokensSeen'),
      numSamplesSeen: count(json, 'numSamplesSeen'),
    },
    trainLoader: own(json, 'trainLoader'),
    lossSinceLog,
    stepsSinceLog: own(json, 'stepsSinceLog') === undefined ? 0 : count(json, 'stepsSinceLog'),
    callbacks: callbacks as (Record<string, unknown> | null)[],
  };
}
