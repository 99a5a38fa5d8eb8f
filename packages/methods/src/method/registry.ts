import type { PeftMethod } from './peft-method.js';

const methods = new Map<string, PeftMethod>();

/** Makes a method available by its peft_type (configs from adapter_config.json find it here). */
export function registerPeftMethod(method: PeftMethod): void {
  const known = methods.get(method.peftType);
  if (known && known !== method) throw new Error(`registerPeftMethod: ${method.peftType} is already registered`);
  methods.set(method.peftType, method);
}

/** The method registered for `peftType` ('LORA'); the error lists the registered ones. */
export function getPeftMethod(peftType: string): PeftMethod {
  const method = methods.get(peftType);
  if (!method) {
    const known = [...methods.keys()].sort().join(', ') || 'none (import @peftjs/methods)';
    throw new Error(`getPeftMethod: no PEFT method ${JSON.stringify(peftType)} is registered; registered: ${known}`);
  }
  return method;
}

/** Every registered method's peft_type, sorted. */
export function registeredPeftTypes(): string[] {
  return [...methods.keys()].sort();
}
