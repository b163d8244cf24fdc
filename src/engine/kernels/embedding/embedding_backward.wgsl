// Deterministic scatter-add (embedding backward) from a CSR plan (plan.ts):
//   dst[targets[k]] += Σ_{j ∈ [offsets[k], offsets[k+1])} dout[rowList[j]]   (rows of H floats)
// One workgroup per target k (2-D grid past 65535: k = wid.x + wid.y · nwg.x); its threads
// stride over H; rows are summed in rowList order, so duplicates give reproducible sums.
const WG = 128u;
struct P { count: u32, H: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<storage, read> dout: array<f32>;
@group(0) @binding(3) var<storage, read> targets: array<u32>;
@group(0) @binding(4) var<storage, read> offsets: array<u32>;
@group(0) @binding(5) var<storage, read> rowList: array<u32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_id) lid: vec3u) {
  let k = wid.x + wid.y * nwg.x;
  if (k >= p.count) { return; }
  let H = p.H;
  let base = targets[k] * H;
  let j0 = offsets[k];
  let j1 = offsets[k + 1u];
  for (var c = lid.x; c < H; c += WG) {
    var s = 0.0;
    for (var j = j0; j < j1; j++) { s += dout[rowList[j] * H + c]; }
    dst[base + c] = dst[base + c] + s;
  }
}
