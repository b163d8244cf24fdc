// Bias-add backward, stage 1: dx += dout (HAS_DX) and per-row-chunk column sums of dout,
//   partial[g, c] = Σ_{r ∈ [g·chunk, min((g+1)·chunk, rows))} dout[r, c]
// summed afterwards by norm/colsum.wgsl into dBias (deterministic: fixed order, no atomics).
// Grid: x = ceil(H / 256) column blocks, y = G row chunks; each element is touched by one thread.
override HAS_DX: bool = true;
struct P { rows: u32, H: u32, chunk: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> dx: array<f32>;
@group(0) @binding(2) var<storage, read_write> partial: array<f32>;   // [G, H]
@group(0) @binding(3) var<storage, read> dout: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let c = gid.x;
  let g = gid.y;
  if (c >= p.H) { return; }
  let r1 = min((g + 1u) * p.chunk, p.rows);
  var s = 0.0;
  for (var r = g * p.chunk; r < r1; r++) {
    let d = dout[r * p.H + c];
    s += d;
    if (HAS_DX) { dx[r * p.H + c] = dx[r * p.H + c] + d; }
  }
  partial[g * p.H + c] = s;
}
