// A model folder for the caption-eval page: every file as { relative path: base64 } (small
// models: the page gets it in one go), without the optimizer state (pretrain_state/) and the logs.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Every file of the folder as { relative path: base64 } (small models: the page gets it in one go). */
export function folderFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) { if (name !== 'pretrain_state') walk(p); } // optimizer state: not the model
      else if (!name.endsWith('.jsonl')) out[relative(dir, p)] = readFileSync(p).toString('base64');
    }
  };
  walk(dir);
  return out;
}
