/**
 * `npm run backend-info -w @peftjs/examples -- [cpu|webgpu]`: sets the backend up as the demo does
 * (for WebGPU without a GPU driver, a CPU Vulkan driver is found and the command runs again with it),
 * then runs one small matmul on it and prints what it got. A quick check before a long run.
 */
import { matmul, tensor } from '@peftjs/core';
import { setUpBackend } from './demo/backend.js';
import { BACKENDS, type BackendName } from './demo/options.js';

try {
  const name = process.argv[2] ?? 'cpu';
  if (!BACKENDS.includes(name as BackendName))
    throw new RangeError(`backend-info: the backend must be one of ${BACKENDS.join(', ')}, got ${JSON.stringify(name)}`);
  const setup = await setUpBackend(name as BackendName);
  if ('exitCode' in setup) {
    process.exitCode = setup.exitCode;
  } else {
    const product = matmul(
      tensor([
        [1, 2],
        [3, 4],
      ]),
      tensor([
        [5, 6],
        [7, 8],
      ]),
    );
    console.log(`backend ${setup.backend}: matmul ${JSON.stringify(await product.array())}`);
    if (setup.backend === 'webgpu') console.log(`Vulkan driver: ${process.env.VK_ICD_FILENAMES ?? 'the system default'}`);
    product.dispose();
  }
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
}
