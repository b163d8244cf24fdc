// The embedding forward of our Llama/SmolLM decoder as an ONNX graph (suite "embed"): the
// same computation as Decoder.forward(activations 'none') + the summary-row gather, in
// standard opset-17 ops so onnxruntime-web runs it on its WebGPU and wasm EPs.
//
//   buildDecoderEmbedOnnx(data: EmbedWeights, B, T) → Uint8Array (an ONNX ModelProto)
//
// I/O (fixed B, T — one model per batch shape, like a static-shape export):
//   inputs_embeds  float32 [B,T,H]   token embeddings / image-feature rows / soft prompts
//   position_ids   int64   [B,T]     RoPE positions (0 at each sequence start)
//   attention_mask float32 [B,T]     1 = real token, 0 = padding
//   summary_rows   int64   [S]       flat rows b·T + t of the summary tokens
//   embeddings     float32 [S,H]     final-RMSNorm hidden state of those rows (not L2-normalised)
// Per layer (HF LlamaDecoderLayer): RMSNorm (Mul/ReduceMean/Add/Sqrt/Div/Mul) → q,k,v MatMul
// with pre-transposed [in,out] initializers → heads → RoPE (cos/sin tables [Tmax,D] as
// initializers, Gather on position_ids, rotate_half as Slice/Neg/Concat) → GQA (Expand the KV
// heads) → scores·D^-½ + causal/padding bias → Softmax → ·v → o MatMul → residual; RMSNorm →
// SwiGLU (gate·Sigmoid(gate)·up) → down → residual. Final RMSNorm on the gathered rows only
// (row-wise, so equal to norming all rows and gathering).
// Trap: weights are transposed on the host (ORT would constant-fold a Transpose anyway) so the
// graph has no per-run transposes of weights.
import { ELEM, OnnxGraph } from '../../tiny-model/onnx-builder.ts';
import type { DecoderDims, LoraModule } from '../../../src/engine/model/decoder/types.ts';
import { linearShape } from '../../../src/engine/model/decoder/types.ts';

export interface EmbedWeights {
  dims: DecoderDims;
  finalNorm: Float32Array; // [H]
  layers: { inputNorm: Float32Array; postNorm: Float32Array; lin: Record<LoraModule, Float32Array> }[]; // lin [out,in]
}

/** [out,in] → [in,out]. */
export function transpose(w: Float32Array, out: number, inF: number): Float32Array {
  const t = new Float32Array(w.length);
  for (let o = 0; o < out; o++) for (let i = 0; i < inF; i++) t[i * out + o] = w[o * inF + i];
  return t;
}

/** HF RoPE tables [T,D]: cos/sin of t·θ^(−2i/D), duplicated over both halves. */
export function ropeCosSin(T: number, D: number, theta: number): { cos: Float32Array; sin: Float32Array } {
  const cos = new Float32Array(T * D), sin = new Float32Array(T * D), h = D / 2;
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < h; i++) {
      const f = t * Math.pow(theta, -(2 * i) / D);
      cos[t * D + i] = cos[t * D + i + h] = Math.cos(f);
      sin[t * D + i] = sin[t * D + i + h] = Math.sin(f);
    }
  }
  return { cos, sin };
}

export function buildDecoderEmbedOnnx(w: EmbedWeights, B: number, T: number): Uint8Array {
  const d = w.dims, H = d.hidden, D = d.headDim, Hq = d.heads, Hk = d.kvHeads, rep = Hq / Hk;
  if (!Number.isInteger(rep)) throw new Error(`buildDecoderEmbedOnnx: heads ${Hq} not a multiple of kvHeads ${Hk}`);
  const g = new OnnxGraph('discern_decoder_embed');
  const x0 = g.input('inputs_embeds', ELEM.FLOAT, [B, T, H]);
  const pos = g.input('position_ids', ELEM.INT64, [B, T]);
  const am = g.input('attention_mask', ELEM.FLOAT, [B, T]);
  const rows = g.input('summary_rows', ELEM.INT64, ['S']);
  const scalar = (name: string, v: number) => g.initF32(name, [], [v]);
  const made = new Set<string>();
  const shape = (name: string, v: number[]) => { if (!made.has(name)) { made.add(name); g.initI64(name, v); } return name; }; // once per name
  scalar('eps', d.rmsEps);
  scalar('one', 1);

  const rms = (x: string, weight: string) => {
    const ms = g.op('ReduceMean', [g.op('Mul', [x, x])], { axes: [-1], keepdims: 1 });
    return g.op('Mul', [g.op('Div', [x, g.op('Sqrt', [g.op('Add', [ms, 'eps'])])]), weight]);
  };

  // RoPE tables gathered by position: [B,T,D] → [B,1,T,D] (broadcast over heads)
  const { cos, sin } = ropeCosSin(T, D, d.ropeTheta);
  g.initF32('rope_cos', [T, D], cos);
  g.initF32('rope_sin', [T, D], sin);
  const cosB = g.op('Unsqueeze', [g.op('Gather', ['rope_cos', pos], { axis: 0 }), shape('axis1', [1])]);
  const sinB = g.op('Unsqueeze', [g.op('Gather', ['rope_sin', pos], { axis: 0 }), 'axis1']);
  shape('s_lo', [0]); shape('s_mid', [D / 2]); shape('s_hi', [D]); shape('s_last', [-1]);
  const rope = (x: string) => {
    const x1 = g.op('Slice', [x, 's_lo', 's_mid', 's_last']);
    const x2 = g.op('Slice', [x, 's_mid', 's_hi', 's_last']);
    const rot = g.op('Concat', [g.op('Neg', [x2]), x1], { axis: -1 });
    return g.op('Add', [g.op('Mul', [x, cosB]), g.op('Mul', [rot, sinB])]);
  };

  // attention bias [B,1,T,T]: causal (initializer) + key padding ((mask − 1)·1e9)
  const causal = new Float32Array(T * T).map((_, i) => (i % T <= Math.floor(i / T) ? 0 : -1e9));
  g.initF32('causal', [1, 1, T, T], causal);
  const pad = g.op('Mul', [g.op('Sub', [g.op('Reshape', [am, shape('s_mask', [B, 1, 1, T])]), 'one']), scalar('big', 1e9)]);
  const bias = g.op('Add', ['causal', pad]);

  const lin = (x: string, l: number, m: LoraModule) => {
    const [o, i] = linearShape(d, m);
    return g.op('MatMul', [x, g.initF32(`L${l}.${m}.T`, [i, o], transpose(w.layers[l].lin[m], o, i))]);
  };
  const heads = (x: string, h: number, perm: number[]) => g.op('Transpose', [g.op('Reshape', [x, shape(`s_heads${h}`, [B, T, h, D])])], { perm });
  scalar('scale', 1 / Math.sqrt(D));
  let x = x0;
  for (let l = 0; l < d.layers; l++) {
    const L = w.layers[l];
    const a = rms(x, g.initF32(`L${l}.inputNorm`, [H], L.inputNorm));
    const q = rope(heads(lin(a, l, 'q'), Hq, [0, 2, 1, 3])); // [B,Hq,T,D]
    let k = rope(heads(lin(a, l, 'k'), Hk, [0, 2, 1, 3])); // [B,Hk,T,D]
    let v = heads(lin(a, l, 'v'), Hk, [0, 2, 1, 3]);
    if (rep > 1) {
      // repeat_kv: [B,Hk,T,D] → [B,Hk,rep,T,D] → [B,Hq,T,D] (query head h reads KV head ⌊h/rep⌋)
      const expand = (t: string) => g.op('Reshape', [
        g.op('Expand', [g.op('Unsqueeze', [t, shape('axis2', [2])]), shape('s_rep', [B, Hk, rep, T, D])]),
        shape('s_q', [B, Hq, T, D]),
      ]);
      k = expand(k);
      v = expand(v);
    }
    const kT = g.op('Transpose', [k], { perm: [0, 1, 3, 2] });
    const scores = g.op('Add', [g.op('Mul', [g.op('MatMul', [q, kT]), 'scale']), bias]);
    const att = g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), v]); // [B,Hq,T,D]
    const merged = g.op('Reshape', [g.op('Transpose', [att], { perm: [0, 2, 1, 3] }), shape('s_merge', [B, T, Hq * D])]);
    const hMid = g.op('Add', [x, lin(merged, l, 'o')]);
    const m = rms(hMid, g.initF32(`L${l}.postNorm`, [H], L.postNorm));
    const gate = lin(m, l, 'gate');
    const s = g.op('Mul', [g.op('Mul', [gate, g.op('Sigmoid', [gate])]), lin(m, l, 'up')]);
    x = g.op('Add', [hMid, lin(s, l, 'down')]);
  }
  const flat = g.op('Reshape', [x, shape('s_flat', [B * T, H])]);
  const picked = g.op('Gather', [flat, rows], { axis: 0 });
  const out = rms(picked, g.initF32('finalNorm', [H], w.finalNorm));
  g.node('Identity', [out], {}, ['embeddings']);
  g.output('embeddings', ELEM.FLOAT, ['S', H]);
  return g.encode({ opset: 17, producer: 'discern bench', doc: `decoder embed forward H${H} L${d.layers} B${B} T${T}` });
}
