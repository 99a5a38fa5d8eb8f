import type { Backend } from '../backend.js';
import { engine } from '../engine.js';
import type { QuantizedWeightInfo, TensorInfo } from '../kernels.js';
import type { Tensor } from '../tensor.js';
import { numBlocks, type QuantFormat, type QuantizedWeightData } from './format.js';
import { dequantizeInt8 } from './int8.js';
import { dequantizeNf4 } from './nf4.js';

/**
 * A quantized weight W [rows, cols] on a backend: the buffers of a QuantizedWeightData as
 * long-lived tensors (int32 codes, float32 code maps and absmax). Frozen: nothing trains it.
 */
export class QuantizedWeight {
  readonly format: QuantFormat;
  readonly rows: number;
  readonly cols: number;
  readonly blockSize: number;
  readonly codes: Tensor;
  readonly codeMap: Tensor | null;
  readonly absmax: Tensor | null;
  readonly nested: { codes: Tensor; codeMap: Tensor; absmax: Tensor; offset: Tensor; blockSize: number } | null;

  /** Wraps tensors already on a backend (they stay owned by the caller's module or this object). */
  static wrap(
    meta: Pick<QuantizedWeightData, 'format' | 'rows' | 'cols' | 'blockSize'>,
    tensors: { codes: Tensor; codeMap: Tensor | null; absmax: Tensor | null; nested: QuantizedWeight['nested'] },
  ): QuantizedWeight {
    return new QuantizedWeight(meta, tensors);
  }

  private constructor(
    data: Pick<QuantizedWeightData, 'format' | 'rows' | 'cols' | 'blockSize'>,
    tensors: { codes: Tensor; codeMap: Tensor | null; absmax: Tensor | null; nested: QuantizedWeight['nested'] },
  ) {
    this.format = data.format;
    this.rows = data.rows;
    this.cols = data.cols;
    this.blockSize = data.blockSize;
    this.codes = tensors.codes;
    this.codeMap = tensors.codeMap;
    this.absmax = tensors.absmax;
    this.nested = tensors.nested;
  }

  /** Uploads host data to `backend` (default: the active one). */
  static fromData(data: QuantizedWeightData, backend: Backend = engine().backend): QuantizedWeight {
    checkData(data);
    const e = engine();
    const made: Tensor[] = [];
    const up = (values: Int32Array | Float32Array, dtype: 'int32' | 'float32'): Tensor => {
      const t = e.keep(e.makeTensor([values.length], dtype, backend, values));
      made.push(t);
      return t;
    };
    try {
      const n = data.nested;
      return new QuantizedWeight(data, {
        codes: up(data.codes, 'int32'),
        codeMap: data.codeMap ? up(data.codeMap, 'float32') : null,
        absmax: data.absmax ? up(data.absmax, 'float32') : null,
        nested: n
          ? {
              codes: up(n.codes, 'int32'),
              codeMap: up(n.codeMap, 'float32'),
              absmax: up(n.absmax, 'float32'),
              offset: up(Float32Array.of(n.offset), 'float32'),
              blockSize: n.blockSize,
            }
          : null,
      });
    } catch (err) {
      made.forEach((t) => t.dispose());
      throw err;
    }
  }

  get shape(): [number, number] {
    return [this.rows, this.cols];
  }

  /** Every buffer, in the order `info` takes their TensorInfos. */
  tensors(): Tensor[] {
    const n = this.nested;
    return [this.codes, this.codeMap, this.absmax, n?.codes, n?.codeMap, n?.absmax, n?.offset].filter((t): t is Tensor => t != null);
  }

  /** The kernel's view of the weight, from the TensorInfos of `tensors()` in order. */
  info<S>(infos: readonly TensorInfo<S>[]): QuantizedWeightInfo<S> {
    let k = 0;
    const next = () => infos[k++];
    const codes = next();
    const codeMap = this.codeMap ? next() : null;
    const absmax = this.absmax ? next() : null;
    const nested = this.nested
      ? { codes: next(), codeMap: next(), absmax: next(), offset: next(), blockSize: this.nested.blockSize }
      : null;
    return { format: this.format, rows: this.rows, cols: this.cols, blockSize: this.blockSize, codes, codeMap, absmax, nested };
  }

  /** Bytes the buffers take on the backend. */
  get numBytes(): number {
    return this.tensors().reduce((sum, t) => sum + t.size * 4, 0);
  }

  /** The host data back (an async read works on every backend). */
  async toData(): Promise<QuantizedWeightData> {
    const read = async (t: Tensor) => await t.data();
    const n = this.nested;
    return {
      format: this.format,
      rows: this.rows,
      cols: this.cols,
      blockSize: this.blockSize,
      codes: (await read(this.codes)) as Int32Array,
      codeMap: this.codeMap ? ((await read(this.codeMap)) as Float32Array) : null,
      absmax: this.absmax ? ((await read(this.absmax)) as Float32Array) : null,
      nested: n
        ? {
            codes: (await read(n.codes)) as Int32Array,
            codeMap: (await read(n.codeMap)) as Float32Array,
            absmax: (await read(n.absmax)) as Float32Array,
            offset: ((await read(n.offset)) as Float32Array)[0],
            blockSize: n.blockSize,
          }
        : null,
    };
  }

  get isDisposed(): boolean {
    return this.codes.isDisposed;
  }

  dispose(): void {
    for (const t of this.tensors()) t.dispose();
  }
}

/** W dequantized on the host in float32 (what the kernels compute), row-major. */
export function dequantizeData(data: QuantizedWeightData): Float32Array {
  return data.format === 'nf4' ? dequantizeNf4(data) : dequantizeInt8(data);
}

function checkData(d: QuantizedWeightData): void {
  const fail = (msg: string) => {
    throw new RangeError(`QuantizedWeight: ${msg}`);
  };
  if (d.format !== 'nf4' && d.format !== 'int8') fail(`format must be 'nf4' or 'int8', got ${String(d.format)}`);
  if (!(d.rows >= 1 && d.cols >= 1 && Number.isInteger(d.rows) && Number.isInteger(d.cols)))
    fail(`rows and cols must be positive integers, got [${d.rows}, ${d.cols}]`);
  const size = d.rows * d.cols;
  const perWord = d.format === 'nf4' ? 8 : 4;
  if (d.codes.length !== Math.ceil(size / perWord))
    fail(`${d.format} codes of [${d.rows}, ${d.cols}] need ${Math.ceil(size / perWord)} words, got ${d.codes.length}`);
  if (d.format === 'int8' && d.blockSize !== d.cols) fail(`int8 has one block a row (blockSize ${d.cols}), got blockSize ${d.blockSize}`);
  if (d.format === 'nf4' && d.codeMap?.length !== 16) fail(`nf4 needs a code map of 16 values, got ${d.codeMap?.length ?? 'none'}`);
  const blocks = numBlocks(d);
  if ((d.absmax === null) === (d.nested === null)) fail('exactly one of absmax and nested must be given');
  if (d.absmax && d.absmax.length !== blocks) fail(`absmax needs ${blocks} values (one a block of ${d.blockSize}), got ${d.absmax.length}`);
  if (d.nested) {
    const n = d.nested;
    if (d.format !== 'nf4') fail('only nf4 absmax values can be double-quantized');
    if (n.codes.length !== Math.ceil(blocks / 4))
      fail(`nested codes of ${blocks} blocks need ${Math.ceil(blocks / 4)} words, got ${n.codes.length}`);
    if (n.codeMap.length !== 256) fail(`the nested code map needs 256 values, got ${n.codeMap.length}`);
    if (n.absmax.length !== Math.ceil(blocks / n.blockSize))
      fail(`nested absmax needs ${Math.ceil(blocks / n.blockSize)} values, got ${n.absmax.length}`);
  }
}
