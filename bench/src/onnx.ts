/**
 * A minimal protobuf writer for the one ONNX model the benchmarks need, so no model file is
 * downloaded or checked in. Field numbers are those of onnx.proto (ModelProto, GraphProto,
 * NodeProto, ValueInfoProto, TypeProto, TensorShapeProto, OperatorSetIdProto).
 */

const VARINT = 0;
const LEN = 2;

function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

function key(field: number, wire: number): number[] {
  return varint(field * 8 + wire);
}

function int(field: number, value: number): number[] {
  return [...key(field, VARINT), ...varint(value)];
}

function bytes(field: number, payload: number[]): number[] {
  return [...key(field, LEN), ...varint(payload.length), ...payload];
}

function string(field: number, value: string): number[] {
  return bytes(field, [...new TextEncoder().encode(value)]);
}

const FLOAT = 1; // TensorProto.DataType.FLOAT

/** ValueInfoProto { name = 1, type = 2 { tensor_type = 1 { elem_type = 1, shape = 2 { dim = 1 { dim_value = 1 } } } } } */
function floatTensorInfo(name: string, shape: readonly number[]): number[] {
  const dims = shape.flatMap((d) => bytes(1, int(1, d)));
  const tensorType = [...int(1, FLOAT), ...bytes(2, dims)];
  return [...string(1, name), ...bytes(2, bytes(1, tensorType))];
}

/** The bytes of an ONNX model computing Y = MatMul(A, B) for float32 A [m, k] and B [k, n]. */
export function matmulModel(m: number, k: number, n: number): Uint8Array {
  // NodeProto { input = 1, output = 2, name = 3, op_type = 4 }
  const node = [...string(1, 'A'), ...string(1, 'B'), ...string(2, 'Y'), ...string(3, 'matmul'), ...string(4, 'MatMul')];
  // GraphProto { node = 1, name = 2, input = 11, output = 12 }
  const graph = [
    ...bytes(1, node),
    ...string(2, 'matmul'),
    ...bytes(11, floatTensorInfo('A', [m, k])),
    ...bytes(11, floatTensorInfo('B', [k, n])),
    ...bytes(12, floatTensorInfo('Y', [m, n])),
  ];
  // ModelProto { ir_version = 1, producer_name = 2, graph = 7, opset_import = 8 { domain = 1, version = 2 } }
  return new Uint8Array([...int(1, 8), ...string(2, 'peftjs-bench'), ...bytes(7, graph), ...bytes(8, [...string(1, ''), ...int(2, 13)])]);
}
