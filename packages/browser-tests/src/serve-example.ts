/**
 * `npm run example -w @peftjs/browser-tests`: bundles the LoRA example page and serves it on
 * 127.0.0.1 until interrupted. Open the printed address in a browser with WebGPU.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundlePage, repoRoot } from './bundle.js';
import { startServer } from './server.js';

const html = readFileSync(join(repoRoot, 'apps/examples/browser/index.html'), 'utf8');
const script = await bundlePage('apps/examples/browser/main.ts');
const server = await startServer({ files: { '/index.html': html, '/main.js': script } });
console.log(`LoRA example page: ${server.url}/ (Ctrl-C stops the server)`);
process.once('SIGINT', () => void server.close().then(() => process.exit(0)));
