// A Vite pre-bundle cache of this process's own, for the dev servers our scripts start
// (pretrain, evidence, caption-eval, the CLI).
//
// Trap: every Vite server rooted at the repo defaults to node_modules/.vite. Two servers with
// different entries (CI runs two unit files at once: say evidence --quick and the CLI smoke)
// each optimize their own dependency set and rewrite node_modules/.vite/deps in turn; the
// first server still hands out URLs of its set, the files are gone, and its page's next import
// fails with "504 (Outdated Optimize Dep)" — the page never starts (CI failure of stop 23).
// One directory per process and server avoids the sharing; it is removed when the server closes.
//
//   const cache = ownViteCacheDir('evidence');   // node_modules/.vite-own/evidence-<pid>-<n>
//   createServer({ …, cacheDir: cache.dir });  …  await cache.remove();
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';

/** The directory holding every script server's own cache (a crashed run's leftovers go here). */
export const OWN_CACHE_ROOT = 'node_modules/.vite-own';

let serial = 0;

export interface OwnViteCache {
  /** Absolute path, inside the repo's node_modules (so Vite serves it without fs.allow). */
  dir: string;
  remove(): Promise<void>;
}

export function ownViteCacheDir(tool: string, repoRoot: string): OwnViteCache {
  if (!/^[a-z0-9-]+$/.test(tool)) throw new Error(`ownViteCacheDir: tool name "${tool}" must be lowercase letters, digits and '-'`);
  const dir = resolve(repoRoot, OWN_CACHE_ROOT, `${tool}-${process.pid}-${serial++}`);
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
