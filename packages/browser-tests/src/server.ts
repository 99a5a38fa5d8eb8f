import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isAbsolute, join, relative } from 'node:path';

export interface StaticServer {
  /** `http://127.0.0.1:<port>` (a secure context, so pages see navigator.gpu). */
  readonly url: string;
  close(): Promise<void>;
}

export interface ServerOptions {
  /** Files held in memory, by URL path (`/index.html`, `/main.js`). */
  files: Record<string, string | Uint8Array>;
  /** URL prefix → folder served read-only below it (`/golden/` → the golden vectors). */
  folders?: Record<string, string>;
  /**
   * Send COOP `same-origin` and COEP `require-corp` with every response, so pages are cross-origin
   * isolated: SharedArrayBuffer exists and Web Workers can share memory with the page.
   */
  crossOriginIsolated?: boolean;
}

const ISOLATION_HEADERS = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  json: 'application/json',
  css: 'text/css',
};

function contentType(path: string): string {
  return TYPES[path.slice(path.lastIndexOf('.') + 1)] ?? 'application/octet-stream';
}

async function lookup(options: ServerOptions, path: string): Promise<string | Uint8Array | undefined> {
  const inMemory = options.files[path === '/' ? '/index.html' : path];
  if (inMemory !== undefined) return inMemory;
  for (const [prefix, folder] of Object.entries(options.folders ?? {})) {
    if (!path.startsWith(prefix)) continue;
    const file = join(folder, decodeURIComponent(path.slice(prefix.length)));
    const inside = relative(folder, file);
    if (inside.startsWith('..') || isAbsolute(inside)) return undefined;
    try {
      return new Uint8Array(await readFile(file));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** A static server on 127.0.0.1 at a free port; GET only, 404 for anything it does not hold. */
export async function startServer(options: ServerOptions): Promise<StaticServer> {
  const server = createServer((req, res) => {
    if (options.crossOriginIsolated) for (const [name, value] of Object.entries(ISOLATION_HEADERS)) res.setHeader(name, value);
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (req.method !== 'GET') {
      res.writeHead(405).end();
      return;
    }
    lookup(options, path).then(
      (body) => {
        if (body === undefined) res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`);
        else
          res.writeHead(200, { 'content-type': contentType(path === '/' ? '/index.html' : path), 'cache-control': 'no-store' }).end(body);
      },
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err)),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
