/**
 * A very small ONNX graph builder over onnx-proto (protobufjs classes of onnx.proto).
 *
 * Public API:
 *   class OnnxGraph { input(name, elemType, dims); output(name, elemType, dims);
 *     initF32(name, dims, data); initI64(name, values); node(op, inputs, attrs?, nOut?) → out names;
 *     encode({ opset, producer }) → Uint8Array }
 *   ELEM: { FLOAT, INT64, BOOL }
 * Symbolic dims are strings (dim_param), fixed dims numbers. Node names and intermediate
 * value names are generated (`<op>_<k>`), so a failing graph names the node in ORT's message.
 */
import * as onnxNs from 'onnx-proto';

type OnnxRoot = typeof onnxNs.onnx;
// onnx-proto is CommonJS: Node's ESM loader exposes it as `default.onnx`, bundlers as `onnx`.
const onnx: OnnxRoot = (onnxNs as unknown as { onnx?: OnnxRoot }).onnx ??
  (onnxNs as unknown as { default: { onnx: OnnxRoot } }).default.onnx;

export const ELEM = { FLOAT: 1, INT64: 7, BOOL: 9 } as const;
type Attr = number | number[] | string;

export class OnnxGraph {
  private nodes: onnxNs.onnx.INodeProto[] = [];
  private inits: onnxNs.onnx.ITensorProto[] = [];
  private inputs: onnxNs.onnx.IValueInfoProto[] = [];
  private outputs: onnxNs.onnx.IValueInfoProto[] = [];
  private counter = 0;

  constructor(readonly name: string) {}

  private valueInfo(name: string, elemType: number, dims: (number | string)[]): onnxNs.onnx.IValueInfoProto {
    return {
      name,
      type: {
        tensorType: {
          elemType,
          shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
        },
      },
    };
  }

  input(name: string, elemType: number, dims: (number | string)[]): string {
    this.inputs.push(this.valueInfo(name, elemType, dims));
    return name;
  }

  output(name: string, elemType: number, dims: (number | string)[]): void {
    this.outputs.push(this.valueInfo(name, elemType, dims));
  }

  initF32(name: string, dims: readonly number[], data: Float32Array | number[]): string {
    const f = Float32Array.from(data);
    this.inits.push({ name, dims: [...dims], dataType: ELEM.FLOAT, rawData: new Uint8Array(f.buffer) });
    return name;
  }

  initI64(name: string, values: number[]): string {
    const b = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.inits.push({ name, dims: [values.length], dataType: ELEM.INT64, rawData: new Uint8Array(b.buffer) });
    return name;
  }

  /** Adds a node; returns its output names (fresh unless given in `outs`). */
  node(op: string, inputs: string[], attrs: Record<string, Attr> = {}, outs: number | string[] = 1): string[] {
    const k = this.counter++;
    const outputs = typeof outs === 'number' ? Array.from({ length: outs }, (_, i) => `${op}_${k}_out${i}`) : outs;
    const attribute: onnxNs.onnx.IAttributeProto[] = Object.entries(attrs).map(([name, v]) => {
      if (typeof v === 'string') return { name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(v) };
      if (Array.isArray(v)) return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: v };
      if (Number.isInteger(v) && !Object.is(v, -0) && name !== 'epsilon' && name !== 'alpha') {
        return { name, type: onnx.AttributeProto.AttributeType.INT, i: v };
      }
      return { name, type: onnx.AttributeProto.AttributeType.FLOAT, f: v };
    });
    this.nodes.push({ name: `${op}_${k}`, opType: op, input: inputs, output: outputs, attribute });
    return outputs;
  }

  /** Single-output shorthand. */
  op(op: string, inputs: string[], attrs: Record<string, Attr> = {}): string {
    return this.node(op, inputs, attrs, 1)[0];
  }

  encode(opts: { opset: number; producer: string; doc?: string }): Uint8Array {
    const model: onnxNs.onnx.IModelProto = {
      irVersion: 8,
      producerName: opts.producer,
      producerVersion: '1',
      docString: opts.doc ?? '',
      opsetImport: [{ domain: '', version: opts.opset }],
      graph: { name: this.name, node: this.nodes, initializer: this.inits, input: this.inputs, output: this.outputs },
    };
    const b = onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
    // protobufjs returns a Node Buffer under Node: hand back a plain Uint8Array everywhere.
    return new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  }
}
