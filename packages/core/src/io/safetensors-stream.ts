/**
 * Reads a safetensors file from a stream (a fetch Response body) front to back: the header first,
 * then each tensor as its bytes arrive. A tensor's buffer is allocated only once all its bytes have
 * arrived, so a header that claims more data than the stream holds cannot force a huge allocation.
 */
import { allocBytes } from './byte-source.js';
import { viewAsDType } from './safetensors-dtypes.js';
import { fail, parseSafetensorsHeader, readHeaderLength, type SafetensorsHeader } from './safetensors-header.js';
import type { SafetensorsTensor } from './safetensors.js';

/** Pulls exact byte counts out of a stream of chunks of any size. */
class ChunkReader {
  private pending: Uint8Array[] = [];
  private buffered = 0;
  private done = false;
  private consumed = 0;
  constructor(private readonly reader: ReadableStreamDefaultReader<Uint8Array>) {}

  /** The next `length` bytes in a fresh buffer, or undefined when the stream ends first. */
  async take(length: number, what: string): Promise<Uint8Array | undefined> {
    while (this.buffered < length && !this.done) {
      const { value, done } = await this.reader.read();
      if (done) this.done = true;
      else if (value.length > 0) {
        this.pending.push(value);
        this.buffered += value.length;
      }
    }
    if (this.buffered < length) return undefined;
    const out = allocBytes(length, what);
    let at = 0;
    while (at < length) {
      const chunk = this.pending[0]!;
      const n = Math.min(chunk.length, length - at);
      out.set(chunk.subarray(0, n), at);
      at += n;
      if (n === chunk.length) this.pending.shift();
      else this.pending[0] = chunk.subarray(n);
    }
    this.buffered -= length;
    this.consumed += length;
    return out;
  }

  /** Bytes received so far. */
  get received(): number {
    return this.consumed + this.buffered;
  }

  /** True when nothing follows. */
  async atEnd(): Promise<boolean> {
    while (this.buffered === 0 && !this.done) {
      const { value, done } = await this.reader.read();
      if (done) this.done = true;
      else {
        this.pending.push(value);
        this.buffered += value.length;
      }
    }
    return this.buffered === 0;
  }
}

/**
 * Reads `stream` to its end, calling `onTensor` for each tensor in data order; returns the header.
 * The stream must hold exactly the bytes the header describes.
 */
export async function readSafetensorsStream(
  stream: ReadableStream<Uint8Array>,
  name: string,
  onTensor: (name: string, tensor: SafetensorsTensor) => void,
): Promise<SafetensorsHeader> {
  const reader = stream.getReader();
  const chunks = new ChunkReader(reader);
  try {
    const first8 = await chunks.take(8, 'the header length');
    if (!first8) fail(`${name} is ${chunks.received} bytes, shorter than the 8-byte header length`);
    const n = readHeaderLength(first8);
    const headerBytes = await chunks.take(n, 'the header');
    if (!headerBytes) fail(`header length ${n} runs past the end of ${name}`);
    const header = parseSafetensorsHeader(headerBytes);
    const ordered = [...header.tensors].sort(([, a], [, b]) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1]);
    for (const [
      key,
      {
        dtype,
        shape,
        dataOffsets: [begin, end],
      },
    ] of ordered) {
      const bytes = await chunks.take(end - begin, `tensor '${key}'`);
      if (!bytes)
        fail(
          `${name} ends inside tensor '${key}' (data_offsets [${begin}, ${end}] of ${header.dataLength} data bytes): the file is truncated`,
        );
      onTensor(key, { dtype, shape, data: viewAsDType(bytes, dtype) });
    }
    if (!(await chunks.atEnd())) fail(`${name} has bytes after the last tensor that are not part of any tensor`);
    return header;
  } finally {
    await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
