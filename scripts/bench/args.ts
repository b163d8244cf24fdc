// Command line of the benchmark runner (pure, unit-tested in bench.test.ts).

import { join } from 'node:path';
import { EMBED_IMPLS, IMPLS, type PeerName } from './types.ts';

export const USAGE = 'usage: tsx scripts/bench/run.ts kernels|train-step|embed|profile|counts|all [--quick] [--peers ours,jax-js,tfjs,ort-webgpu,ort-wasm] [--filter "lora down"] [--out file.json]';

export class BenchUsageError extends Error {
  override readonly name = 'BenchUsageError';
}

export const SUITES = ['kernels', 'train-step', 'embed', 'profile', 'counts', 'all'] as const;
/** What 'all' runs, in order. */
export const ALL_SUITES = ['kernels', 'train-step', 'embed', 'profile', 'counts'] as const;
export type Suite = (typeof SUITES)[number];

export interface Args {
  /** 'all' = kernels, train-step, embed, profile, counts. */
  suite: Suite;
  quick: boolean;
  peers: PeerName[] | undefined;
  filter: string | undefined;
  out: string;
}

export function parseArgs(argv: readonly string[], root: string): Args {
  let suite: string | undefined;
  let quick = false;
  let peers: PeerName[] | undefined;
  let out: string | undefined;
  let filter: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') quick = true;
    else if (a === '--peers' || a === '--out' || a === '--filter') {
      const v = argv[++i];
      if (!v) throw new BenchUsageError(`${a} needs a value`);
      if (a === '--out') out = v;
      else if (a === '--filter') filter = v;
      else {
        const names = v.split(',').map((s) => s.trim());
        const known: string[] = [...new Set([...IMPLS, ...EMBED_IMPLS])];
        const bad = names.filter((n) => !known.includes(n));
        if (bad.length) throw new BenchUsageError(`--peers: unknown ${bad.join(', ')} (known: ${known.join(', ')})`);
        peers = names as PeerName[];
      }
    } else if (a.startsWith('--')) throw new BenchUsageError(`unknown option ${a}`);
    else if (suite) throw new BenchUsageError(`more than one suite given (${suite}, ${a})`);
    else suite = a;
  }
  if (!SUITES.includes(suite as Suite)) throw new BenchUsageError(`unknown suite "${suite ?? ''}" (known: ${SUITES.join(', ')})`);
  if (suite === 'all' && out) throw new BenchUsageError('--out cannot be used with "all" (one file per suite)');
  return { suite: suite as Suite, quick, peers, filter, out: out ?? outPath(root, suite as Suite, quick, filter) };
}

/** bench-results/<suite>[-quick][-filtered].json */
export function outPath(root: string, suite: string, quick: boolean, filter: string | undefined): string {
  return join(root, 'bench-results', `${suite}${quick ? '-quick' : ''}${filter ? '-filtered' : ''}.json`);
}
