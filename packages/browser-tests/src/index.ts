export { bundlePage, repoRoot } from './bundle.js';
export { CHROMIUM_ARGS, chromiumPath, launchChromium, type Browser } from './chromium.js';
export { startServer, type ServerOptions, type StaticServer } from './server.js';

/** A page that loads one bundled module. */
export function modulePage(title: string, script: string): string {
  return (
    `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title><link rel="icon" href="data:,"></head>` +
    `<body><script type="module" src="${script}"></script></body></html>`
  );
}
