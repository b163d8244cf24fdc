// Backward of im2col.wgsl (col2im). Patches do not overlap (kernel = stride = p), so every
// pixel sits in exactly one column entry: the backward is the inverse permutation, a gather
// (one thread per pixel, no atomics, deterministic) that accumulates:
//   dpixels[m, ch, y, x] += dcols[m·L + (y/p)·n + x/p, (ch·p + y%p)·p + x%p]
// dpixels [M, C, S, S], dcols [M·L, C·p·p], n = S/p, L = n².
// One element per thread; flat index = (wid.x + wid.y·nwg.x)·256 + lid.x.
struct P { total: u32, C: u32, S: u32, p: u32, n: u32 }
@group(0) @binding(0) var<uniform> prm: P;
@group(0) @binding(1) var<storage, read_write> dpixels: array<f32>;
@group(0) @binding(2) var<storage, read> dcols: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(num_workgroups) nwg: vec3u) {
  let e = (wid.x + wid.y * nwg.x) * 256u + lid.x;
  if (e >= prm.total) { return; }
  let SS = prm.S * prm.S;
  let x = e % prm.S;
  let y = (e / prm.S) % prm.S;
  let ch = (e / SS) % prm.C;
  let m = e / (SS * prm.C);
  let L = prm.n * prm.n;
  let K = prm.C * prm.p * prm.p;
  let row = m * L + (y / prm.p) * prm.n + x / prm.p;
  let col = (ch * prm.p + y % prm.p) * prm.p + x % prm.p;
  dpixels[e] = dpixels[e] + dcols[row * K + col];
}
