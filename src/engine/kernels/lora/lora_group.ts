// Grouped LoRA launchers: the small rank-r GEMMs of up to 3 LoRA modules that share their
// input x (a decoder layer's q/k/v read the same normed a; gate/up the same m), one dispatch
// per group instead of one per module (dispatch economy, docs/PERFORMANCE.md).
//   loraUGroup(ctx, us, x, As)          U_g = x·A_gᵀ          x [N,K], A_g [r,K], U_g [N,r]
//   loraDAGroup(ctx, dAs, gs, x, scale)  dA_g += s·G_gᵀ·x     G_g [N,r] (= dy_g·B_g), dA_g [r,K]
// Same results as matmul(U_g, x, A_g, {transB}) / matmul(dA_g, G_g, x, {transA, alpha: s,
// beta: 1}) per module, up to float32 rounding (CPU reference: lora_group.ref.ts).
// Traps: outputs must be distinct buffers and not alias x / A / G (WebGPU forbids a buffer
// bound writable and read-only in one dispatch); unused output slots bind per-context
// 1-element scratches, one per slot (two writable bindings of one buffer are invalid too).
import type { GpuContext } from '../../gpu/context.ts';
import { f32, shapeStr, u32, type GpuTensor } from '../../gpu/tensor.ts';
import { KernelArgumentError } from '../args.ts';
import daCode from './lora_group_da.wgsl?raw';
import uCode from './lora_group_u.wgsl?raw';

export const LORA_GROUP_MAX = 3;
const scratch = new WeakMap<GpuContext, GpuTensor[]>();

/** Distinct 1-element scratch tensors for the unused output slots of a group of `used`. */
function outputs(ctx: GpuContext, outs: readonly GpuTensor[]): GpuTensor[] {
  let s = scratch.get(ctx);
  if (!s) scratch.set(ctx, (s = Array.from({ length: LORA_GROUP_MAX - 1 }, (_, i) => ctx.empty([1], `lora_group.unused${i}`))));
  return Array.from({ length: LORA_GROUP_MAX }, (_, i) => outs[i] ?? s[i - outs.length]);
}

function checkGroup(where: string, n: number, what: string): void {
  if (n < 1 || n > LORA_GROUP_MAX) throw new KernelArgumentError(where, `${what}: 1 to ${LORA_GROUP_MAX} modules, got ${n}`);
}

function noAlias(where: string, outs: readonly GpuTensor[], ins: readonly GpuTensor[]): void {
  outs.forEach((o, i) => {
    for (const t of [...ins, ...outs.slice(i + 1)]) {
      if (t.buffer === o.buffer) throw new KernelArgumentError(where, `output ${o.label} shares a GPU buffer with ${t.label}`);
    }
  });
}

const pad = <T>(xs: readonly T[], fill: T): T[] => Array.from({ length: LORA_GROUP_MAX }, (_, i) => xs[i] ?? fill);

/** U_g = x·A_gᵀ for each module g (outputs overwritten). */
export function loraUGroup(ctx: GpuContext, us: readonly GpuTensor[], x: GpuTensor, As: readonly GpuTensor[]): void {
  const where = 'lora_group.ts loraUGroup';
  checkGroup(where, As.length, 'A');
  if (us.length !== As.length) throw new KernelArgumentError(where, `${us.length} outputs for ${As.length} A matrices`);
  const [r, K] = As[0].shape;
  for (const A of As) {
    if (A.shape.length !== 2 || A.shape[0] !== r || A.shape[1] !== K || A.dtype !== 'f32') {
      throw new KernelArgumentError(where, `every A must be f32 [${r},${K}]; got ${A.label}${shapeStr(A)}`);
    }
  }
  if (x.dtype !== 'f32' || x.size % K !== 0) throw new KernelArgumentError(where, `x ${x.label}${shapeStr(x)} should be f32 [rows, ${K}]`);
  const N = x.size / K;
  for (const u of us) {
    if (u.dtype !== 'f32' || u.size !== N * r) throw new KernelArgumentError(where, `u ${u.label}${shapeStr(u)} should hold [${N},${r}] f32`);
  }
  noAlias(where, us, [x, ...As]);
  if (N === 0 || r === 0) return;
  ctx.dispatch({
    name: 'lora_group_u', code: uCode,
    layout: ['uniform', 'read', 'read', 'read', 'read', 'rw', 'rw', 'rw'],
    bindings: [x, ...pad(As, As[0]), ...outputs(ctx, us)],
    params: [u32(N), u32(K), u32(r)],
    workgroups: [...ctx.grid(Math.ceil((N * Math.ceil(r / 4)) / 64)), As.length],
  });
}

/** dA_g += scale·G_gᵀ·x for each module g (accumulates). */
export function loraDAGroup(ctx: GpuContext, dAs: readonly GpuTensor[], gs: readonly GpuTensor[], x: GpuTensor, scale: number): void {
  const where = 'lora_group.ts loraDAGroup';
  checkGroup(where, dAs.length, 'dA');
  if (gs.length !== dAs.length) throw new KernelArgumentError(where, `${gs.length} G tensors for ${dAs.length} dA`);
  const [r, K] = dAs[0].shape;
  for (const d of dAs) {
    if (d.shape.length !== 2 || d.shape[0] !== r || d.shape[1] !== K || d.dtype !== 'f32') {
      throw new KernelArgumentError(where, `every dA must be f32 [${r},${K}]; got ${d.label}${shapeStr(d)}`);
    }
  }
  if (x.dtype !== 'f32' || x.size % K !== 0) throw new KernelArgumentError(where, `x ${x.label}${shapeStr(x)} should be f32 [rows, ${K}]`);
  const N = x.size / K;
  for (const g of gs) {
    if (g.dtype !== 'f32' || g.size !== N * r) throw new KernelArgumentError(where, `G ${g.label}${shapeStr(g)} should hold [${N},${r}] f32`);
  }
  noAlias(where, dAs, [x, ...gs]);
  if (r === 0 || K === 0 || N === 0) return;
  ctx.dispatch({
    name: 'lora_group_da', code: daCode,
    layout: ['uniform', 'read', 'read', 'read', 'read', 'rw', 'rw', 'rw'],
    bindings: [x, ...pad(gs, gs[0]), ...outputs(ctx, dAs)],
    params: [u32(N), u32(K), u32(r), f32(scale)],
    workgroups: [...ctx.grid(Math.ceil((r * Math.ceil(K / 4)) / 64)), dAs.length],
  });
}
