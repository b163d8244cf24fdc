// Shared prologue of the three big attention kernels (attention.wgsl, attention_backward_dq.wgsl,
// attention_backward_dkdv.wgsl), prepended by attention.ts: the tile overrides, the register
// limits, the uniform Params and the visibility rules. Each kernel declares its own bindings,
// among them `p: Params` at binding 0 and `keyMask` (u32 [B,S], read by keyKept).
//
// Tiles: BR query rows × BC keys; LANES threads per query row (forward, dq) or per key (dkdv).
// Rows of q/k/v/dO in workgroup memory or registers are vec4 rows of D4 = ceil(D/4), zero past D.
// Traps:
//  * WGSL lets compilers assume there are no infinities: masking uses the finite sentinel NEG
//    (scores are ~±100 at most); rows with no visible key carry lseEff = +1e30 backward.
//  * private arrays need a constant size: accumulators hold MAX_V vec4 (D ≤ 32·LANES), a
//    register-resident row MAX_Q vec4 (D ≤ 128).
//  * registers, not workgroup memory, for the per-thread rows: Dawn zero-initialises workgroup
//    memory and SwiftShader's compile time grows with its size.

override D: u32;
override BR: u32;
override BC: u32;
override LANES: u32 = 4u;
override D4: u32 = (D + 3u) / 4u;
const MAX_V = 8u;
const MAX_Q = 32u;
const NEG = -1.0e30;
const NEG_HALF = -0.5e30;

struct Params {
  T: u32,
  S: u32,
  Hq: u32,
  Hkv: u32,
  scale: f32,
  causal: u32,
  hasMask: u32,
  negInfBits: u32, // 0xff800000: the forward's lse of a row with no visible key
}

// Causal alignment at the end: key s is visible to query t iff s ≤ t + (S − T).
fn causalShift() -> i32 { return i32(p.S) - i32(p.T); }

// Key s of batch b exists and is not padding.
fn keyKept(b: u32, s: u32) -> bool {
  return s < p.S && (p.hasMask == 0u || keyMask[b * p.S + s] != 0u);
}

// Key s passes the causal rule for query t (always, when not causal).
fn causalOk(t: u32, s: u32) -> bool {
  return p.causal == 0u || i32(s) <= i32(t) + causalShift();
}

// Keys at or past this bound are invisible to every row of the query tile starting at t0
// (a uniform loop bound: depends on workgroup_id and params only).
fn tileKeyEnd(t0: u32) -> u32 {
  if (p.causal == 0u) { return p.S; }
  let lastT = min(t0 + BR, p.T) - 1u;
  return u32(clamp(i32(lastT) + causalShift() + 1, 0, i32(p.S)));
}
