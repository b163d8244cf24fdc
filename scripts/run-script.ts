// Runs one of the repository's TypeScript commands (`scripts/…/x.ts`) the way `npm run` would —
// a child Node process through tsx, from the repository root — and collects what it printed.
// For the smoke tests of the long-run scripts (pretrain, evidence, caption-eval, real-size …).
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '..');
const TSX = join(REPO, 'node_modules/tsx/dist/cli.mjs');

export interface ScriptRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved in arrival order. */
  out: string;
}

/** `script` relative to the repository root, e.g. 'scripts/evidence/evidence.ts'. */
export function runScript(script: string, args: string[]): Promise<ScriptRun> {
  return new Promise((res) => {
    const p = spawn(process.execPath, [TSX, script, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '', out = '';
    p.stdout.on('data', (d) => { stdout += d; out += d; });
    p.stderr.on('data', (d) => { stderr += d; out += d; });
    p.on('close', (code) => res({ code, stdout, stderr, out }));
  });
}
