import { TARGET_FIELDS, type TargetFields } from './target-fields.js';
import type { FieldSpecs } from '../method/config-fields.js';

/**
 * Target selection for a method whose PEFT config lacks some of the usual fields (IA3 has no
 * layers_to_transform, VeRA no exclude_modules): `fields` leaves them out of the config (and of
 * adapter_config.json), `fill` sets them to null on a config so target matching reads "not set".
 */
export function targetFieldsWithout<K extends keyof TargetFields>(
  ...absent: K[]
): { fields: FieldSpecs<Omit<TargetFields, K>>; fill(config: TargetFields): void } {
  const fields: Partial<Record<keyof TargetFields, unknown>> = { ...TARGET_FIELDS };
  for (const name of absent) delete fields[name];
  return {
    fields: fields as FieldSpecs<Omit<TargetFields, K>>,
    fill(config) {
      for (const name of absent) config[name] = null;
    },
  };
}
