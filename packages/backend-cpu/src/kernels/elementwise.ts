import { storeAs, type Info } from './args.js';
import { ElementOffsets } from './strided.js';

/**
 * out[i] = f(first[i], second[i], third[i]) over every element of out, each operand read through its
 * own layout (broadcast operands have stride 0); missing operands read as 0. The result is stored
 * in out's dtype (int32 truncates, bool is != 0).
 */
export function mapElements(out: Info, operands: readonly Info[], f: (a: number, b: number, c: number) => number): void {
  const to = new ElementOffsets(out.layout);
  const [o0, o1, o2] = operands.map((t) => new ElementOffsets(t.layout));
  const [d0, d1, d2] = operands.map((t) => t.storage.data);
  const od = out.storage.data;
  const store = storeAs(out.dtype);
  for (let j = 0; j < to.length; j++) {
    od[to.at(j)] = store(f(d0[o0.at(j)], d1 ? d1[o1.at(j)] : 0, d2 ? d2[o2.at(j)] : 0));
  }
}
