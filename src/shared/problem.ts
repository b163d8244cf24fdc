// One thing wrong with the input, as every layer reports it: the engine's parsers and loaders
// produce these, the protocol carries them, the Data screen lists them.

/** Where a problem was found: file plus a 1-based line (text formats) or a JSON path. */
export interface Problem {
  file: string;
  /** 1-based line number for JSONL/CSV rows. */
  line?: number;
  /** JSON path such as `annotations[3].caption` or `["17"].negative_caption`. */
  path?: string;
  reason: string;
}

/** "file:line: reason", "file at path: reason" or "file: reason". */
export function formatProblem(p: Problem): string {
  const where = p.line !== undefined ? `:${p.line}` : p.path !== undefined ? ` at ${p.path}` : '';
  return `${p.file}${where}: ${p.reason}`;
}
