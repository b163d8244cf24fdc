/**
 * The trainer state saved beside a pretraining checkpoint, so `npm run pretrain -- --resume`
 * continues the run exactly (run.ts: weights + AdamW moments + update count; the data order
 * is recomputed from the seed).
 *
 *   <out>/pretrain_state/moments.safetensors   F32 `exp_avg.<HF name>` and `exp_avg_sq.<HF name>`
 *                                               (torch AdamW's names) for every trainable
 *   <out>/pretrain_state/state.json            SavedState: step, epoch/position, time, tokens,
 *                                               the run-defining options (args.ts RUN_KEYS), and
 *                                               the sha256 of model.safetensors and moments
 *
 * Public API:
 *   STATE_DIR; interface SavedState; sha256(bytes) → hex (the hashes state.json records)
 *   writeTrainerState(out, state, args, modelBytes, wallMs)   moments first, state.json last (renamed
 *     into place), so a crash mid-write leaves the previous state.json, whose model hash then
 *     no longer matches: readTrainerState refuses instead of resuming from mixed files
 *   readTrainerState(out) → Promise<{ saved, state: PretrainTrainerState }>
 *   resumeArgs(saved, now, given) → PretrainArgs   unset options from the saved run; a given
 *     option that differs is an error (PretrainArgsError) except --steps, which may grow
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bytesSource } from '../../src/engine/model/io/sources.ts';
import { SafetensorsFile, writeSafetensors, type TensorToWrite } from '../../src/engine/model/io/safetensors.ts';
import type { PretrainTrainerState } from '../../src/engine/train/pretrain/run.ts';
import { PretrainArgsError, RUN_KEYS, validate, type PretrainArgs, type RunKey } from './args.ts';

export const STATE_DIR = 'pretrain_state';
const VERSION = 1;

export interface SavedState {
  version: number;
  /** Updates applied (the checkpoint's step). */
  step: number;
  epoch: number;
  epochPosition: number;
  elapsedMs: number;
  tokensDone: number;
  args: Pick<PretrainArgs, RunKey>;
  modelSha256: string;
  momentsSha256: string;
  /** Wall time of every sitting so far (the card's total). */
  wallMs: number;
  date: string;
}

/** Hex sha256 of a file's bytes: how state.json names the weights and moments it belongs to. */
export const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export function writeTrainerState(out: string, s: PretrainTrainerState & { epoch: number; epochPosition: number },
  args: PretrainArgs, modelBytes: Uint8Array, wallMs: number): void {
  const dir = join(out, STATE_DIR);
  mkdirSync(dir, { recursive: true });
  const tensors: Record<string, TensorToWrite> = {};
  for (const [name, { m, v }] of s.moments) {
    tensors[`exp_avg.${name}`] = { dtype: 'F32', shape: [m.length], data: m };
    tensors[`exp_avg_sq.${name}`] = { dtype: 'F32', shape: [v.length], data: v };
  }
  const moments = writeSafetensors(tensors, { step: String(s.step) });
  writeFileSync(join(dir, 'moments.safetensors'), moments);
  const saved: SavedState = {
    version: VERSION, step: s.step, epoch: s.epoch, epochPosition: s.epochPosition, elapsedMs: s.elapsedMs, tokensDone: s.tokensDone,
    args: Object.fromEntries(RUN_KEYS.map((k) => [k, args[k]])) as Pick<PretrainArgs, RunKey>,
    modelSha256: sha256(modelBytes), momentsSha256: sha256(moments), wallMs, date: new Date().toISOString(),
  };
  writeFileSync(join(dir, 'state.json.tmp'), JSON.stringify(saved, null, 2) + '\n');
  renameSync(join(dir, 'state.json.tmp'), join(dir, 'state.json'));
}

export async function readTrainerState(out: string): Promise<{ saved: SavedState; state: PretrainTrainerState }> {
  const dir = join(out, STATE_DIR);
  const statePath = join(dir, 'state.json');
  if (!existsSync(statePath)) throw new PretrainArgsError(`--resume: no ${statePath} (no checkpoint of a run in ${out} to continue)`);
  const saved = JSON.parse(readFileSync(statePath, 'utf8')) as SavedState;
  if (saved.version !== VERSION) throw new PretrainArgsError(`--resume: ${statePath} has version ${saved.version}, this tool reads ${VERSION}`);
  const model = new Uint8Array(readFileSync(join(out, 'model.safetensors')));
  if (sha256(model) !== saved.modelSha256) {
    throw new PretrainArgsError(`--resume: ${join(out, 'model.safetensors')} is not the model saved with the step-${saved.step} state (hash differs)`);
  }
  const bytes = new Uint8Array(readFileSync(join(dir, 'moments.safetensors')));
  if (sha256(bytes) !== saved.momentsSha256) throw new PretrainArgsError(`--resume: ${dir}/moments.safetensors does not match state.json (hash differs)`);
  const st = await SafetensorsFile.open(bytesSource('moments.safetensors', bytes));
  const moments: PretrainTrainerState['moments'] = new Map();
  for (const key of st.names()) {
    if (!key.startsWith('exp_avg.')) continue;
    const name = key.slice('exp_avg.'.length);
    moments.set(name, { m: await st.readF32(key), v: await st.readF32(`exp_avg_sq.${name}`) });
  }
  return { saved, state: { step: saved.step, moments, elapsedMs: saved.elapsedMs, tokensDone: saved.tokensDone } };
}

export function resumeArgs(saved: SavedState, now: PretrainArgs, given: ReadonlySet<keyof PretrainArgs>): PretrainArgs {
  const a = { ...now };
  const differ: string[] = [];
  for (const k of RUN_KEYS) {
    if (!given.has(k)) {
      (a as Record<string, unknown>)[k] = saved.args[k]; // incl. warmup, which the parser clamped to the new --steps
    } else if (k === 'steps') {
      if (now.steps < saved.args.steps) differ.push(`--steps ${now.steps} is below the saved run's ${saved.args.steps} (steps may only grow)`);
    } else if (now[k] !== saved.args[k]) {
      differ.push(`${k} ${String(now[k])} ≠ the saved run's ${String(saved.args[k])}`);
    }
  }
  if (differ.length) throw new PretrainArgsError(`--resume: the options differ from the saved run's: ${differ.join('; ')}`);
  if (a.stopAfter && a.stopAfter <= saved.step) throw new PretrainArgsError(`--stop-after ${a.stopAfter} is not after the saved step ${saved.step}`);
  validate(a);
  return a;
}
