// Bytes of a dataset file → text. UTF-8 (a BOM is dropped) is the format every parser expects;
// a file that is not valid UTF-8 — typically a Latin-1 / Windows-1252 export from a spreadsheet —
// is decoded as Windows-1252 (a superset of Latin-1's printable range, so every byte maps to a
// character and nothing is lost) and a warning names the file and the first bad line, so a
// caption with "é" never turns into "\uFFFD" silently.
import type { Problem } from '../errors.ts';

export interface DecodedText {
  text: string;
  /** Empty for valid UTF-8; one entry naming file + line when the Windows-1252 fallback ran. */
  warnings: Problem[];
}

export function decodeDatasetText(bytes: Uint8Array, file: string): DecodedText {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), warnings: [] };
  } catch {
    // find the first line that is not UTF-8 (lines split on the LF byte, which UTF-8 never uses inside a character)
    const strict = new TextDecoder('utf-8', { fatal: true });
    let line = 1, start = 0, bad = -1;
    for (let i = 0; i <= bytes.length && bad < 0; i++) {
      if (i < bytes.length && bytes[i] !== 0x0a) continue;
      try {
        strict.decode(bytes.subarray(start, i));
      } catch {
        for (let j = start; j < i; j++) if (bytes[j] >= 0x80) { bad = j; break; }
        break;
      }
      line++;
      start = i + 1;
    }
    const byte = bad >= 0 ? ` (byte 0x${bytes[bad].toString(16).toUpperCase()})` : '';
    return {
      text: new TextDecoder('windows-1252').decode(bytes),
      warnings: [{ file, line, reason: `not valid UTF-8${byte}; read as Latin-1 / Windows-1252 — check accented captions, or re-save the file as UTF-8` }],
    };
  }
}
