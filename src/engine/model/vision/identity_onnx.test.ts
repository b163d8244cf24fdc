// IDENTITY_ONNX is hand-written protobuf: decode it with onnx-proto (the protobufjs classes of
// onnx.proto) and check every field the runtime needs — a wrong tag or length fails here, in Node,
// not as a silent prewarm failure in the browser (prewarmOrt swallows errors by design).
import * as onnxNs from 'onnx-proto';
import { expect, test } from 'vitest';
import { IDENTITY_ONNX } from './identity_onnx.ts';

type OnnxRoot = typeof onnxNs.onnx;
const onnx: OnnxRoot = (onnxNs as unknown as { onnx?: OnnxRoot }).onnx ?? (onnxNs as unknown as { default: { onnx: OnnxRoot } }).default.onnx;

test('IDENTITY_ONNX decodes as y = Identity(x), float [1], opset 13, IR 8', () => {
  const m = onnx.ModelProto.decode(IDENTITY_ONNX);
  expect(Number(m.irVersion)).toBe(8);
  expect(m.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', 13]]);
  const g = m.graph!;
  expect(g.name).toBe('prewarm');
  expect(g.node!.map((n) => [n.opType, n.input, n.output])).toEqual([['Identity', ['x'], ['y']]]);
  for (const [vi, name] of [[g.input!, 'x'], [g.output!, 'y']] as const) {
    expect(vi).toHaveLength(1);
    expect(vi[0].name).toBe(name);
    expect(vi[0].type!.tensorType!.elemType).toBe(onnx.TensorProto.DataType.FLOAT);
    expect(vi[0].type!.tensorType!.shape!.dim!.map((d) => Number(d.dimValue))).toEqual([1]);
  }
  // and re-encoding the decoded message gives the same bytes (no stray or duplicated fields)
  expect([...onnx.ModelProto.encode(m).finish()]).toEqual([...IDENTITY_ONNX]);
});
