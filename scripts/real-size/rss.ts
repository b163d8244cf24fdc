/**
 * The browser's memory as the OS sees it: the summed resident set (VmRSS) of every process
 * descending from this Node process (Playwright's Chromium: browser, GPU, renderer, utility
 * processes), read from /proc. Linux only; elsewhere it returns null.
 * Trap: shared pages (the Chromium binary, shared memory between processes) are counted once
 * per process, so the sum overstates unique memory; it is the figure `top` users compare.
 */
import { readdirSync, readFileSync } from 'node:fs';

function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid …" — comm may contain spaces or parentheses: cut at the last ')'.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Summed RSS of all descendants of `root` (default: this process), or null without /proc. */
export function descendantRss(root = process.pid): number | null {
  let pids: number[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  } catch {
    return null;
  }
  const parent = new Map(pids.map((p) => [p, parentOf(p)]));
  const isDescendant = (p: number): boolean => {
    for (let q = parent.get(p), hops = 0; q != null && hops < 64; q = parent.get(q), hops++) if (q === root) return true;
    return false;
  };
  return pids.filter(isDescendant).reduce((sum, p) => sum + rssBytes(p), 0);
}

/** Samples descendantRss every `ms` and keeps the peak (stop() returns it, in bytes). */
export function rssSampler(ms = 500): { peak(): number | null; stop(): number | null } {
  let peak: number | null = descendantRss();
  const t = setInterval(() => {
    const r = descendantRss();
    if (r !== null) peak = Math.max(peak ?? 0, r);
  }, ms);
  t.unref();
  return { peak: () => peak, stop: () => (clearInterval(t), peak) };
}
