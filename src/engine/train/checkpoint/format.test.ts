// Pure (de)serialisation of the checkpoint blob: bit-exact round trip, the magic/version/CRC
// checks, and validation on the way in.
import { describe, expect, test } from 'vitest';
import { writeSafetensors } from '../../model/io/safetensors.ts';
import { CheckpointFormatError } from './errors.ts';
import { crc32, deserializeCheckpoint, serializeCheckpoint } from './format.ts';
import { makeCheckpoint, scalars, tensorBits } from './test_fixture.ts';

/** Rewrites one __metadata__ field of a blob (re-serialising the header). */
async function withMetadata(bytes: Uint8Array, patch: Record<string, string>): Promise<Uint8Array> {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  header.__metadata__ = { ...header.__metadata__, ...patch };
  const hb = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + hb.length + bytes.length - 8 - n);
  new DataView(out.buffer).setBigUint64(0, BigInt(hb.length), true);
  out.set(hb, 8);
  out.set(bytes.subarray(8 + n), 8 + hb.length);
  return out;
}

describe('checkpoint blob format', () => {
  test('crc32 matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789')).toString(16)).toBe('cbf43926');
    const a = new TextEncoder().encode('12345'), b = new TextEncoder().encode('6789');
    expect(crc32(b, crc32(a))).toBe(0xcbf43926); // chaining
    // the slicing-by-8 fast path equals the bit-by-bit definition at every alignment and tail length
    const bitwise = (x: Uint8Array) => {
      let c = 0xffffffff;
      for (const byte of x) {
        c ^= byte;
        for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      }
      return (c ^ 0xffffffff) >>> 0;
    };
    const data = Uint8Array.from({ length: 300 }, (_, i) => (i * 2654435761) >>> 24);
    for (let off = 0; off < 4; off++) for (const len of [0, 1, 7, 8, 9, 15, 16, 17, 250]) {
      expect(crc32(data.subarray(off, off + len))).toBe(bitwise(data.subarray(off, off + len)));
    }
  });

  test('round trip is bit-identical (NaN payloads and −0 included) and keeps every JSON part', async () => {
    const c = makeCheckpoint({ runId: 'run-a', step: 12, validation: { name: 'val/R@1', value: 0.25, higherIsBetter: true } });
    const bytes = serializeCheckpoint(c);
    const back = await deserializeCheckpoint(bytes, 'test blob');
    expect(tensorBits(back)).toEqual(tensorBits(c));
    expect(scalars(back)).toEqual(scalars(c));
    expect(Object.is(back.logTau, c.logTau)).toBe(true);
    expect(new Uint32Array(back.metrics.series.loss.buffer)[0]).toBe(0x7fc00123);
    expect(Object.is(back.metrics.series.loss[1], -0)).toBe(true);
    // one blob, safetensors-shaped: the magic sits in the header metadata
    expect(new TextDecoder().decode(bytes.subarray(8, 200))).toContain('"format":"discern-checkpoint"');
    // serialising the loaded record again gives the same bytes
    expect(serializeCheckpoint(back)).toEqual(bytes);
  });

  test('unknown version, foreign format and non-checkpoint files are CheckpointFormatError', async () => {
    const bytes = serializeCheckpoint(makeCheckpoint({ runId: 'r', step: 3 }));
    await expect(deserializeCheckpoint(await withMetadata(bytes, { version: '2' }), 'ckpt/r/3'))
      .rejects.toThrow(/ckpt\/r\/3: format version "2" is not supported; this build reads version 1 \(written by a newer Discern\)/);
    await expect(deserializeCheckpoint(await withMetadata(bytes, { format: 'llmc' }), 'ckpt/r/3'))
      .rejects.toThrow(/not a Discern checkpoint: __metadata__.format is "llmc"/);
    const plain = writeSafetensors({ w: { dtype: 'F32', shape: [2], data: Float32Array.of(1, 2) } });
    await expect(deserializeCheckpoint(plain, 'model.safetensors')).rejects.toThrow(CheckpointFormatError);
  });

  test('truncation, a flipped data byte, garbage and a missing tensor are caught', async () => {
    const bytes = serializeCheckpoint(makeCheckpoint({ runId: 'r', step: 3 }));
    await expect(deserializeCheckpoint(bytes.subarray(0, bytes.length - 10), 'ckpt/r/3'))
      .rejects.toThrow(/ckpt\/r\/3: corrupt or truncated blob/);
    const flipped = bytes.slice();
    flipped[flipped.length - 100] ^= 0x10;
    await expect(deserializeCheckpoint(flipped, 'ckpt/r/3')).rejects.toThrow(/CRC-32 is [0-9a-f]{8}, header says [0-9a-f]{8}: the blob is corrupt/);
    await expect(deserializeCheckpoint(new Uint8Array([1, 2, 3]), 'ckpt/r/3')).rejects.toThrow(/shorter than the 8-byte header/);
    const noTensor = await withMetadata(bytes, {
      checkpoint: JSON.stringify({ ...JSON.parse(await metadataOf(bytes, 'checkpoint')), metrics: { series: ['acc'], validation: null } }),
    });
    await expect(deserializeCheckpoint(noTensor, 'ckpt/r/3')).rejects.toThrow(/tensor "metrics.acc": .*not found/);
  });

  test('serialising refuses inconsistent records, naming the tensor', () => {
    const c = makeCheckpoint({ runId: 'r', step: 3 });
    const badMoment = { ...c, optimizer: { ...c.optimizer, moments: { ...c.optimizer.moments, 'lora.0.q.A': { m: new Float32Array(3), v: new Float32Array(3) } } } };
    expect(() => serializeCheckpoint(badMoment)).toThrow(/tensor adam.m.lora.0.q.A: length 3 but lora.0.q.A has \d+ values/);
    const stray = { ...c, optimizer: { ...c.optimizer, moments: { ...c.optimizer.moments, 'lora.9.q.A': { m: new Float32Array(1), v: new Float32Array(1) } } } };
    expect(() => serializeCheckpoint(stray)).toThrow(/optimizer.moments has "lora.9.q.A", which is not a trainable tensor/);
    const badSoft = { ...c, softPrompts: { ...c.softPrompts, text: new Float32Array(5) } };
    expect(() => serializeCheckpoint(badSoft)).toThrow(/tensor soft.text: length 5 is not a multiple of hidden 8/);
    const missing = { ...c, adapters: { ...c.adapters, layers: [c.adapters.layers[0], { q: c.adapters.layers[1].q }] } };
    expect(() => serializeCheckpoint(missing)).toThrow(/adapters.layers\[1\] lacks module "k"/);
    expect(() => serializeCheckpoint({ ...c, logTau: NaN })).toThrow(/logTau must be finite/);
  });
});

async function metadataOf(bytes: Uint8Array, key: string): Promise<string> {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))).__metadata__[key];
}
