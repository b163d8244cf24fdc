// Operand-B declaration for the f32 path (prepended to matmul.wgsl by the launcher).
@group(0) @binding(2) var<storage, read> b: array<f32>;
fn read_b(i: u32) -> f32 { return b[i]; }
