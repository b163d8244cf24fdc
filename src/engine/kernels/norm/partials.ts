// Shared by the RMSNorm and LayerNorm backward launchers: how many workgroups share the
// rows, and the deterministic column sum of their per-workgroup partials.
import type { GpuContext } from '../../gpu/context.ts';
import { u32, type GpuTensor } from '../../gpu/tensor.ts';
import colsumCode from './colsum.wgsl?raw';

/** Workgroups for a norm backward: with parameter grads, at most MAX_PARTIALS (each owns a
 * partial row of H floats, so partial memory stays ≤ 128·2·H·4 bytes); without, one per row
 * up to the grid limit (the kernel loops rows g, g+G, … so any G is correct). */
export const MAX_PARTIALS = 128;

export function normGroups(ctx: GpuContext, rows: number, withParamGrads: boolean): number {
  const cap = withParamGrads ? MAX_PARTIALS : ctx.caps.limits.maxComputeWorkgroupsPerDimension;
  return Math.max(1, Math.min(rows, cap));
}

/** out[c] += Σ_g partial[g·stride + offset + c], c < H. */
export function colsum(ctx: GpuContext, out: GpuTensor, partial: GpuTensor, G: number, H: number, stride: number, offset: number): void {
  ctx.dispatch({
    name: 'norm_colsum',
    code: colsumCode,
    layout: ['uniform', 'rw', 'read'],
    bindings: [out, partial],
    params: [u32(G), u32(H), u32(stride), u32(offset)],
    workgroups: [Math.ceil(H / 256)],
  });
}
