import { describe, expect, test } from 'vitest';
import { GpuContext } from './context.ts';
import { GpuDeviceLostError, GpuValidationError } from './errors.ts';
import { bucketBytes } from './pool.ts';
import { f32, u32 } from './tensor.ts';
import { useGpu } from '../testing/gpu.ts';

const SCALE = /* wgsl */ `
struct P { n: u32, s: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = g.x + g.y * nw.x * 64u;
  if (i < p.n) { y[i] = y[i] + p.s * x[i]; }
}`;

describe('GpuContext', () => {
  const gpu = useGpu();

  test('records adapter, features and limits', () => {
    const { caps } = gpu();
    expect(caps.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 1024 * 1024);
    expect(caps.features.subgroups).toBe(true); // SwiftShader in Chromium has subgroups
    expect(caps.features.timestampQuery).toBe(true);
    expect(typeof caps.features.shaderF16).toBe('boolean');
  });

  test('upload/read round trip and pooled reuse', async () => {
    const ctx = gpu();
    const a = ctx.upload(new Float32Array([1, 2, 3, 4.5]), [4], 'a');
    expect([...(await ctx.read(a))]).toEqual([1, 2, 3, 4.5]);
    const buf = a.buffer;
    ctx.release(a);
    const b = ctx.empty([3], 'b');
    expect(b.buffer).toBe(buf); // same bucket → same buffer
    expect(bucketBytes(12)).toBe(256);
    expect(bucketBytes(1_000_000)).toBeGreaterThanOrEqual(1_000_000);
    ctx.release(b);
  });

  test('dispatches with uniform params; many dispatches in one submission keep their own params', async () => {
    const ctx = gpu();
    const n = 1000;
    const x = ctx.upload(Float32Array.from({ length: n }, (_, i) => i % 16), [n], 'x');
    const y = ctx.zeros([n], 'y');
    for (let k = 1; k <= 300; k++) {
      // 300 dispatches > one 64 KiB arena of 256-byte slots: exercises arena rollover
      ctx.dispatch({
        name: 'scale', code: SCALE, layout: ['uniform', 'read', 'rw'],
        bindings: [x, y], params: [u32(n), f32(k)], workgroups: ctx.grid(Math.ceil(n / 64)),
      });
    }
    const out = await ctx.read(y);
    const sum = (300 * 301) / 2;
    expect(out[7]).toBe(7 * sum);
    expect(out[n - 1]).toBe(((n - 1) % 16) * sum);
    // a write after encoded work must not overtake it
    ctx.dispatch({ name: 'scale', code: SCALE, layout: ['uniform', 'read', 'rw'], bindings: [x, y], params: [u32(n), f32(-sum)], workgroups: [16] });
    ctx.write(x, new Float32Array(n).fill(1));
    const out2 = await ctx.read(y);
    expect(out2[7]).toBe(0);
    ctx.release(x, y);
  });

  test('concurrent reads do not unbalance the error scopes', async () => {
    const ctx = gpu();
    const ts = Array.from({ length: 8 }, (_, i) => ctx.upload(new Float32Array([i]), [1], `t${i}`));
    const vals = await Promise.all(ts.map((t) => ctx.read(t)));
    expect(vals.map((v) => v[0])).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    await ctx.sync();
    ctx.release(...ts);
  });

  test('views bind a 256-byte-aligned window and are never pooled', async () => {
    const ctx = gpu();
    const base = ctx.upload(Float32Array.from({ length: 256 }, (_, i) => i), [256], 'base');
    const v = ctx.view(base, 64, [2, 64], 'rows1to2');
    expect((await ctx.read(v))[0]).toBe(64);
    const ones = ctx.upload(new Float32Array(128).fill(1), [128], 'ones');
    ctx.dispatch({ name: 'scale', code: SCALE, layout: ['uniform', 'read', 'rw'], bindings: [ones, v], params: [u32(128), f32(1)], workgroups: [2] });
    expect(() => ctx.view(base, 3, [4])).toThrow(/not 256-byte aligned/);
    const all = await ctx.read(base);
    expect([all[63], all[64], all[191], all[192]]).toEqual([63, 65, 192, 192]);
    ctx.release(v); // no-op: views are not pooled
    ctx.release(base, ones);
  });

  test('copyRange splices unaligned element ranges', async () => {
    const ctx = gpu();
    const a = ctx.upload(new Float32Array([1, 2, 3, 4, 5]), [5], 'a');
    const b = ctx.zeros([6], 'b');
    ctx.copyRange(a, 1, b, 3, 3);
    expect([...(await ctx.read(b))]).toEqual([0, 0, 0, 2, 3, 4]);
    expect(() => ctx.copyRange(a, 3, b, 0, 3)).toThrow(/out of bounds/);
    ctx.release(a, b);
  });

  test('refuses a tensor above the binding limit with a clear message', () => {
    const ctx = gpu();
    const n = ctx.caps.limits.maxStorageBufferBindingSize / 4 + 1;
    expect(() => ctx.empty([n], 'huge')).toThrow(/huge.*maxStorageBufferBindingSize/);
  });
});

describe('GpuContext failures', () => {
  test('a validation error is typed and names the kernel', async () => {
    const ctx = await GpuContext.create();
    const x = ctx.upload(new Float32Array(4), [4], 'x');
    // binding kinds mismatch the shader (x is read_write in WGSL but bound read-only)
    ctx.dispatch({
      name: 'broken_kernel',
      code: `@group(0) @binding(0) var<storage, read_write> x: array<f32>;
             @compute @workgroup_size(1) fn main() { x[0] = 1.0; }`,
      layout: ['read'], bindings: [x], workgroups: [1],
    });
    const err = await ctx.sync().catch((e) => e);
    expect(err).toBeInstanceOf(GpuValidationError);
    expect(String(err.message)).toMatch(/broken_kernel/);
    ctx.destroy();
  });

  test('device loss surfaces as GpuDeviceLostError to listeners and later calls', async () => {
    const ctx = await GpuContext.create();
    const seen = new Promise<Error>((resolve) => ctx.onFatal(resolve));
    ctx.device.destroy(); // simulate a lost device
    const e = await seen;
    expect(e).toBeInstanceOf(GpuDeviceLostError);
    expect(e.message).toMatch(/device was lost.*reload/);
    expect(() => ctx.checkHealthy()).toThrow(GpuDeviceLostError);
  });
});
