/** `node cuda-main.js [args]`: the cuda benchmark alone, the entry bundled for a GPU machine without node_modules. */
import { benchCuda } from './cuda.js';

await benchCuda(process.argv.slice(2));
