/** A safetensors file from a header string and data bytes, with no padding or checks of its own. */
export function rawFile(json: string, body: ArrayLike<number> = []): Uint8Array {
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + body.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  out.set(body, 8 + head.length);
  return out;
}

/** A header entry as JSON. */
export const entry = (dtype: string, shape: unknown, offsets: unknown): string => JSON.stringify({ dtype, shape, data_offsets: offsets });
