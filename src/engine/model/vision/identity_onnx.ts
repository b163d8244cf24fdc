// A minimal ONNX model for warming up onnxruntime-web (ort_env.ts prewarmOrt). Pure: no imports.
/**
 * The smallest valid ONNX model: y = Identity(x), x and y float [1], opset 13, IR 8 — written as
 * protobuf bytes by hand (field numbers of onnx.proto: ModelProto ir_version 1, graph 7,
 * opset_import 8; GraphProto node 1, name 2, input 11, output 12; NodeProto input 1, output 2,
 * op_type 4; ValueInfoProto name 1, type 2; TypeProto tensor_type 1; Tensor elem_type 1, shape 2;
 * TensorShapeProto dim 1; Dimension dim_value 1). identity_onnx.test.ts decodes it with onnx-proto;
 * ort_env.ts opens it to compile the runtime early.
 */
export const IDENTITY_ONNX: Uint8Array = (() => {
  const varint = (v: number): number[] => (v < 0x80 ? [v] : [(v & 0x7f) | 0x80, ...varint(v >>> 7)]);
  const num = (field: number, v: number) => [field << 3, ...varint(v)];
  const msg = (field: number, body: number[]) => [(field << 3) | 2, ...varint(body.length), ...body];
  const str = (field: number, s: string) => msg(field, [...new TextEncoder().encode(s)]);
  const floatOne = (name: string, field: number) =>
    msg(field, [...str(1, name), ...msg(2, msg(1, [...num(1, 1), ...msg(2, msg(1, num(1, 1)))]))]);
  const graph = [...msg(1, [...str(1, 'x'), ...str(2, 'y'), ...str(4, 'Identity')]), ...str(2, 'prewarm'), ...floatOne('x', 11), ...floatOne('y', 12)];
  return Uint8Array.from([...num(1, 8), ...msg(7, graph), ...msg(8, [...str(1, ''), ...num(2, 13)])]);
})();
