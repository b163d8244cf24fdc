// Suite "embed" implementations (browser page). Each prepares one case (a packed batch) and
// then `run()` = one batch of embeddings, from host inputs to [count,H] floats on the host:
//  * ours — Decoder + GpuOps forward(activations 'none') on ids/positions/mask (uploaded per
//    run: ops.releaseInputs() after each, as Vlm.embedSequences does) with image features
//    already on the GPU (as they come from the vision tower), gather of the summary rows
//    (embeddingForward on the final-normed rows), read back. No LoRA (frozen base).
//  * ort-webgpu / ort-wasm — onnxruntime-web InferenceSession of decoder-onnx.ts (one
//    model per batch shape, built from the same host weights), inputs_embeds prepared on
//    the host once (transformers.js merges image features on the host too), session.run
//    uploads the feeds and returns host tensors. wasm: 1 thread (the bench page is not
//    cross-origin isolated, so no SharedArrayBuffer).
import { GpuContext } from '../../../src/engine/gpu/context.ts';
import type { GpuTensor } from '../../../src/engine/gpu/tensor.ts';
import { embeddingForward } from '../../../src/engine/kernels/embedding/embedding.ts';
import { Decoder } from '../../../src/engine/model/decoder/decoder.ts';
import { GpuOps } from '../../../src/engine/model/decoder/gpu_ops.ts';
import { LORA_MODULES, linearShape, type DecoderWeights } from '../../../src/engine/model/decoder/types.ts';
import { configureOrt } from '../../../src/engine/model/vision/ort_env.ts';
import { describeAdapterInfo, PeerError } from '../peers/peer.ts';
import type { TrainData } from '../train/model.ts';
import type { EmbedImplName } from '../types.ts';
import { inputsEmbeds, onnxFeeds, type EmbedCase } from './data.ts';
import { buildDecoderEmbedOnnx } from './decoder-onnx.ts';

export interface PreparedEmbed {
  run(): Promise<Float32Array>;
  dispose(): Promise<void> | void;
}
export interface EmbedPeer {
  readonly name: EmbedImplName;
  readonly adapter: string;
  prepare(c: EmbedCase): Promise<PreparedEmbed>;
  destroy(): void;
}

export async function createOursEmbedPeer(m: TrainData): Promise<EmbedPeer> {
  let ctx: GpuContext;
  try {
    ctx = await GpuContext.create();
  } catch (e) {
    throw new PeerError('ours', (e as Error).message);
  }
  const d = m.dims, ops = new GpuOps(ctx), a = ctx.caps.adapter;
  const up = (v: Float32Array, s: number[], label: string) => ctx.upload(v, s, label);
  const w: DecoderWeights<GpuTensor> = {
    embed: up(m.embed, [d.vocab, d.hidden], 'embed'), lmHead: up(m.lmHead, [d.vocab, d.hidden], 'lmHead'),
    finalNorm: up(m.finalNorm, [d.hidden], 'finalNorm'),
    layers: m.layers.map((L, l) => ({
      inputNorm: up(L.inputNorm, [d.hidden], `L${l}.inputNorm`), postNorm: up(L.postNorm, [d.hidden], `L${l}.postNorm`),
      ...Object.fromEntries(LORA_MODULES.map((mod) => [mod, up(L.lin[mod], linearShape(d, mod), `L${l}.${mod}`)])),
    }) as DecoderWeights<GpuTensor>['layers'][number]),
  };
  const dec = new Decoder(ops, d, w, null);
  await ctx.sync();
  return {
    name: 'ours',
    adapter: [a.vendor, a.architecture, a.description].filter((s) => s).join(' ') || 'unknown adapter (empty adapterInfo)',
    async prepare(c) {
      const extra = c.extra ? up(c.extra, [c.extra.length / d.hidden, d.hidden], 'features') : null;
      return {
        async run() {
          const st = dec.forward(c.batch, extra, { activations: 'none' });
          const out = ctx.empty([c.count, d.hidden], 'embeddings');
          embeddingForward(ctx, out, c.batch.summaryRows, st.normed);
          dec.release(st);
          const host = await ctx.read(out);
          ctx.release(out);
          ops.releaseInputs();
          return host;
        },
        dispose: () => { if (extra) ctx.release(extra); },
      };
    },
    destroy: () => ctx.destroy(),
  };
}

export async function createOrtEmbedPeer(name: 'ort-webgpu' | 'ort-wasm', m: TrainData): Promise<EmbedPeer> {
  const ort = configureOrt();
  const ep = name === 'ort-webgpu' ? 'webgpu' : 'wasm';
  let adapter = name === 'ort-wasm' ? `wasm EP (CPU, ${ort.env.wasm.numThreads} thread${ort.env.wasm.numThreads === 1 ? '' : 's'}, SIMD)` : '';
  const H = m.dims.hidden;
  return {
    name,
    get adapter() { return adapter; },
    async prepare(c) {
      const { batch: B, seqLen: T } = c.batch;
      let s: Awaited<ReturnType<typeof ort.InferenceSession.create>>;
      try {
        s = await ort.InferenceSession.create(buildDecoderEmbedOnnx(m, B, T), { executionProviders: [ep], graphOptimizationLevel: 'all' });
      } catch (e) {
        throw new PeerError(name, `session creation failed for ${c.kind} [${B}×${T}]: ${(e as Error).message}`);
      }
      if (ep === 'webgpu' && !adapter) adapter = describeAdapterInfo((await ort.env.webgpu.device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo);
      const f = onnxFeeds(c);
      const feeds = {
        inputs_embeds: new ort.Tensor('float32', inputsEmbeds(c, m.embed, H), [B, T, H]),
        position_ids: new ort.Tensor('int64', f.positions, [B, T]),
        attention_mask: new ort.Tensor('float32', f.mask, [B, T]),
        summary_rows: new ort.Tensor('int64', f.rows, [c.count]),
      };
      return {
        async run() {
          try {
            const out = await s.run(feeds);
            return out.embeddings.data as Float32Array;
          } catch (e) {
            throw new PeerError(name, `run failed for ${c.kind}: ${(e as Error).message}`);
          }
        },
        dispose: () => s.release(),
      };
    },
    destroy() {},
  };
}
