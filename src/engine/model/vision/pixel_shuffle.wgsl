// Idefics3Connector.pixel_shuffle (space-to-depth with factor s), as a gather:
//   out[m, h2·ns + w2, (i·s + j)·D + ch] = x[m, (h2·s + i)·n + (w2·s + j), ch]
// x [M, L, D] (L = n², n = S/p), out [M, T, s²·D] (T = L/s², ns = n/s).
// Derivation from the PyTorch view/permute chain: view [M,n,n/s,s·D] puts (w2, j) together,
// permute + reshape [M,ns,ns,s²·D] then splits the row h = h2·s + i with i major over j.
// A backward (for pretraining the tower) is the same index map used as a scatter.
// One output element per thread; flat index = (wid.x + wid.y·nwg.x)·256 + lid.x.
struct P { total: u32, D: u32, s: u32, n: u32 }
@group(0) @binding(0) var<uniform> prm: P;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(num_workgroups) nwg: vec3u) {
  let e = (wid.x + wid.y * nwg.x) * 256u + lid.x;
  if (e >= prm.total) { return; }
  let s = prm.s;
  let ns = prm.n / s;
  let Ds = prm.D * s * s;
  let T = ns * ns;
  let L = prm.n * prm.n;
  let f = e % Ds;
  let tok = (e / Ds) % T;
  let m = e / (Ds * T);
  let ij = f / prm.D;
  let ch = f % prm.D;
  let h = (tok / ns) * s + ij / s;
  let w = (tok % ns) * s + ij % s;
  out[e] = x[(m * L + h * prm.n + w) * prm.D + ch];
}
