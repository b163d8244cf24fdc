// TensorFlow.js on its WebGPU backend (@tensorflow/tfjs-backend-webgpu).
//  matmul: tf.matMul(x, W, false, true)            = x·Wᵀ
//  lora:   x·Wᵀ + s·(x·Aᵀ)·Bᵀ composed from three tf.matMul, one mul and one add
// Sync: backend.submitQueue() then queue.onSubmittedWorkDone() — the same "flush + wait"
// as our ctx.sync(), without the output readback that `await y.data()` would add.
// Trap: WEBGPU_CPU_FORWARD would run small ops on the CPU backend if one were registered;
// it is switched off so every op stays on the GPU.

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { describeAdapterInfo, PeerError, type LinearData, type Peer, type PreparedOp } from './peer.ts';

export interface TfjsWebGpu {
  backend: WebGPUBackend;
  device: GPUDevice;
  /** Flush + wait for every submitted command, no readback. */
  sync(): Promise<void>;
  /** The adapter as TF's device reports it. */
  adapter: string;
}

/** TF.js switched to its WebGPU backend (PeerError 'tfjs' when it cannot), shared by the
 * kernel peer here and the training-step peer (train/tfjs.ts). */
export async function initTfjsWebGpu(): Promise<TfjsWebGpu> {
  tf.env().set('WEBGPU_CPU_FORWARD', false);
  let ok = false;
  try {
    ok = await tf.setBackend('webgpu');
    await tf.ready();
  } catch (e) {
    throw new PeerError('tfjs', `webgpu backend failed to initialise: ${(e as Error).message}`);
  }
  if (!ok || tf.getBackend() !== 'webgpu') throw new PeerError('tfjs', `webgpu backend unavailable (active backend: ${tf.getBackend()})`);
  const backend = tf.backend() as WebGPUBackend;
  const device = backend.device;
  const sync = async () => {
    // The same sequence TF uses before its own reads: an encoder exists (submitQueue assumes
    // one), the open compute pass is ended, everything is submitted.
    backend.ensureCommandEncoderReady();
    backend.endComputePassEncoder();
    backend.submitQueue();
    await device.queue.onSubmittedWorkDone();
  };
  return { backend, device, sync, adapter: describeAdapterInfo((device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo) };
}

export async function createTfjsPeer(): Promise<Peer> {
  const { sync, adapter } = await initTfjsWebGpu();
  return {
    name: 'tfjs',
    adapter,
    async prepare(d: LinearData): Promise<PreparedOp> {
      const { n, inF, outF, rank, scale, kind } = d.spec;
      const x = tf.tensor2d(d.x, [n, inF]);
      const w = tf.tensor2d(d.w, [outF, inF]);
      const a = kind === 'lora' ? tf.tensor2d(d.a, [rank, inF]) : null;
      const b = kind === 'lora' ? tf.tensor2d(d.b, [outF, rank]) : null;
      const s = tf.scalar(scale);
      let y: tf.Tensor | null = null;
      const op =
        kind === 'matmul'
          ? () => tf.matMul(x, w, false, true)
          : () => tf.tidy(() => tf.add(tf.matMul(x, w, false, true), tf.mul(s, tf.matMul(tf.matMul(x, a!, false, true), b!, false, true))));
      await sync(); // uploads done before the first timed run
      return {
        run() {
          y?.dispose();
          y = op();
        },
        sync,
        async read() {
          if (!y) throw new PeerError('tfjs', `${d.spec.id}: read() before run()`);
          return (await y.data()) as Float32Array;
        },
        dispose() {
          y?.dispose();
          tf.dispose([x, w, s, ...(a ? [a] : []), ...(b ? [b] : [])]);
        },
      };
    },
    destroy() {
      tf.disposeVariables();
      tf.engine().reset();
    },
  };
}
