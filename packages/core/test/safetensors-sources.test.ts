import { beforeAll, describe, expect, it } from 'vitest';
import { loadSafetensorsFrom, memory, openSafetensorsBlob, writeSafetensors, type Tensor } from '../src/index.js';
import { useStorageBackend } from './helpers/storage-backend.js';

beforeAll(useStorageBackend);

const file = writeSafetensors(
  {
    w: { shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) },
    ids: { shape: [3], data: new BigInt64Array([5n, -6n, 7n]) },
    half: { dtype: 'F16', shape: [2], data: new Uint16Array([0x3c00, 0xc000]) },
  },
  { format: 'pt' },
);

/** A Response whose body arrives in chunks of `size` bytes. */
const chunkedResponse = (bytes: Uint8Array, size: number, init?: ResponseInit) =>
  new Response(
    new ReadableStream<Uint8Array>({
      start(c) {
        for (let at = 0; at < bytes.length; at += size) c.enqueue(bytes.slice(at, at + size));
        c.close();
      },
    }),
    init,
  );

async function values(tensors: Map<string, Tensor>): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [k, t] of tensors) {
    out[k] = Array.from(await t.data(), Number);
    t.dispose();
  }
  return out;
}

const expected = { ids: [5, -6, 7], w: [1, 2, 3, 4], half: [1, -2] };

describe('loadSafetensorsFrom', () => {
  it('reads bytes, ArrayBuffers, Blobs, Files and Responses to the same tensors', async () => {
    const before = memory().numTensors;
    const sources = [
      file,
      file.slice().buffer,
      new DataView(file.buffer),
      new Blob([file]),
      new File([file], 'adapter_model.safetensors'),
      new Response(file),
      chunkedResponse(file, 1),
      chunkedResponse(file, 7),
    ];
    for (const source of sources)
      expect(await values(await loadSafetensorsFrom(source)), Object.prototype.toString.call(source)).toEqual(expected);
    expect(memory().numTensors).toBe(before);
  });

  it('opens a Blob lazily: the header now, each tensor on get', async () => {
    const handle = await openSafetensorsBlob(new File([file], 'adapter_model.safetensors'));
    expect(handle.metadata).toEqual({ format: 'pt' });
    expect(handle.keys()).toEqual(['ids', 'w', 'half']);
    expect(handle.info('half')).toMatchObject({ dtype: 'F16', shape: [2] });
    const w = await handle.get('w');
    expect(await w.array()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    w.dispose();
    expect((await handle.read('ids')).data).toEqual(new BigInt64Array([5n, -6n, 7n]));
    expect(() => handle.info('x')).toThrow(
      "safetensors: no tensor 'x' in File 'adapter_model.safetensors' (it holds 3: 'ids', 'w', 'half')",
    );
    await handle.close();
  });

  it('rejects bad sources and bad streams with safetensors: errors, leaving no tensors', async () => {
    const before = memory().numTensors;
    await expect(loadSafetensorsFrom(new Response('missing', { status: 404, statusText: 'Not Found' }))).rejects.toThrow(
      'safetensors: response has status 404 Not Found',
    );
    const used = new Response(file);
    await used.arrayBuffer();
    await expect(loadSafetensorsFrom(used)).rejects.toThrow('safetensors: response: its body was already read');
    await expect(loadSafetensorsFrom(chunkedResponse(file.subarray(0, file.length - 2), 5))).rejects.toThrow(
      /^safetensors: response ends inside tensor 'half' \(data_offsets \[40, 44\] of 44 data bytes\): the file is truncated$/,
    );
    const longer = new Uint8Array(file.length + 3);
    longer.set(file);
    await expect(loadSafetensorsFrom(chunkedResponse(longer, 4))).rejects.toThrow(
      'safetensors: response has bytes after the last tensor that are not part of any tensor',
    );
    await expect(loadSafetensorsFrom(chunkedResponse(file.subarray(0, 5), 2))).rejects.toThrow(
      'safetensors: response is 5 bytes, shorter than the 8-byte header length',
    );
    await expect(loadSafetensorsFrom(chunkedResponse(file.subarray(0, 20), 3))).rejects.toThrow(
      /^safetensors: header length \d+ runs past the end of response$/,
    );
    await expect(loadSafetensorsFrom(new Blob([file.subarray(0, 30)]))).rejects.toThrow(
      /^safetensors: header length \d+ runs past the end of the 30-byte file$/,
    );
    await expect(loadSafetensorsFrom('weights.safetensors' as unknown as Blob)).rejects.toThrow(
      'safetensors: loadSafetensorsFrom: expected an ArrayBuffer, a typed array, a Blob/File or a Response, got [object String]',
    );
    // a header that claims gigabytes the stream does not hold fails when the stream ends, without allocating them
    const liar = writeSafetensors({ x: { shape: [1], data: new Float32Array(1) } });
    const json = new TextDecoder().decode(liar.subarray(8, 8 + Number(new DataView(liar.buffer).getBigUint64(0, true))));
    const lying = json.replace('"shape":[1]', '"shape":[1000000000]').replace('[0,4]', '[0,4000000000]').trimEnd();
    const head = new TextEncoder().encode(lying);
    const bytes = new Uint8Array(8 + head.length + 4);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(head.length), true);
    bytes.set(head, 8);
    const arrayBuffersBefore = process.memoryUsage().arrayBuffers;
    await expect(loadSafetensorsFrom(chunkedResponse(bytes, 3))).rejects.toThrow(
      "safetensors: response ends inside tensor 'x' (data_offsets [0, 4000000000] of 4000000000 data bytes): the file is truncated",
    );
    expect(process.memoryUsage().arrayBuffers - arrayBuffersBefore).toBeLessThan(2 ** 26);
    expect(memory().numTensors).toBe(before);
  });
});
