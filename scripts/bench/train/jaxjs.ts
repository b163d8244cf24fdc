// The same LoRA training step in jax-js (@jax-js/jax, webgpu backend):
//   vg  = jit(valueAndGrad(loss))       loss(lora[28], consts) → CE, d loss/d lora (argnum 0)
//   upd = jit(adamw)                    torch AdamW arithmetic, same as adamw.wgsl
// The model mirrors src/engine/model/decoder (Llama/SmolLM: RMSNorm → GQA attention with HF
// rotate-half RoPE → SwiGLU MLP, PEFT LoRA on the 7 linears, untied lm head, mean CE over
// labelled rows). Embedding lookup and labels are one-hot constants [N,V] (built on the host:
// frozen, so no gather gradient is needed); rotate_half is x @ R with a constant [D,D] R.
// Ownership trap (jax-js README, "Reference counting"): every op consumes its Array inputs,
// including inside traced functions — a value used twice is taken with `.ref` on all but its
// last use. Sync: Array.blockUntilReady() on the step's outputs.
import { jit, nn, numpy as np, valueAndGrad } from '@jax-js/jax';
import { LORA_MODULES, linearShape } from '../../../src/engine/model/decoder/types.ts';
import { initJaxWebGpu } from '../peers/jaxjs.ts';
import { PeerError } from '../peers/peer.ts';
import { loraNames, loraShape, ropeTables, TRAIN_ADAMW, TRAIN_LORA, type TrainData } from './model.ts';
import type { TrainPeer } from './peer.ts';

type A = np.Array;

export async function createJaxTrainPeer(data: TrainData): Promise<TrainPeer> {
  const { adapter } = await initJaxWebGpu();
  const d = data.dims, r = TRAIN_LORA.rank, s = TRAIN_LORA.alpha / r;
  const { batch: B, seqLen: T } = data.bt;
  const N = B * T, H = d.hidden, Hq = d.heads, Hk = d.kvHeads, D = d.headDim, V = d.vocab;
  const put = (v: Float32Array, shape: number[]) => np.array(new Float32Array(v), { shape, device: 'webgpu' });

  // constants: [embed, lmHead, finalNorm, onehotIds, onehotLabels, cos, sin, R, mask, per layer: inputNorm, postNorm, 7 linears]
  const oh = (idx: ArrayLike<number>) => { const o = new Float32Array(N * V); for (let i = 0; i < N; i++) if (idx[i] >= 0) o[i * V + idx[i]] = 1; return o; };
  const rope = ropeTables(T, D, d.ropeTheta);
  const mask = new Float32Array(T * T).map((_, i) => (i % T <= Math.floor(i / T) ? 0 : -1e9));
  const count = Array.from(data.labels).filter((l) => l >= 0).length;
  const consts: A[] = [
    put(data.embed, [V, H]), put(data.lmHead, [V, H]), put(data.finalNorm, [H]), put(oh(data.ids), [N, V]), put(oh(data.labels), [N, V]),
    put(rope.cos, [T, D]), put(rope.sin, [T, D]), put(rope.R, [D, D]), put(mask, [T, T]),
    ...data.layers.flatMap((L) => [put(L.inputNorm, [H]), put(L.postNorm, [H]), ...LORA_MODULES.map((m) => put(L.lin[m], linearShape(d, m)))]),
  ];
  let params: A[] = data.layers.flatMap((L) => LORA_MODULES.flatMap((m) => [put(L.A[m], loraShape(d, m, 'A', r)), put(L.B[m], loraShape(d, m, 'B', r))]));
  let ms: A[] = params.map((p) => np.zeros(p.shape, { device: 'webgpu' }));
  let vs: A[] = params.map((p) => np.zeros(p.shape, { device: 'webgpu' }));

  const rms = (x: A, w: A) => x.ref.mul(np.reciprocal(np.sqrt(np.mean(x.ref.mul(x), -1, { keepdims: true }).add(d.rmsEps)))).mul(w);
  const lin = (x: A, W: A, a: A, b: A) => np.matmul(x.ref, W.transpose()).add(np.matmul(np.matmul(x, a.transpose()), b.transpose()).mul(s));
  const ropeApply = (x: A, cos: A, sin: A, R: A) => x.ref.mul(cos).add(np.matmul(x, R).mul(sin)); // x [B,h,T,D]
  const heads = (x: A, h: number) => x.reshape([B, T, h, D]).transpose([0, 2, 1, 3]);

  function loss(lora: A[], c: A[]): A {
    const [embed, lmHead, finalNorm, ohIds, ohLab, cos, sin, R, maskC] = c;
    let x = np.matmul(ohIds, embed); // [N,H]
    for (let l = 0; l < d.layers; l++) {
      const [inN, postN, Wq, Wk, Wv, Wo, Wg, Wu, Wd] = c.slice(9 + 9 * l, 18 + 9 * l);
      const P = lora.slice(14 * l, 14 * l + 14); // (A,B) × q,k,v,o,gate,up,down
      const hN = rms(x.ref, inN);
      const q = ropeApply(heads(lin(hN.ref, Wq, P[0], P[1]), Hq), cos.ref, sin.ref, R.ref); // [B,Hq,T,D]
      const k = ropeApply(heads(lin(hN.ref, Wk, P[2], P[3]), Hk), cos.ref, sin.ref, R.ref); // [B,Hk,T,D]
      const v = heads(lin(hN, Wv, P[4], P[5]), Hk);
      const kx = np.broadcastTo(k, [B, Hq, T, D]), vx = np.broadcastTo(v, [B, Hq, T, D]); // GQA: Hk = 1
      const sc = np.matmul(q, kx.transpose([0, 1, 3, 2])).mul(1 / Math.sqrt(D)).add(maskC.ref);
      const att = np.matmul(nn.softmax(sc, -1), vx).transpose([0, 2, 1, 3]).reshape([N, Hq * D]);
      x = x.add(lin(att, Wo, P[6], P[7]));
      const m2 = rms(x.ref, postN);
      const g = lin(m2.ref, Wg, P[8], P[9]), u = lin(m2, Wu, P[10], P[11]);
      x = x.add(lin(nn.silu(g).mul(u), Wd, P[12], P[13]));
    }
    cos.dispose(); sin.dispose(); R.dispose(); maskC.dispose();
    const logits = np.matmul(rms(x, finalNorm), lmHead.transpose()); // [N,V]
    return nn.logSoftmax(logits, -1).mul(ohLab).sum().mul(-1 / count);
  }
  const vg = jit(valueAndGrad(loss));
  const { lr, beta1, beta2, eps, weightDecay } = TRAIN_ADAMW;
  const upd = jit((p: A, g: A, m: A, v: A, stepSize: A, bc2Sqrt: A) => {
    const mi = m.mul(beta1).add(g.ref.mul(1 - beta1));
    const vi = v.mul(beta2).add(g.ref.mul(g).mul(1 - beta2));
    const pn = p.mul(1 - lr * weightDecay).sub(mi.ref.div(np.sqrt(vi.ref).div(bc2Sqrt).add(eps)).mul(stepSize));
    return [pn, mi, vi];
  });
  let stepNo = 0;
  let lastLoss: A | null = null;
  return {
    name: 'jax-js',
    adapter,
    step() {
      stepNo++;
      const [lossV, grads] = vg(params.map((p) => p.ref), consts.map((c) => c.ref)) as unknown as [A, A[]];
      const stepSize = np.array(new Float32Array([lr / (1 - beta1 ** stepNo)]), { shape: [], device: 'webgpu' });
      const bc2 = np.array(new Float32Array([Math.sqrt(1 - beta2 ** stepNo)]), { shape: [], device: 'webgpu' });
      const out = params.map((p, k) => upd(p, grads[k], ms[k], vs[k], stepSize.ref, bc2.ref) as unknown as A[]);
      stepSize.dispose(); bc2.dispose();
      params = out.map((o) => o[0]); ms = out.map((o) => o[1]); vs = out.map((o) => o[2]);
      lastLoss?.dispose();
      lastLoss = lossV;
    },
    async sync() {
      // blockUntilReady does not consume; the last AdamW outputs finish after everything else
      for (const p of params) await p.blockUntilReady();
    },
    async readLoss() {
      if (!lastLoss) throw new PeerError('jax-js', 'readLoss() before step()');
      return (await lastLoss.ref.data())[0];
    },
    async readParams() {
      const names = loraNames(d.layers);
      const out = new Map<string, Float32Array>();
      for (let k = 0; k < params.length; k++) out.set(names[k], new Float32Array(await params[k].ref.data()));
      return out;
    },
    destroy() {
      for (const t of [...consts, ...params, ...ms, ...vs]) t.dispose();
      lastLoss?.dispose();
      vg.dispose(); upd.dispose();
    },
  };
}
