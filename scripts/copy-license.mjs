// `prepack` of every published package: npm puts only the package folder's own LICENSE in a tarball,
// so the repository's LICENSE is copied there first (the copies are not versioned).
import { copyFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

copyFileSync(fileURLToPath(new URL('../LICENSE', import.meta.url)), 'LICENSE');
