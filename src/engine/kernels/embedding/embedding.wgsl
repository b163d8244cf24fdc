// Embedding gather, optionally with overrides. out [rows, H]; ids u32 [rows]; table [V, H]
// (f32, or a frozen table in packed bf16/f16: kernels/packed);
// with HAS_SRC: srcIndex i32 [rows], src [srcRows, H]:
//   out[r] = srcIndex[r] >= 0 ? src[srcIndex[r]] : table[ids[r]]
// (image features replacing <image> tokens, trainable soft-prompt vectors). An index out of
// range on the GPU writes NaN (loud; the launcher checks CPU indices and throws instead).
// One thread per output element; flat index = gid.x + gid.y · (nwg.x · 256).
override HAS_SRC: bool = false;
// Split tables (gpu/split.ts): one dispatch per row part [v0, v0+V); a row is written by the
// part holding its id (ids beyond the table: by the last part, as NaN), override rows by the
// first part only. Unsplit: v0 = 0, first = last = 1.
struct P { rows: u32, H: u32, V: u32, srcRows: u32, nan: f32, v0: u32, first: u32, last: u32 }   // nan: WGSL rejects NaN constants
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> ids: array<u32>;
// binding 3: table — declared with read_table() by the launcher (f32, or packed bf16/f16)
@group(0) @binding(4) var<storage, read> srcIndex: array<i32>;
@group(0) @binding(5) var<storage, read> src: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.rows * p.H) { return; }
  let r = i / p.H;
  let c = i % p.H;
  var v = p.nan;                                  // stays NaN for a bad index
  var fromSrc = false;
  var write = true;
  if (HAS_SRC) {
    let s = srcIndex[r];
    if (s >= 0) {
      fromSrc = true;
      write = p.first == 1u;
      if (u32(s) < p.srcRows) { v = src[u32(s) * p.H + c]; }
    }
  }
  if (!fromSrc) {
    let id = ids[r];
    if (id < p.v0 || (id - p.v0 >= p.V && p.last == 0u)) {
      write = false;                              // another part's row
    } else if (id - p.v0 < p.V) {
      v = read_table((id - p.v0) * p.H + c);
    }
  }
  if (write) { out[i] = v; }
}
