// jax-js (@jax-js/jax) on its WebGPU device, jit-compiled (jit fuses the transposes and the
// LoRA epilogue into its generated kernels where it can).
//  matmul: x @ Wᵀ
//  lora:   x @ Wᵀ + s·((x @ Aᵀ) @ Bᵀ)
// Ownership trap (jax-js README, "Reference counting"): every call consumes its Array
// arguments, so inputs are passed as `x.ref` to keep them alive across repeats, and each
// Array is used at most once inside the traced functions unless taken with `.ref`.
// Sync: Array.blockUntilReady() submits pending work and waits on a (0-byte) mapped read,
// i.e. a full queue drain without reading the output back.

import { defaultDevice, getWebGPUDevice, init, jit, numpy as np } from '@jax-js/jax';
import { describeAdapterInfo, PeerError, type LinearData, type Peer, type PreparedOp } from './peer.ts';

/** jax-js initialised on its WebGPU device, made the default (PeerError 'jax-js' when it
 * cannot); shared by the kernel peer here and the training-step peer (train/jaxjs.ts). */
export async function initJaxWebGpu(): Promise<{ device: GPUDevice; adapter: string }> {
  let devices: string[];
  try {
    devices = await init('webgpu');
  } catch (e) {
    throw new PeerError('jax-js', `init('webgpu') failed: ${(e as Error).message}`);
  }
  if (!devices.includes('webgpu')) throw new PeerError('jax-js', `webgpu device unavailable (init returned [${devices.join(', ')}])`);
  defaultDevice('webgpu');
  const device = getWebGPUDevice();
  return { device, adapter: describeAdapterInfo((device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo) };
}

export async function createJaxPeer(): Promise<Peer> {
  const { adapter } = await initJaxWebGpu();
  return {
    name: 'jax-js',
    adapter,
    async prepare(d: LinearData): Promise<PreparedOp> {
      const { n, inF, outF, rank, scale, kind } = d.spec;
      const put = (v: Float32Array, shape: number[]) => np.array(new Float32Array(v), { shape, device: 'webgpu' }); // copy: DataArray wants an ArrayBuffer-backed view
      const x = put(d.x, [n, inF]);
      const w = put(d.w, [outF, inF]);
      const a = kind === 'lora' ? put(d.a, [rank, inF]) : null;
      const b = kind === 'lora' ? put(d.b, [outF, rank]) : null;
      const fMatmul = jit((x: np.Array, w: np.Array) => np.matmul(x, w.transpose()));
      const fLora = jit((x: np.Array, w: np.Array, a: np.Array, b: np.Array) =>
        np.matmul(x.ref, w.transpose()).add(np.matmul(np.matmul(x, a.transpose()), b.transpose()).mul(scale)),
      );
      let y: np.Array | null = null;
      const op = kind === 'matmul' ? () => fMatmul(x.ref, w.ref) : () => fLora(x.ref, w.ref, a!.ref, b!.ref);
      for (const t of [x, w, a, b]) await t?.blockUntilReady(); // uploads done before timing
      return {
        run() {
          y?.dispose();
          y = op();
        },
        async sync() {
          if (!y) throw new PeerError('jax-js', `${d.spec.id}: sync() before run()`);
          await y.blockUntilReady();
        },
        async read() {
          if (!y) throw new PeerError('jax-js', `${d.spec.id}: read() before run()`);
          // data() consumes the Array; keep our handle valid for dispose().
          return new Float32Array(await y.ref.data());
        },
        dispose() {
          y?.dispose();
          y = null;
          for (const t of [x, w, a, b]) t?.dispose();
          fMatmul.dispose();
          fLora.dispose();
        },
      };
    },
    destroy() {
      // jax-js keeps one process-wide device; nothing else to free once arrays are disposed.
    },
  };
}
