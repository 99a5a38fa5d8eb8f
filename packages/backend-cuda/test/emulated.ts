import { CudaBackend } from '../src/index.js';

/** Why the emulated addon cannot start here (the package built no addon: no cmake or C++ compiler), or null. */
export const emulatedMissing: string | null = (() => {
  try {
    new CudaBackend({ emulated: true }).dispose();
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
})();

/** A describe title that says why it is skipped. */
export const needsEmulated = (title: string) => (emulatedMissing ? `${title} (skipped: ${emulatedMissing})` : title);
