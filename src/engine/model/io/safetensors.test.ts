import { describe, expect, it } from 'vitest';
import { bf16BitsToF32, f16BitsToF32, f32ToBf16Bits, f32ToF16Bits } from './dtype.ts';
import { MissingFileError, MissingTensorError, SafetensorsFormatError, ShapeMismatchError, TensorTooLargeError, UnsupportedDtypeError } from './errors.ts';
import { folderFromMap } from './folder.ts';
import { Checkpoint, SafetensorsFile, writeSafetensors } from './safetensors.ts';
import { bytesSource, type ByteSource } from './sources.ts';

/** Wraps a source and records every byte range read. */
function counting(src: ByteSource) {
  const reads: [number, number][] = [];
  const s: ByteSource = { name: src.name, size: () => src.size(), read: (o, n) => { reads.push([o, n]); return src.read(o, n); } };
  return { s, reads, bytes: () => reads.reduce((a, [, n]) => a + n, 0) };
}

const vals = new Float32Array([0, 1, -2.5, 3.14159265, 1e-8, 65504, 70000, -0.1, 1 / 3, 1e-30]);

describe('half conversions', () => {
  it('f16: exact values, round-to-nearest-even, subnormals, overflow', () => {
    expect(f32ToF16Bits(1)).toBe(0x3c00);
    expect(f32ToF16Bits(-2)).toBe(0xc000);
    expect(f32ToF16Bits(65504)).toBe(0x7bff);
    expect(f32ToF16Bits(70000)).toBe(0x7c00); // → +Inf
    expect(f32ToF16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(f32ToF16Bits(2 ** -25)).toBe(0x0000); // tie → even (0)
    expect(f32ToF16Bits(3 * 2 ** -25)).toBe(0x0002); // 1.5 ulp → tie → even (2)
    expect(f32ToF16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie between 1 and 1+2^-10 → even
    expect(f32ToF16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even (mantissa 2)
    expect(Number.isNaN(f16BitsToF32(f32ToF16Bits(NaN)))).toBe(true);
    for (let h = 0; h < 0x7c00; h += 37) expect(f32ToF16Bits(f16BitsToF32(h))).toBe(h); // round trip exact
  });
  it('bf16: truncation with round-to-nearest-even', () => {
    expect(f32ToBf16Bits(1)).toBe(0x3f80);
    expect(bf16BitsToF32(0x3f80)).toBe(1);
    expect(f32ToBf16Bits(1 + 2 ** -8)).toBe(0x3f80); // tie → even
    expect(f32ToBf16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82); // tie → even (up)
    expect(f32ToBf16Bits(1 + 2 ** -8 + 2 ** -12)).toBe(0x3f81); // above tie → up
    expect(Number.isNaN(bf16BitsToF32(f32ToBf16Bits(NaN)))).toBe(true);
  });
});

describe('safetensors round trip', () => {
  for (const dtype of ['F32', 'F16', 'BF16'] as const) {
    it(`${dtype}: write → read, header aligned, metadata kept`, async () => {
      const bytes = writeSafetensors({ a: { dtype, shape: [2, 5], data: vals }, b: { dtype, shape: [1], data: new Float32Array([7]) } },
        { format: 'pt' });
      const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
      expect((8 + n) % 8).toBe(0);
      const f = await SafetensorsFile.open(bytesSource('m.safetensors', bytes));
      expect(f.metadata).toEqual({ format: 'pt' });
      expect(f.info('a')).toMatchObject({ dtype, shape: [2, 5] });
      const got = await f.readF32('a');
      const conv = dtype === 'F32' ? (x: number) => Math.fround(x)
        : dtype === 'F16' ? (x: number) => f16BitsToF32(f32ToF16Bits(x)) : (x: number) => bf16BitsToF32(f32ToBf16Bits(x));
      expect([...got]).toEqual([...vals].map(conv));
      if (dtype !== 'F32') expect(got[3]).not.toBe(Math.fround(3.14159265)); // really rounded
      const bits = await f.readF16Bits('a');
      expect([...bits]).toEqual([...got].map(f32ToF16Bits));
      expect([...(await f.readF32('b'))]).toEqual([7]);
    });
  }
  it('writes raw Uint16 half bits unchanged', async () => {
    const bits = new Uint16Array([0x3c00, 0xc000, 0x0001]);
    const f = await SafetensorsFile.open(bytesSource('h', writeSafetensors({ h: { dtype: 'F16', shape: [3], data: bits } })));
    expect([...(await f.readF16Bits('h'))]).toEqual([...bits]);
    expect([...(await f.readF32('h'))]).toEqual([1, -2, 2 ** -24]);
  });
});

describe('byte-range reading', () => {
  it('opening reads only the header; one tensor reads only its own bytes', async () => {
    const big = new Float32Array(10000).fill(1);
    const bytes = writeSafetensors({ big1: { dtype: 'F32', shape: [10000], data: big }, small: { dtype: 'F32', shape: [3], data: new Float32Array([1, 2, 3]) },
      big2: { dtype: 'F32', shape: [10000], data: big } });
    const c = counting(bytesSource('m.safetensors', bytes));
    const f = await SafetensorsFile.open(c.s);
    const headerBytes = c.bytes();
    expect(headerBytes).toBe(f.headerBytes);
    expect(headerBytes).toBeLessThan(300);
    expect([...(await f.readF32('small'))]).toEqual([1, 2, 3]);
    expect(c.bytes() - headerBytes).toBe(12);
  });
});

describe('sharded checkpoints', () => {
  it('routes tensors through model.safetensors.index.json', async () => {
    const s1 = writeSafetensors({ x: { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) } });
    const s2 = writeSafetensors({ y: { dtype: 'BF16', shape: [1], data: new Float32Array([3]) } });
    const index = new TextEncoder().encode(JSON.stringify({ metadata: { total_size: 10 },
      weight_map: { x: 'model-00001-of-00002.safetensors', y: 'model-00002-of-00002.safetensors' } }));
    const folder = folderFromMap('m', { 'model.safetensors.index.json': index,
      'model-00001-of-00002.safetensors': s1, 'model-00002-of-00002.safetensors': s2 });
    const ck = await Checkpoint.open(folder);
    expect(ck.names().sort()).toEqual(['x', 'y']);
    expect([...(await ck.readF32('y'))]).toEqual([3]);
    expect(ck.info('y').file).toBe('model-00002-of-00002.safetensors');
    await expect(ck.readF32('z')).rejects.toThrow(/model.safetensors.index.json: tensor "z" not found/);
  });
  it('names a missing shard and a tensor the shard lacks', async () => {
    const idx = (m: object) => new TextEncoder().encode(JSON.stringify({ weight_map: m }));
    const s1 = writeSafetensors({ x: { dtype: 'F32', shape: [1], data: new Float32Array([1]) } });
    await expect(Checkpoint.open(folderFromMap('m', { 'model.safetensors.index.json': idx({ x: 'a.safetensors' }) })))
      .rejects.toThrow(MissingFileError);
    await expect(Checkpoint.open(folderFromMap('m', { 'model.safetensors.index.json': idx({ x: 'a.safetensors' }) })))
      .rejects.toThrow(/missing file "a.safetensors" in m \(listed in model.safetensors.index.json\)/);
    await expect(Checkpoint.open(folderFromMap('m', { 'model.safetensors.index.json': idx({ q: 'a.safetensors' }), 'a.safetensors': s1 })))
      .rejects.toThrow(/a.safetensors: tensor "q" not found/);
  });
  it('names a folder with no weights at all', async () => {
    await expect(Checkpoint.open(folderFromMap('empty', {}))).rejects.toThrow(/missing file "model.safetensors" in empty \(nor model.safetensors.index.json\)/);
  });
});

describe('bad inputs', () => {
  const good = writeSafetensors({ w: { dtype: 'F32', shape: [2, 2], data: new Float32Array(4) } });
  const open = (b: Uint8Array) => SafetensorsFile.open(bytesSource('bad.safetensors', b));
  const withHeader = (h: string, dataBytes = 0) => {
    const hb = new TextEncoder().encode(h);
    const out = new Uint8Array(8 + hb.length + dataBytes);
    new DataView(out.buffer).setBigUint64(0, BigInt(hb.length), true);
    out.set(hb, 8);
    return out;
  };
  it('file shorter than 8 bytes', async () => {
    await expect(open(new Uint8Array(3))).rejects.toThrow(/bad.safetensors: invalid safetensors file: file is 3 bytes/);
  });
  it('header length beyond the file', async () => {
    await expect(open(good.subarray(0, 20))).rejects.toThrow(SafetensorsFormatError);
    await expect(open(good.subarray(0, 20))).rejects.toThrow(/header length \d+ exceeds the file size 20/);
  });
  it('header not JSON / not an object / malformed entry', async () => {
    await expect(open(withHeader('{nope'))).rejects.toThrow(/header is not valid JSON/);
    await expect(open(withHeader('[1]'))).rejects.toThrow(/header is not a JSON object/);
    await expect(open(withHeader('{"w":{"dtype":"F32"}}'))).rejects.toThrow(/tensor "w" lacks dtype/);
  });
  it('truncated data section', async () => {
    await expect(open(good.subarray(0, good.length - 4))).rejects.toThrow(/tensor "w" data_offsets \[0, 16\] run past the end.*truncated/);
  });
  it('offsets inconsistent with dtype and shape', async () => {
    await expect(open(withHeader('{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', 8))).rejects.toThrow(/spans 8 bytes but F32\[3\] needs 12/);
  });
  it('unsupported dtype, missing tensor, shape mismatch, too large', async () => {
    const f = await open(withHeader('{"i":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}', 8));
    await expect(f.readF32('i')).rejects.toThrow(UnsupportedDtypeError);
    await expect(f.readF32('i')).rejects.toThrow(/bad.safetensors: tensor "i" has dtype I64; supported: F32, F16, BF16/);
    const g = await open(good);
    await expect(g.readF32('nope')).rejects.toThrow(MissingTensorError);
    await expect(g.readF32('w', { expectedShape: [4] })).rejects.toThrow(ShapeMismatchError);
    await expect(g.readF32('w', { expectedShape: [4] })).rejects.toThrow(/tensor "w" has shape \[2, 2\], expected \[4\]/);
    await expect(g.readF32('w', { maxBufferBytes: 15 })).rejects.toThrow(TensorTooLargeError);
    await expect(g.readF32('w', { maxBufferBytes: 15 })).rejects.toThrow(/tensor "w" needs 16 bytes, more than the device limit maxStorageBufferBindingSize = 15/);
    expect((await g.readF16Bits('w', { maxBufferBytes: 8 })).length).toBe(4); // half path: 8 bytes fits
  });
});
