// Attribution of GPU time to decoder ops for the profile suite (pure TS except the Proxy).
//
//   const { ops, calls } = meterOps(gpuOps, (tag) => (ctx.tag = tag));
//   // pass `ops` to Decoder; each compute call sets the tag "<method>#<k>" before running,
//   // calls[k] = { op, flops, bytes } from the argument shapes (opCost below).
//
// Cost model (per call, N = rows, useful work only):
//   linear            2·N·in·out  (+ 2·N·r·(in+out) with LoRA)
//   linearBackward    dx: 2·N·in·out, dW: 2·N·in·out; LoRA dB, du, dA (+ dx part): 2·N·r·(2·out + in (+ in))
//   attention         causal: 2·B·Hq·T·T·D (QKᵀ and PV over the lower triangle); else 4·B·Hq·T·T·D
//   attentionBackward 2.5 × forward (QKᵀ recomputed, dP, dV, dQ, dK)
//   crossEntropy      2·N·V·H;  backward 2·N·V·H per gradient + 2·N·V·H logits recompute
//   everything else   0 FLOPs; bytes = 4 × Σ sizes of the tensor arguments (each read or
//                     written once) — memory-bound kernels are judged in GB/s.
import type { GpuTensor } from '../../../src/engine/gpu/tensor.ts';
import type { GpuOps } from '../../../src/engine/model/decoder/gpu_ops.ts';

export interface OpCall {
  op: string;
  flops: number;
  bytes: number;
}

type Shaped = { shape: readonly number[]; size: number };
const isT = (x: unknown): x is Shaped => !!x && typeof x === 'object' && 'shape' in x && 'size' in x && 'buffer' in x;
const rows = (t: Shaped) => t.size / t.shape[t.shape.length - 1];

export const NOT_COMPUTE = new Set(['empty', 'zeros', 'free', 'shape', 'read', 'releaseInputs']);

export function opCost(op: string, args: readonly unknown[]): OpCall {
  const tensors: Shaped[] = [];
  const walk = (a: unknown) => {
    if (isT(a)) tensors.push(a);
    else if (Array.isArray(a)) for (const v of a) { if (isT(v)) tensors.push(v); }
    else if (a && typeof a === 'object' && !ArrayBuffer.isView(a)) for (const v of Object.values(a)) if (isT(v)) tensors.push(v);
  };
  args.forEach(walk);
  const bytes = 4 * tensors.reduce((s, t) => s + t.size, 0);
  let flops = 0;
  if (op === 'linear') {
    const [, , x, W, A, , , o] = args as [Shaped, Shaped | null, Shaped, Shaped, Shaped | null, Shaped | null, number, { uReady?: boolean } | undefined];
    const [out, inF] = W.shape, N = rows(x);
    // u = x·Aᵀ is counted by loraU when it ran grouped (uReady)
    flops = 2 * N * inF * out + (A ? 2 * N * A.shape[0] * ((o?.uReady ? 0 : inF) + out) : 0);
  } else if (op === 'linearBackward') {
    type G = { dx: Shaped | null; dW: Shaped | null; dA: Shaped | null; dB: Shaped | null; gOut?: Shaped | null; gReady?: boolean };
    const [g, dy, , , W, A] = args as [G, Shaped, Shaped, Shaped | null, Shaped, Shaped | null];
    const [out, inF] = W.shape, N = rows(dy);
    flops = (g.dx ? 2 * N * inF * out : 0) + (g.dW ? 2 * N * inF * out : 0);
    if (A) {
      // LoRA: g = dy·B (unless gReady: loraGDBPair made it), dB, dA (unless grouped), dx's s·g·A
      const r = A.shape[0], wantG = (g.dx || g.dA || g.gOut) && !g.gReady;
      flops += 2 * N * r * ((wantG ? out : 0) + (g.dB ? out : 0) + (g.dA ? inF : 0) + (g.dx ? inF : 0));
    }
  } else if (op === 'loraU' || op === 'loraDAGroup') {
    // u_i = x·A_iᵀ / dA_i += s·g_iᵀ·x: 2·N·r·K per module
    const [outs, a1, a2] = args as [Shaped[], Shaped, Shaped | Shaped[]];
    const x = (op === 'loraU' ? a1 : a2) as Shaped, [r, K] = outs[0].shape;
    flops = outs.length * 2 * (x.size / K) * r * K;
  } else if (op === 'loraGDBPair') {
    // g_z = dy_z·B_z and dB_z += s·dy_zᵀ·u_z: 2·N·O·r each
    const [, , dys, Bs] = args as [Shaped[], Shaped[], Shaped[], Shaped[]];
    flops = dys.length * 2 * 2 * dys[0].size * Bs[0].shape[1];
  } else if (op === 'attention' || op === 'attentionBackward') {
    // the decoder passes [rows, heads·D] tensors; lse [B,Hq,T] carries the batch layout
    const q = args[2] as Shaped, lse = args[op === 'attention' ? 1 : 6] as Shaped, causal = args[args.length - 1] as boolean;
    const [B, Hq, T] = lse.shape, D = q.size / (B * T * Hq);
    const fwd = causal ? 2 * B * Hq * T * T * D : 4 * B * Hq * T * T * D;
    flops = op === 'attention' ? fwd : 2.5 * fwd;
  } else if (op === 'crossEntropy') {
    const [, , h, W] = args as Shaped[];
    flops = 2 * rows(h) * W.shape[0] * W.shape[1];
  } else if (op === 'crossEntropyBackward') {
    const [dh, dW, , h, W] = args as [Shaped | null, Shaped | null, number, Shaped, Shaped];
    const f = 2 * rows(h) * W.shape[0] * W.shape[1];
    flops = f * (1 + (dh ? 1 : 0) + (dW ? 1 : 0));
  }
  return { op, flops, bytes };
}

/** A Proxy over GpuOps that tags each compute call and records its cost. */
export function meterOps(ops: GpuOps, setTag: (tag: string) => void): { ops: GpuOps; calls: OpCall[] } {
  const calls: OpCall[] = [];
  const proxy = new Proxy(ops, {
    get(target, prop, recv) {
      const v = Reflect.get(target, prop, recv);
      if (typeof v !== 'function' || typeof prop !== 'string' || NOT_COMPUTE.has(prop)) return typeof v === 'function' ? v.bind(target) : v;
      return (...args: unknown[]) => {
        calls.push(opCost(prop, args));
        setTag(`${prop}#${calls.length - 1}`);
        try {
          return v.apply(target, args);
        } finally {
          setTag('');
        }
      };
    },
  });
  return { ops: proxy, calls };
}

export type { GpuTensor };
