// Graceful stop for `discern train`: SIGINT, SIGTERM and SIGHUP — or the parent process going
// away (a Ctrl-C or kill that reached only an `npx`/shell wrapper re-parents us) — ask the run
// to stop after its current step. main.ts then exports the last completed step and exits 6.
// A second signal exits at once (exit 6, nothing more written).
//
// Parent watch: process.ppid is polled every PARENT_POLL_MS; a change means the parent died
// (Linux re-parents orphans to init or a subreaper). Polling, because Node has no
// parent-death signal and the CLI's stdin may legitimately be closed (/dev/null) from the start.

export const PARENT_POLL_MS = 500;

export interface StopWatch {
  /** Why a stop was asked ('SIGINT', 'parent process exited', …), or null. */
  readonly reason: string | null;
  /** Runs `f` on the first stop request (at once if one already came). */
  onStop(f: (reason: string) => void): void;
  dispose(): void;
}

export function watchForStop(say: (line: string) => void, exitNow: (code: number) => void, stoppedCode: number): StopWatch {
  let reason: string | null = null;
  const listeners: ((r: string) => void)[] = [];
  const ask = (r: string) => {
    if (reason !== null) {
      say(`discern: second stop request (${r}): exiting without waiting for the step`);
      return exitNow(stoppedCode);
    }
    reason = r;
    say(`discern: ${r}: stopping after the current step (send it again to exit at once)`);
    for (const f of listeners) f(r);
  };
  const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((sig) => {
    const h = () => ask(sig);
    process.on(sig, h);
    return [sig, h] as const;
  });
  const ppid0 = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== ppid0 && reason === null) ask(`parent process ${ppid0} exited`);
  }, PARENT_POLL_MS);
  timer.unref();
  return {
    get reason() { return reason; },
    onStop(f) { if (reason !== null) f(reason); else listeners.push(f); },
    dispose() {
      clearInterval(timer);
      for (const [sig, h] of handlers) process.off(sig, h);
    },
  };
}
