import type { ConfigField } from '@peftjs/core';
import { TARGET_FIELDS, type TargetFields } from './target-fields.js';

/**
 * Target selection for a method whose PEFT config lacks some of the usual fields (IA3 has no
 * layers_to_transform, VeRA no exclude_modules): `fields` leaves them out of the config (and of
 * adapter_config.json), `fill` sets them to null on a config so target matching reads "not set".
 */
export function targetFieldsWithout(...absent: (keyof TargetFields)[]): { fields: readonly ConfigField[]; fill(config: TargetFields): void } {
  return {
    fields: TARGET_FIELDS.filter((f) => !absent.includes(f.name as keyof TargetFields)),
    fill(config) {
      for (const name of absent) (config as unknown as Record<string, unknown>)[name] = null;
    },
  };
}
