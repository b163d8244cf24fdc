// WebGPU in Node through Dawn (the `webgpu` npm package's prebuilt dawn.node): installs
// navigator.gpu and the GPU* globals (GPUBufferUsage, GPUMapMode, …) so the engine, written
// for the browser, runs unchanged.
//
//   await installDawn();   // before anything calls navigator.gpu.requestAdapter()
//
// Vulkan ICD (which driver Dawn's Vulkan backend loads), first match wins:
//   1. VK_ICD_FILENAMES already set (dist-gpu/run.sh sets it);
//   2. NVIDIA's nvidia_icd.json under /usr/share/vulkan/icd.d or /usr/local/nvidia/share/vulkan/icd.d;
//   3. Chromium's SwiftShader (/usr/lib/chromium/vk_swiftshader_icd.json) — the CPU adapter the
//      browser tests use, so Node and Chromium figures are of the same device.
// The Vulkan loader itself is Debian's libvulkan1 (scripts/setup.sh installs it).
// dawn.node: DISCERN_DAWN_NODE, else the one inside node_modules/webgpu.
// Traps: the loader reads VK_ICD_FILENAMES when Dawn creates its instance, i.e. at create(),
// so it is set before; Node does not exit while navigator.gpu holds the Dawn instance —
// uninstallDawn() drops it.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export const NVIDIA_ICDS = ['/usr/share/vulkan/icd.d/nvidia_icd.json', '/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json', '/etc/vulkan/icd.d/nvidia_icd.json'];
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** The ICD file to use (see header), or null when none is found (Dawn then finds no adapter). */
export function pickVulkanIcd(env: NodeJS.ProcessEnv = process.env, exists: (p: string) => boolean = existsSync): { icd: string | null; why: string } {
  if (env.VK_ICD_FILENAMES) return { icd: env.VK_ICD_FILENAMES, why: 'VK_ICD_FILENAMES' };
  const nv = NVIDIA_ICDS.find(exists);
  if (nv) return { icd: nv, why: 'NVIDIA ICD found' };
  if (exists(SWIFTSHADER_ICD)) return { icd: SWIFTSHADER_ICD, why: "Chromium's SwiftShader" };
  return { icd: null, why: `no Vulkan ICD found (looked for ${[...NVIDIA_ICDS, SWIFTSHADER_ICD].join(', ')})` };
}

function dawnNodePath(): string {
  if (process.env.DISCERN_DAWN_NODE) return process.env.DISCERN_DAWN_NODE;
  const require = createRequire(import.meta.url);
  const pkg = dirname(require.resolve('webgpu/package.json'));
  return join(pkg, 'dist', `${process.platform}-${process.arch}`, 'dawn.node');
}

export interface DawnHost {
  icd: string | null;
  icdWhy: string;
  dawnNode: string;
}

let installed: DawnHost | null = null;

export async function installDawn(flags: string[] = []): Promise<DawnHost> {
  if (installed) return installed;
  const { icd, why } = pickVulkanIcd();
  if (icd) process.env.VK_ICD_FILENAMES = icd;
  // Dawn logs "XDG_RUNTIME_DIR is invalid" twice per instance without it (harmless).
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  const path = dawnNodePath();
  if (!existsSync(path)) throw new Error(`dawn.node not found at ${path} (npm install webgpu, or set DISCERN_DAWN_NODE)`);
  const { create, globals } = createRequire(import.meta.url)(path) as { create(flags: string[]): GPU; globals: Record<string, unknown> };
  Object.assign(globalThis, globals);
  patchSharedWrites(globals);
  const gpu = create(flags);
  const nav = (globalThis as unknown as { navigator?: object }).navigator;
  const userAgent = `Node.js ${process.version} (dawn.node, Vulkan ICD ${icd ?? 'none'})`;
  if (nav) {
    Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true, writable: true });
    Object.defineProperty(nav, 'userAgent', { value: userAgent, configurable: true });
  } else {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu, userAgent, hardwareConcurrency: (await import('node:os')).cpus().length }, configurable: true, writable: true });
  }
  installed = { icd, icdWhy: why, dawnNode: path };
  return installed;
}

/** dawn.node's queue.writeBuffer accepts no SharedArrayBuffer ("no overload matched"), which
 * is what onnxruntime-web's threaded wasm build hands it (its heap is shared memory even with
 * one thread): such data is copied into a plain ArrayBuffer first. Browsers accept both. */
function patchSharedWrites(globals: Record<string, unknown>): void {
  const Queue = globals.GPUQueue as { prototype: GPUQueue & { __discernShared?: boolean } } | undefined;
  if (!Queue?.prototype || Queue.prototype.__discernShared || typeof SharedArrayBuffer === 'undefined') return;
  const orig = Queue.prototype.writeBuffer;
  Queue.prototype.writeBuffer = function (this: GPUQueue, buffer: GPUBuffer, offset: number, data: BufferSource | SharedArrayBuffer, dataOffset?: number, size?: number) {
    if (data instanceof SharedArrayBuffer) {
      const start = dataOffset ?? 0;
      const copy = new Uint8Array(data, start, size ?? data.byteLength - start).slice();
      return orig.call(this, buffer, offset, copy.buffer, 0, copy.byteLength);
    }
    if (ArrayBuffer.isView(data) && data.buffer instanceof SharedArrayBuffer) {
      const copy = (data as unknown as { slice(): ArrayBufferView }).slice(); // same element type, own memory
      return orig.call(this, buffer, offset, copy as BufferSource, dataOffset, size);
    }
    return orig.call(this, buffer, offset, data as BufferSource, dataOffset, size);
  } as GPUQueue['writeBuffer'];
  Queue.prototype.__discernShared = true;
}

export function uninstallDawn(): void {
  const nav = (globalThis as unknown as { navigator?: { gpu?: unknown } }).navigator;
  if (nav) delete nav.gpu;
  installed = null;
}
