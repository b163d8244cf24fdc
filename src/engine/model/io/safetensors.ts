/**
 * safetensors reading (by byte ranges) and writing, single file or sharded.
 *
 * Format: u64 LE header length N, then N bytes of JSON
 *   { "<tensor>": { "dtype": "F32"|"F16"|"BF16"|…, "shape": [..], "data_offsets": [begin, end] },
 *     "__metadata__": { string: string } }
 * then the data section; offsets are relative to the data section start (8 + N).
 *
 * Public API:
 *   class SafetensorsFile  — open(source): reads ONLY the 8-byte length and the header;
 *                            info(name), names(), metadata, readF32(name, opts), readF16Bits(name, opts),
 *                            readStored(name, opts) (F32 as float32, BF16/F16 as raw halves)
 *   class Checkpoint       — openCheckpoint(folder): `model.safetensors`, or the shards listed by
 *                            `model.safetensors.index.json` (`weight_map`: tensor → shard file);
 *                            same read methods, routed to the right shard.
 *   interface ReadOptions  { expectedShape?, maxBufferBytes? }
 *   writeSafetensors(tensors, metadata?) → Uint8Array (header padded with spaces to 8 bytes, as
 *                            the Rust writer does; tensors laid out in insertion order)
 * Traps: reading a tensor touches only its own byte range (tests count bytes); maxBufferBytes
 * is checked against the DECODED size (4 bytes/elt for readF32, 2 for readF16Bits) before any
 * data is read; little-endian hosts assumed (every browser platform is).
 */
import { decodeToF16Bits, decodeToF32, encodeFromF32, type SafeDtype } from './dtype.ts';
import {
  MissingFileError, MissingTensorError, SafetensorsFormatError, ShapeMismatchError,
  TensorTooLargeError, UnsupportedDtypeError,
} from './errors.ts';
import type { ModelFolder } from './folder.ts';
import type { ByteSource } from './sources.ts';

export type { SafeDtype } from './dtype.ts';

export interface TensorInfo {
  name: string;
  file: string;
  dtype: string; // as written; only F32/F16/BF16 can be decoded
  shape: number[];
  /** Absolute byte range in the file. */
  begin: number;
  end: number;
}

export interface ReadOptions {
  expectedShape?: readonly number[];
  /** Device limit (maxStorageBufferBindingSize) for the decoded tensor. */
  maxBufferBytes?: number;
}

const MAX_HEADER = 100 * 1024 * 1024; // the Rust reader's own limit

function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

export class SafetensorsFile {
  private constructor(
    readonly source: ByteSource,
    private readonly table: Map<string, TensorInfo>,
    readonly metadata: Record<string, string>,
    readonly headerBytes: number,
  ) {}

  static async open(source: ByteSource): Promise<SafetensorsFile> {
    const file = source.name;
    const size = await source.size();
    if (size < 8) throw new SafetensorsFormatError(file, `file is ${size} bytes, shorter than the 8-byte header length`);
    const lenBytes = await source.read(0, 8);
    const view = new DataView(lenBytes.buffer, lenBytes.byteOffset, 8);
    const n = Number(view.getBigUint64(0, true));
    if (n > MAX_HEADER || 8 + n > size) {
      throw new SafetensorsFormatError(file, `header length ${n} exceeds the file size ${size} (truncated or not safetensors)`);
    }
    let header: unknown;
    try {
      header = JSON.parse(new TextDecoder().decode(await source.read(8, n)));
    } catch (e) {
      throw new SafetensorsFormatError(file, `header is not valid JSON (${(e as Error).message})`);
    }
    if (typeof header !== 'object' || header === null || Array.isArray(header)) {
      throw new SafetensorsFormatError(file, 'header is not a JSON object');
    }
    const dataStart = 8 + n;
    const table = new Map<string, TensorInfo>();
    let metadata: Record<string, string> = {};
    for (const [name, v] of Object.entries(header as Record<string, unknown>)) {
      if (name === '__metadata__') {
        metadata = (v ?? {}) as Record<string, string>;
        continue;
      }
      const e = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      const shape = e?.shape, off = e?.data_offsets;
      if (typeof e?.dtype !== 'string' || !Array.isArray(shape) || !Array.isArray(off) || off.length !== 2 ||
          !shape.every((d) => Number.isInteger(d) && d >= 0) || !off.every((d) => Number.isInteger(d) && d >= 0)) {
        throw new SafetensorsFormatError(file, `entry for tensor "${name}" lacks dtype / shape / data_offsets`);
      }
      const [b, en] = off as number[];
      if (en < b || dataStart + en > size) {
        throw new SafetensorsFormatError(file,
          `tensor "${name}" data_offsets [${b}, ${en}] run past the end of the data (${size - dataStart} bytes); truncated file?`);
      }
      const elt = e.dtype === 'F32' ? 4 : e.dtype === 'F16' || e.dtype === 'BF16' ? 2 : 0;
      if (elt && en - b !== numel(shape as number[]) * elt) {
        throw new SafetensorsFormatError(file,
          `tensor "${name}" spans ${en - b} bytes but ${e.dtype}[${(shape as number[]).join(', ')}] needs ${numel(shape as number[]) * elt}`);
      }
      table.set(name, { name, file, dtype: e.dtype, shape: shape as number[], begin: dataStart + b, end: dataStart + en });
    }
    return new SafetensorsFile(source, table, metadata, dataStart);
  }

  names(): string[] {
    return [...this.table.keys()];
  }

  has(name: string): boolean {
    return this.table.has(name);
  }

  info(name: string): TensorInfo {
    const t = this.table.get(name);
    if (!t) throw new MissingTensorError(this.source.name, name);
    return t;
  }

  private async readChecked(name: string, opts: ReadOptions, outBytesPerElt: number): Promise<[TensorInfo, Uint8Array]> {
    const t = this.info(name);
    if (opts.expectedShape && !sameShape(opts.expectedShape, t.shape)) {
      throw new ShapeMismatchError(t.file, name, opts.expectedShape, t.shape);
    }
    if (t.dtype !== 'F32' && t.dtype !== 'F16' && t.dtype !== 'BF16') throw new UnsupportedDtypeError(t.file, name, t.dtype);
    const bytes = numel(t.shape) * outBytesPerElt;
    if (opts.maxBufferBytes !== undefined && bytes > opts.maxBufferBytes) {
      throw new TensorTooLargeError(t.file, name, bytes, opts.maxBufferBytes);
    }
    return [t, await this.source.read(t.begin, t.end - t.begin)];
  }

  /** Tensor as float32, whatever its stored dtype. */
  async readF32(name: string, opts: ReadOptions = {}): Promise<Float32Array> {
    const [t, raw] = await this.readChecked(name, opts, 4);
    return decodeToF32(t.dtype as SafeDtype, raw, numel(t.shape));
  }

  /** Tensor as raw IEEE half bits (F16 as stored; F32/BF16 rounded to nearest even). */
  async readF16Bits(name: string, opts: ReadOptions = {}): Promise<Uint16Array> {
    const [t, raw] = await this.readChecked(name, opts, 2);
    return decodeToF16Bits(t.dtype as SafeDtype, raw, numel(t.shape));
  }

  /** Tensor in its stored precision: F32 as float32, BF16/F16 as their raw halves (what the
   * GPU keeps packed for frozen weights); maxBufferBytes is checked against the stored size. */
  async readStored(name: string, opts: ReadOptions = {}): Promise<StoredData> {
    const half = this.info(name).dtype === 'BF16' || this.info(name).dtype === 'F16';
    const [t, raw] = await this.readChecked(name, opts, half ? 2 : 4);
    const n = numel(t.shape);
    if (!half) return { dtype: 'f32', data: decodeToF32('F32', raw, n) };
    return { dtype: t.dtype === 'BF16' ? 'bf16' : 'f16', data: new Uint16Array(raw.slice().buffer, 0, n) };
  }
}

/** A tensor's data in its stored precision (readStored). */
export type StoredData = { dtype: 'f32'; data: Float32Array } | { dtype: 'bf16' | 'f16'; data: Uint16Array };

export const SINGLE_FILE = 'model.safetensors';
export const INDEX_FILE = 'model.safetensors.index.json';

/** A whole checkpoint: one file or shards, addressed by tensor name. */
export class Checkpoint {
  private constructor(readonly files: Map<string, SafetensorsFile>, private readonly route: Map<string, SafetensorsFile>) {}

  static async open(folder: ModelFolder): Promise<Checkpoint> {
    if (await folder.exists(INDEX_FILE)) {
      const idx = await folder.readJson<{ weight_map?: Record<string, string> }>(INDEX_FILE);
      if (!idx || typeof idx.weight_map !== 'object' || idx.weight_map === null) {
        throw new SafetensorsFormatError(INDEX_FILE, 'no "weight_map" object');
      }
      const files = new Map<string, SafetensorsFile>();
      for (const shard of new Set(Object.values(idx.weight_map))) {
        if (!(await folder.exists(shard))) throw new MissingFileError(shard, folder.name, `listed in ${INDEX_FILE}`);
        files.set(shard, await SafetensorsFile.open(folder.open(shard)));
      }
      const route = new Map<string, SafetensorsFile>();
      for (const [tensor, shard] of Object.entries(idx.weight_map)) {
        const f = files.get(shard)!;
        if (!f.has(tensor)) throw new MissingTensorError(shard, tensor);
        route.set(tensor, f);
      }
      return new Checkpoint(files, route);
    }
    if (!(await folder.exists(SINGLE_FILE))) {
      throw new MissingFileError(SINGLE_FILE, folder.name, `nor ${INDEX_FILE}`);
    }
    const f = await SafetensorsFile.open(folder.open(SINGLE_FILE));
    return new Checkpoint(new Map([[SINGLE_FILE, f]]), new Map(f.names().map((n) => [n, f])));
  }

  names(): string[] {
    return [...this.route.keys()];
  }

  has(name: string): boolean {
    return this.route.has(name);
  }

  private file(name: string): SafetensorsFile {
    const f = this.route.get(name);
    if (!f) throw new MissingTensorError(this.files.size > 1 ? INDEX_FILE : [...this.files.keys()][0], name);
    return f;
  }

  info(name: string): TensorInfo {
    return this.file(name).info(name);
  }

  async readF32(name: string, opts: ReadOptions = {}): Promise<Float32Array> {
    return this.file(name).readF32(name, opts);
  }

  async readF16Bits(name: string, opts: ReadOptions = {}): Promise<Uint16Array> {
    return this.file(name).readF16Bits(name, opts);
  }

  async readStored(name: string, opts: ReadOptions = {}): Promise<StoredData> {
    return this.file(name).readStored(name, opts);
  }
}

export interface TensorToWrite {
  dtype: SafeDtype;
  shape: readonly number[];
  /** Float values (converted to dtype), or raw half bits for F16/BF16. */
  data: Float32Array | Uint16Array;
}

export function writeSafetensors(tensors: Record<string, TensorToWrite>, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  const blobs: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    if (t.data.length !== numel(t.shape)) {
      throw new RangeError(`writeSafetensors: tensor "${name}" has ${t.data.length} values for shape [${t.shape.join(', ')}]`);
    }
    const bytes = encodeFromF32(t.dtype, t.data);
    header[name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes.byteLength] };
    blobs.push(bytes);
    offset += bytes.byteLength;
  }
  let json = JSON.stringify(header);
  const enc = new TextEncoder();
  const pad = (8 - (enc.encode(json).byteLength % 8)) % 8;
  json += ' '.repeat(pad);
  const hb = enc.encode(json);
  const out = new Uint8Array(8 + hb.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(hb.byteLength), true);
  out.set(hb, 8);
  let p = 8 + hb.byteLength;
  for (const b of blobs) {
    out.set(b, p);
    p += b.byteLength;
  }
  return out;
}
