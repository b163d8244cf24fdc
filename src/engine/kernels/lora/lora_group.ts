// Grouped LoRA launchers: the small rank-r GEMMs of up to 3 LoRA modules that share their
// input x (a decoder layer's q/k/v read the same normed a; gate/up the same m), one dispatch
// per group instead of one per module (dispatch economy, docs/PERFORMANCE.md).
//   loraUGroup(ctx, us, x, As)          U_g = x·A_gᵀ          x [N,K], A_g [r,K], U_g [N,r]
//   loraDAGroup(ctx, dAs, gs, x, scale)  dA_g += s·G_gᵀ·x     G_g [N,r] (= dy_g·B_g), dA_g [r,K]
// and for up to 2 modules of equal shape (k/v, gate/up), each with its own dy:
//   loraGPair(ctx, gs, dys, Bs)          G_z = dy_z·B_z        dy_z [N,O], B_z [O,r]
//   loraDBPair(ctx, dBs, dys, us, scale)  dB_z += s·dy_zᵀ·u_z   u_z [N,r], dB_z [O,r]
// Same results as matmul(U_g, x, A_g, {transB}) / matmul(dA_g, G_g, x, {transA, alpha: s,
// beta: 1}) per module, up to float32 rounding (CPU reference: lora_group.ref.ts). One kernel
// behind all four: grouped_gemm.ts (the direct matmul's 4×4 register blocking, written out
// per problem so the inner loop never branches on the group).
// Trap: outputs must be distinct buffers and not alias any input (WebGPU forbids a buffer
// bound writable and read-only, or writable twice, in one dispatch).
import type { GpuContext } from '../../gpu/context.ts';
import { f32, shapeStr, u32, type GpuTensor } from '../../gpu/tensor.ts';
import { KernelArgumentError } from '../args.ts';
import { directVec4 } from '../matmul/matmul.ts';
import { groupedGemmCode } from './grouped_gemm.ts';

export const LORA_GROUP_MAX = 3;
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

/** C_z = alpha·op(A_z)·op(B_z) + beta·C_z for every z; a 1-element A or B list is shared. */
function groupedGemm(
  ctx: GpuContext, name: string, As: readonly GpuTensor[], Bs: readonly GpuTensor[], Cs: readonly GpuTensor[],
  d: { M: number; N: number; K: number; transA: boolean; transB: boolean; alpha: number; beta: number },
): void {
  const G = Cs.length;
  // vec4 loads when both operands' contiguous axes are multiples of 4 (and views start on a
  // vec4: pooled tensors and 256-byte-aligned views do)
  const vec4 = directVec4(d, d.transA, d.transB) && [...As, ...Bs].every((t) => (t.offset ?? 0) % 4 === 0);
  ctx.dispatch({
    name: `${name}_g${G}${vec4 ? '_4' : ''}`, code: groupedGemmCode(G, As.length === 1, Bs.length === 1, vec4),
    overrides: { TRANS_A: d.transA ? 1 : 0, TRANS_B: d.transB ? 1 : 0 },
    layout: ['uniform', ...As.map(() => 'read' as const), ...Bs.map(() => 'read' as const), ...Cs.map(() => 'rw' as const)],
    bindings: [...As, ...Bs, ...Cs],
    params: [u32(d.M), u32(d.N), u32(d.K), f32(d.alpha), f32(d.beta)],
    workgroups: [Math.ceil(d.N / 32), Math.ceil(d.M / 32), G],
  });
}

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
  // U_g [N,r] = x [N,K] · A_gᵀ (A_g stored [r,K])
  groupedGemm(ctx, 'lora_group_u', [x], As, us, { M: N, N: r, K, transA: false, transB: true, alpha: 1, beta: 0 });
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
  // dA_g [r,K] += s · G_gᵀ (G_g stored [N,r]) · x [N,K]
  groupedGemm(ctx, 'lora_group_da', gs, [x], dAs, { M: r, N: K, K: N, transA: true, transB: false, alpha: scale, beta: 1 });
}

export const LORA_PAIR_MAX = 2;

function pairDims(where: string, dys: readonly GpuTensor[], second: readonly GpuTensor[], secondWhat: string, r: number): { N: number; O: number } {
  if (dys.length < 1 || dys.length > LORA_PAIR_MAX || second.length !== dys.length) {
    throw new KernelArgumentError(where, `1 or 2 modules with one ${secondWhat} each; got ${dys.length} dy, ${second.length} ${secondWhat}`);
  }
  const O = dys[0].shape[dys[0].shape.length - 1];
  const N = dys[0].size / O;
  for (const d of dys) {
    if (d.dtype !== 'f32' || d.size !== N * O || d.shape[d.shape.length - 1] !== O) throw new KernelArgumentError(where, `every dy must be f32 [${N},${O}]; got ${d.label}${shapeStr(d)}`);
  }
  return { N, O };
}

/** G_z = dy_z·B_z for 1 or 2 modules of equal shape (outputs overwritten). */
export function loraGPair(ctx: GpuContext, gs: readonly GpuTensor[], dys: readonly GpuTensor[], Bs: readonly GpuTensor[]): void {
  const where = 'lora_group.ts loraGPair';
  const r = Bs[0]?.shape[1] ?? 0;
  const { N, O } = pairDims(where, dys, Bs, 'B', r);
  for (const B of Bs) if (B.dtype !== 'f32' || B.shape.length !== 2 || B.shape[0] !== O || B.shape[1] !== r) throw new KernelArgumentError(where, `every B must be f32 [${O},${r}]; got ${B.label}${shapeStr(B)}`);
  if (gs.length !== dys.length) throw new KernelArgumentError(where, `${gs.length} outputs for ${dys.length} modules`);
  for (const g of gs) if (g.dtype !== 'f32' || g.size !== N * r) throw new KernelArgumentError(where, `G ${g.label}${shapeStr(g)} should hold [${N},${r}] f32`);
  noAlias(where, gs, [...dys, ...Bs]);
  if (N === 0 || r === 0) return;
  if (O === 0) throw new KernelArgumentError(where, 'dy has no columns');
  // G_z [N,r] = dy_z [N,O] · B_z [O,r]
  groupedGemm(ctx, 'lora_pair_g', dys, Bs, gs, { M: N, N: r, K: O, transA: false, transB: false, alpha: 1, beta: 0 });
}

/** dB_z += scale·dy_zᵀ·u_z for 1 or 2 modules of equal shape (accumulates). */
export function loraDBPair(ctx: GpuContext, dBs: readonly GpuTensor[], dys: readonly GpuTensor[], us: readonly GpuTensor[], scale: number): void {
  const where = 'lora_group.ts loraDBPair';
  const r = dBs[0]?.shape[1] ?? 0;
  const { N, O } = pairDims(where, dys, us, 'u', r);
  if (dBs.length !== dys.length) throw new KernelArgumentError(where, `${dBs.length} dB for ${dys.length} modules`);
  for (const d of dBs) if (d.dtype !== 'f32' || d.shape.length !== 2 || d.shape[0] !== O || d.shape[1] !== r) throw new KernelArgumentError(where, `every dB must be f32 [${O},${r}]; got ${d.label}${shapeStr(d)}`);
  for (const u of us) if (u.dtype !== 'f32' || u.size !== N * r) throw new KernelArgumentError(where, `u ${u.label}${shapeStr(u)} should hold [${N},${r}] f32`);
  noAlias(where, dBs, [...dys, ...us]);
  if (O === 0 || r === 0 || N === 0) return;
  // dB_z [O,r] += s · dy_zᵀ (dy_z stored [N,O]) · u_z [N,r]
  groupedGemm(ctx, 'lora_pair_db', dys, us, dBs, { M: O, N: r, K: N, transA: true, transB: false, alpha: scale, beta: 1 });
}
