import type { GradientRule } from './node.js';

const rules = new Map<string, GradientRule>();

/** Registers the gradient rule of an op (one rule a file, see src/gradients/). */
export function registerGradient<A = any>(rule: GradientRule<A>): void {
  rules.set(rule.op, rule);
}

export function getGradientRule(op: string): GradientRule | undefined {
  return rules.get(op);
}

export function registeredGradients(): string[] {
  return [...rules.keys()];
}
