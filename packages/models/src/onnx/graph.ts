import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
export { onnx };

/** float32's lowest value: the additive mask value (finite, as Hugging Face uses). */
export const MASKED = -3.4028234663852886e38;

/** An int, a float ({ f }), a string, ints, or floats. */
export type Attribute = number | { f: number } | string | readonly number[] | { floats: readonly number[] };

/** One dimension of a graph input or output: a fixed size or a named dynamic axis. */
export type Dim = number | string;

export interface ValueSpec {
  name: string;
  elemType: 'float32' | 'int64';
  dims: readonly Dim[];
}

/**
 * An ONNX graph under construction: nodes in order, initializers (weights and constants), the
 * graph's inputs and outputs. Names of intermediate values are made unique from the op name.
 */
export class OnnxGraph {
  readonly nodes: onnxProto.onnx.INodeProto[] = [];
  readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(readonly opset: number) {}

  /** A fresh value name like `MatMul_12`. */
  fresh(hint: string): string {
    let name: string;
    do name = `${hint}_${this.counter++}`;
    while (this.names.has(name));
    this.names.add(name);
    return name;
  }

  /** A float32 weight or constant (row-major `values` of shape `dims`). */
  float(name: string, values: Float32Array | readonly number[], dims: readonly number[]): string {
    if (this.names.has(name)) name = this.fresh(name);
    this.names.add(name);
    const data = values instanceof Float32Array ? values : Float32Array.from(values);
    const size = dims.reduce((a, b) => a * b, 1);
    if (data.length !== size)
      throw new RangeError(`exportOnnx: initializer ${name} has ${data.length} values for shape [${dims.join(', ')}]`);
    this.initializers.push({
      name,
      dataType: onnx.TensorProto.DataType.FLOAT,
      dims: [...dims],
      rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice(),
    });
    return name;
  }

  /** An int64 constant. */
  int64(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const name = this.fresh('const');
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.initializers.push({ name, dataType: onnx.TensorProto.DataType.INT64, dims: [...dims], rawData: new Uint8Array(data.buffer) });
    return name;
  }

  /** A float scalar constant. */
  scalar(value: number): string {
    return this.float(this.fresh('scalar'), [value], []);
  }

  /** Adds a node and returns its first output's name (`outputs` more than one: all are made). */
  node(op: string, inputs: readonly string[], attrs: Record<string, Attribute> = {}, outputs = 1): string {
    const names = Array.from({ length: outputs }, () => this.fresh(op));
    this.nodes.push({
      opType: op,
      input: [...inputs],
      output: names,
      name: this.fresh(`${op}_node`),
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return names[0];
  }

  /** Renames the value `from` to the graph output `to` (an Identity node). */
  output(from: string, to: string): void {
    this.nodes.push({ opType: 'Identity', input: [from], output: [to], name: this.fresh('output') });
  }

  /** The ModelProto: IR version 8, the default domain at `opset`. */
  toModel(inputs: readonly ValueSpec[], outputs: readonly ValueSpec[], docString: string): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'peft.js',
      opsetImport: [{ domain: '', version: this.opset }],
      docString,
      graph: {
        name: 'peftjs',
        node: this.nodes,
        initializer: this.initializers,
        input: inputs.map(valueInfo),
        output: outputs.map(valueInfo),
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function valueInfo(v: ValueSpec): onnxProto.onnx.IValueInfoProto {
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: v.elemType === 'float32' ? onnx.TensorProto.DataType.FLOAT : onnx.TensorProto.DataType.INT64,
        shape: { dim: v.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attribute(name: string, v: Attribute): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (typeof v === 'number') return { name, type: T.INT, i: v };
  if ('f' in v) return { name, type: T.FLOAT, f: v.f };
  if ('floats' in v) return { name, type: T.FLOATS, floats: [...v.floats] };
  return { name, type: T.INTS, ints: [...(v as readonly number[])] };
}
