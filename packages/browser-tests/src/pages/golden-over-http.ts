import { GoldenFileMissingError, type GoldenSource } from '@peftjs/conformance/runner';

/** Golden files fetched from `baseUrl` (ending in `/`), e.g. the test server's `/golden/`. */
export function goldenOverHttp(baseUrl: string): GoldenSource {
  const get = async (relPath: string): Promise<Response> => {
    const url = new URL(relPath, baseUrl).href;
    const response = await fetch(url);
    if (response.status === 404) throw new GoldenFileMissingError(`golden: no file at ${url} (HTTP 404)`);
    if (!response.ok) throw new Error(`golden: cannot read ${url}: HTTP ${response.status}`);
    return response;
  };
  return {
    location: baseUrl,
    readBytes: async (relPath) => new Uint8Array(await (await get(relPath)).arrayBuffer()),
    readText: async (relPath) => (await get(relPath)).text(),
  };
}
