import type { TargetFields } from './target-fields.js';

/**
 * PEFT's checks on target selection in its configs' __post_init__: layers_pattern needs
 * layers_to_transform, and (for methods that say so) neither goes with a regex target_modules.
 */
export function checkLayerSelection(configName: string, c: TargetFields, options: { regexExcludesLayers?: boolean } = {}): void {
  const hasPattern = c.layersPattern !== null && c.layersPattern.length > 0;
  const hasLayers = c.layersToTransform !== null && !(Array.isArray(c.layersToTransform) && c.layersToTransform.length === 0);
  if (options.regexExcludesLayers && typeof c.targetModules === 'string') {
    if (c.layersToTransform !== null)
      throw new TypeError(`${configName}: layersToTransform (layers_to_transform) cannot be used when targetModules is a regex string`);
    if (c.layersPattern !== null)
      throw new TypeError(`${configName}: layersPattern (layers_pattern) cannot be used when targetModules is a regex string`);
  }
  if (hasPattern && !hasLayers)
    throw new TypeError(`${configName}: layersPattern (layers_pattern) needs layersToTransform (layers_to_transform)`);
}
