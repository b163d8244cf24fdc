// Patch extraction for the SigLIP patch embedding (Conv2d, kernel = stride = p, no padding)
// as im2col, so the conv becomes one GEMM with the conv weight viewed as [D, C·p·p]:
//   cols[m·L + l, (ch·p + i)·p + j] = pixels[m, ch, py·p + i, px·p + j],  l = py·n + px
// pixels [M, C, S, S], cols [M·L, C·p·p], n = S/p, L = n². One output element per thread;
// flat index = (wid.x + wid.y·nwg.x)·256 + lid.x (ctx.grid for > 65535 workgroups).
// The column order equals PyTorch's weight.view(D, -1) order, so no weight permutation.
struct P { total: u32, C: u32, S: u32, p: u32, n: u32 }
@group(0) @binding(0) var<uniform> prm: P;
@group(0) @binding(1) var<storage, read_write> cols: array<f32>;
@group(0) @binding(2) var<storage, read> pixels: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(num_workgroups) nwg: vec3u) {
  let e = (wid.x + wid.y * nwg.x) * 256u + lid.x;
  if (e >= prm.total) { return; }
  let pp = prm.p * prm.p;
  let K = prm.C * pp;
  let L = prm.n * prm.n;
  let col = e % K;
  let row = e / K;
  let m = row / L;
  let l = row % L;
  let py = l / prm.n;
  let px = l % prm.n;
  let ch = col / pp;
  let r = col % pp;
  let y = py * prm.p + r / prm.p;
  let x = px * prm.p + r % prm.p;
  cols[e] = pixels[((m * prm.C + ch) * prm.S + y) * prm.S + x];
}
