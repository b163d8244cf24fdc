// Evidence page (scripts/evidence/evidence.html), driven by evidence.ts through page.evaluate.
// Installs window.__discernEvidence.run(options) → EvidenceRun (runner.ts); progress events go
// to window.__discernEvidenceProgress (exposed by Node) as they happen.
import { GpuContext } from '../../src/engine/gpu/context.ts';
import { runEvidence } from './runner.ts';
import type { EvidenceRun, Progress, RunOptions } from './rows.ts';

declare global {
  interface Window {
    __discernEvidence?: { run(o: RunOptions): Promise<EvidenceRun> };
    __discernEvidenceProgress?: (p: Progress) => Promise<void>;
  }
}

window.__discernEvidence = {
  async run(o) {
    if (!navigator.gpu) throw new Error('WebGPU missing: navigator.gpu is undefined (start Chromium with --enable-unsafe-webgpu)');
    const ctx = await GpuContext.create();
    try {
      return await runEvidence(ctx, o, (p) => void window.__discernEvidenceProgress?.(p));
    } finally {
      ctx.destroy();
    }
  },
};
console.log('evidence page ready');
