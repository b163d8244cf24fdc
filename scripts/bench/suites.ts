// Which suite runs what: shared by the Chromium page (bench-page.ts) and the Node host on
// Dawn (scripts/node/bench-node.ts). Peers are imported lazily so a run restricted with
// --peers never loads the others (and TF.js's 300 kB only when it is measured). Every failure
// is thrown with the peer's name in the message.
import type { CountsResult } from './counts/result.ts';
import type { Peer } from './peers/peer.ts';
import type { EmbedResult } from './embed/result.ts';
import type { ProfileResult } from './profile/result.ts';
import type { TrainStepResult } from './train/result.ts';
import { IMPLS, type BenchOptions, type ImplName, type SuiteResult } from './types.ts';

export type AnySuiteResult = SuiteResult | TrainStepResult | EmbedResult | ProfileResult | CountsResult;

const FACTORIES: Record<ImplName, () => Promise<Peer>> = {
  ours: async () => (await import('./peers/ours.ts')).createOursPeer(),
  'jax-js': async () => (await import('./peers/jaxjs.ts')).createJaxPeer(),
  tfjs: async () => (await import('./peers/tfjs.ts')).createTfjsPeer(),
};

export async function runSuite(suite: string, opts: BenchOptions, log: (l: string) => void): Promise<AnySuiteResult> {
  if (!['kernels', 'train-step', 'embed', 'profile', 'counts'].includes(suite)) throw new Error(`bench: unknown suite "${suite}" (known: kernels, train-step, embed, profile, counts)`);
  if (!globalThis.navigator?.gpu) throw new Error('WebGPU missing: navigator.gpu is undefined (Chromium: --enable-unsafe-webgpu; Node: scripts/node/dawn.ts)');
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) throw new Error('WebGPU missing: navigator.gpu.requestAdapter() returned null (no adapter on this machine)');
  if (suite === 'train-step') return (await import('./train/suite.ts')).runTrainStepSuite(opts, log);
  if (suite === 'embed') return (await import('./embed/suite.ts')).runEmbedSuite(opts, log);
  if (suite === 'counts') return (await import('./counts/suite.ts')).runCountsSuite(opts, log);
  if (suite === 'profile') return (await import('./profile/suite.ts')).runProfileSuite(opts, log);
  const names = IMPLS.filter((n) => !opts.peers || opts.peers.includes(n)); // 'ours' first: others diff against it
  if (names.length === 0) throw new Error(`suite kernels: no peer selected (kernels has ${IMPLS.join(', ')})`);
  const peers: Peer[] = [];
  try {
    for (const name of names) {
      log(`initialising ${name}…`);
      peers.push(await FACTORIES[name]());
      log(`${name}: ${peers[peers.length - 1].adapter}`);
    }
    return await (await import('./suite-kernels.ts')).runKernelSuite(peers, opts, log);
  } finally {
    for (const p of peers) p.destroy();
  }
}
