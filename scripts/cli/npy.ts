// NumPy .npy writer (format version 1.0), float32 little-endian, C order.
// Layout: "\x93NUMPY" · major 1 · minor 0 · uint16 LE header length · ASCII header dict
// ("{'descr': '<f4', 'fortran_order': False, 'shape': (n, h), }") padded with spaces and
// ended by '\n' so that 10 + header length is a multiple of 64; then the raw data.
// Trap: a 1-D shape is written "(n,)" — "(n)" is an int in Python, not a tuple.

export function npyHeader(shape: readonly number[]): Uint8Array {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  const pad = 64 - ((10 + dict.length + 1) % 64);
  dict += ' '.repeat(pad % 64) + '\n';
  if (dict.length > 0xffff) throw new RangeError(`npy: header of ${dict.length} bytes does not fit format 1.0`);
  const out = new Uint8Array(10 + dict.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]); // \x93NUMPY 1.0
  new DataView(out.buffer).setUint16(8, dict.length, true);
  for (let i = 0; i < dict.length; i++) out[10 + i] = dict.charCodeAt(i);
  return out;
}

export function encodeNpy(data: Float32Array, shape: readonly number[]): Uint8Array {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== data.length) throw new RangeError(`npy: shape [${shape}] holds ${n} values but the data has ${data.length}`);
  const head = npyHeader(shape);
  const out = new Uint8Array(head.length + data.byteLength);
  out.set(head);
  const view = new DataView(out.buffer, head.length);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  return out;
}

/** Reads back what encodeNpy writes (tests, and eval of a saved file). */
export function decodeNpy(bytes: Uint8Array): { shape: number[]; data: Float32Array } {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (!magic.every((b, i) => bytes[i] === b)) throw new Error('npy: missing \\x93NUMPY magic');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = dv.getUint16(8, true);
  const header = new TextDecoder('latin1').decode(bytes.subarray(10, 10 + len));
  if (!header.includes("'descr': '<f4'")) throw new Error(`npy: only <f4 is supported, header ${header.trim()}`);
  const m = /'shape': \(([^)]*)\)/.exec(header);
  if (!m) throw new Error(`npy: no shape in header ${header.trim()}`);
  const shape = m[1].split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = dv.getFloat32(10 + len + i * 4, true);
  return { shape, data };
}
