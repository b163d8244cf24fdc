// Operand-B declaration for the f16-storage path (frozen weights stored as f16), prepended to
// matmul.wgsl by the launcher ONLY when the device has 'shader-f16' (ctx.caps.features.shaderF16).
// The packed buffer holds element i in bytes [2i, 2i+2) (little-endian halves of u32 words);
// arithmetic stays f32 — only the read of B is widened here.
enable f16;
@group(0) @binding(2) var<storage, read> b: array<f16>;
fn read_b(i: u32) -> f32 { return f32(b[i]); }
