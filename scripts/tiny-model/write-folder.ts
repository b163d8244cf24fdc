// Writes a model folder's files ({ relative path: bytes }) under `dir`, creating
// subfolders (onnx/); returns the bytes written. Shared by the tiny-model writer, pretraining
// and the real-size run. Trap: it only adds and overwrites — callers clear stale files first.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function writeFolderFiles(dir: string, files: Record<string, Uint8Array>): number {
  let total = 0;
  for (const [path, bytes] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), bytes);
    total += bytes.byteLength;
  }
  return total;
}
