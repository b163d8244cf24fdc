// The same LoRA training step in TensorFlow.js (@tensorflow/tfjs-backend-webgpu):
//   {value, grads} = tf.variableGrads(loss, lora)   28 LoRA tf.Variables, everything else constant
//   AdamW per tensor with tf ops, torch arithmetic (same as adamw.wgsl and the jax-js peer),
//   m, v as non-trainable variables updated with assign().
// Model as in jaxjs.ts / src/engine/model/decoder: RMSNorm → GQA attention with HF
// rotate-half RoPE (tf.split + concat) → SwiGLU MLP, PEFT LoRA on the 7 linears, untied lm
// head, mean CE over labelled rows (labels as a host one-hot [N,V]; −100 rows all zero).
// Embedding: tf.gather on a constant table (frozen: no gradient needed). GQA: tf.tile of the
// KV heads to the query heads (query head h reads KV head ⌊h/rep⌋, as our kernel).
// Sync: submitQueue + queue.onSubmittedWorkDone (as peers/tfjs.ts), no readback.
// Functional ops only (tf.add(x, y), not x.add(y)): tfjs-core alone registers no chained ops.
// Trap: WEBGPU_CPU_FORWARD is switched off so no small op silently runs on the CPU.
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's module entry registers no gradients (the @tensorflow/tfjs union package does);
// run.ts pre-bundles this path with tfjs-core so both share one kernel registry.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-webgpu';
import { LORA_MODULES, linearShape } from '../../../src/engine/model/decoder/types.ts';
import { PeerError } from '../peers/peer.ts';
import { initTfjsWebGpu } from '../peers/tfjs.ts';
import { loraNames, loraShape, ropeTables, TRAIN_ADAMW, TRAIN_LORA, type TrainData } from './model.ts';
import type { TrainPeer } from './peer.ts';

type T = tf.Tensor;

export async function createTfjsTrainPeer(data: TrainData): Promise<TrainPeer> {
  const { sync, adapter } = await initTfjsWebGpu();
  const d = data.dims, r = TRAIN_LORA.rank, s = TRAIN_LORA.alpha / r;
  const { batch: B, seqLen: Tn } = data.bt;
  const N = B * Tn, H = d.hidden, Hq = d.heads, Hk = d.kvHeads, D = d.headDim, V = d.vocab, rep = Hq / Hk;

  const c = (v: Float32Array, shape: number[]) => tf.tensor(v, shape, 'float32');
  const embed = c(data.embed, [V, H]), lmHead = c(data.lmHead, [V, H]), finalNorm = c(data.finalNorm, [H]);
  const ids = tf.tensor1d(Int32Array.from(data.ids), 'int32');
  const ohLab = new Float32Array(N * V);
  let count = 0;
  data.labels.forEach((l, i) => { if (l >= 0) { ohLab[i * V + l] = 1; count++; } });
  const labels = c(ohLab, [N, V]);
  const rope = ropeTables(Tn, D, d.ropeTheta);
  const cos = c(rope.cos, [Tn, D]), sin = c(rope.sin, [Tn, D]);
  const mask = c(new Float32Array(Tn * Tn).map((_, i) => (i % Tn <= Math.floor(i / Tn) ? 0 : -1e9)), [Tn, Tn]);
  const layers = data.layers.map((L) => ({
    inN: c(L.inputNorm, [H]), postN: c(L.postNorm, [H]),
    W: Object.fromEntries(LORA_MODULES.map((m) => [m, c(L.lin[m], linearShape(d, m))])) as Record<(typeof LORA_MODULES)[number], T>,
  }));
  const names = loraNames(d.layers);
  const params: tf.Variable[] = data.layers.flatMap((L, l) => LORA_MODULES.flatMap((m) => [
    tf.variable(c(L.A[m], loraShape(d, m, 'A', r)), true, `L${l}.${m}.A`), tf.variable(c(L.B[m], loraShape(d, m, 'B', r)), true, `L${l}.${m}.B`),
  ]));
  const ms = params.map((p) => tf.variable(tf.zerosLike(p), false));
  const vs = params.map((p) => tf.variable(tf.zerosLike(p), false));

  const rms = (x: T, w: T) => tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), d.rmsEps))), w);
  const lin = (x: T, W: T, A: T, Bm: T) => tf.add(tf.matMul(x, W, false, true), tf.mul(tf.matMul(tf.matMul(x, A, false, true), Bm, false, true), s));
  const heads = (x: T, h: number) => tf.transpose(tf.reshape(x, [B, Tn, h, D]), [0, 2, 1, 3]); // [B,h,T,D]
  const ropeApply = (x: T) => {
    const [x1, x2] = tf.split(x, 2, -1);
    return tf.add(tf.mul(x, cos), tf.mul(tf.concat([tf.neg(x2), x1], -1), sin));
  };
  // rank-4 tile (TF.js has no rank-5 tile gradient): [B·Hk,1,T,D] → [B·Hk,rep,T,D] → [B,Hq,T,D]
  const kvRepeat = (x: T) => (rep === 1 ? x : tf.reshape(tf.tile(tf.reshape(x, [B * Hk, 1, Tn, D]), [1, rep, 1, 1]), [B, Hq, Tn, D]));

  const loss = (): tf.Scalar => {
    let x = tf.gather(embed, ids); // [N,H]
    for (let l = 0; l < d.layers; l++) {
      const { inN, postN, W } = layers[l];
      const P = params.slice(14 * l, 14 * l + 14);
      const a = rms(x, inN);
      const q = tf.reshape(ropeApply(heads(lin(a, W.q, P[0], P[1]), Hq)), [B * Hq, Tn, D]);
      const k = tf.reshape(kvRepeat(ropeApply(heads(lin(a, W.k, P[2], P[3]), Hk))), [B * Hq, Tn, D]);
      const v = tf.reshape(kvRepeat(heads(lin(a, W.v, P[4], P[5]), Hk)), [B * Hq, Tn, D]);
      const sc = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(D)), mask);
      const att = tf.reshape(tf.transpose(tf.reshape(tf.matMul(tf.softmax(sc, -1), v), [B, Hq, Tn, D]), [0, 2, 1, 3]), [N, Hq * D]);
      x = tf.add(x, lin(att, W.o, P[6], P[7]));
      const m2 = rms(x, postN);
      const g = lin(m2, W.gate, P[8], P[9]), u = lin(m2, W.up, P[10], P[11]);
      x = tf.add(x, lin(tf.mul(tf.mul(g, tf.sigmoid(g)), u), W.down, P[12], P[13]));
    }
    const logits = tf.matMul(rms(x, finalNorm), lmHead, false, true); // [N,V]
    return tf.mul(tf.sum(tf.mul(tf.logSoftmax(logits, -1), labels)), -1 / count) as tf.Scalar;
  };
  const { lr, beta1, beta2, eps, weightDecay } = TRAIN_ADAMW;
  let stepNo = 0;
  let lastLoss: T | null = null;
  return {
    name: 'tfjs',
    adapter,
    step() {
      stepNo++;
      const { value, grads } = tf.variableGrads(loss, params);
      const stepSize = lr / (1 - beta1 ** stepNo), bc2Sqrt = Math.sqrt(1 - beta2 ** stepNo);
      tf.tidy(() => {
        params.forEach((p, k) => {
          const g = grads[p.name];
          const mi = tf.add(tf.mul(ms[k], beta1), tf.mul(g, 1 - beta1));
          const vi = tf.add(tf.mul(vs[k], beta2), tf.mul(tf.square(g), 1 - beta2));
          p.assign(tf.sub(tf.mul(p, 1 - lr * weightDecay), tf.mul(tf.div(mi, tf.add(tf.div(tf.sqrt(vi), bc2Sqrt), eps)), stepSize)));
          ms[k].assign(mi);
          vs[k].assign(vi);
        });
      });
      tf.dispose(Object.values(grads));
      lastLoss?.dispose();
      lastLoss = value;
    },
    sync,
    async readLoss() {
      if (!lastLoss) throw new PeerError('tfjs', 'readLoss() before step()');
      return (await lastLoss.data())[0];
    },
    async readParams() {
      const out = new Map<string, Float32Array>();
      for (let k = 0; k < params.length; k++) out.set(names[k], (await params[k].data()) as Float32Array);
      return out;
    },
    destroy() {
      lastLoss?.dispose();
      tf.dispose([embed, lmHead, finalNorm, ids, labels, cos, sin, mask, ...layers.flatMap((L) => [L.inN, L.postN, ...Object.values(L.W)]), ...params, ...ms, ...vs]);
    },
  };
}
