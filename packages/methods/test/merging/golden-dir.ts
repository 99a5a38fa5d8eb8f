import { locateGoldenDir } from '@peftjs/conformance';

/** The golden vectors folder: PEFTJS_GOLDEN_DIR, else the copy committed with the conformance package. */
export async function findGoldenDir(): Promise<string> {
  return (await locateGoldenDir()).dir;
}
