// Trainer state beside a checkpoint (state.ts) and the resume/dims command line (args.ts):
// moments round-trip bit-exactly; a model.safetensors that is not the one saved with the
// state is refused; resumeArgs fills unset options from the saved run, lets --steps grow and
// refuses any other change; the v2 dims flags build the model they name.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULTS, modelDims, parsePretrainArgv, parsePretrainArgs } from './args.ts';
import { initialModel } from './model-files.ts';
import { readTrainerState, resumeArgs, writeTrainerState } from './state.ts';

const dir = mkdtempSync(join(tmpdir(), 'discern-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const moments = new Map([
  ['a.weight', { m: new Float32Array([1.5, -2e-9, 3]), v: new Float32Array([4, 5e-12, 6]) }],
  ['b.bias', { m: new Float32Array([Math.fround(0.1)]), v: new Float32Array([7]) }],
]);
const model = new Uint8Array([1, 2, 3, 4]);
const run = { ...DEFAULTS, steps: 100, warmup: 10, lr: 1e-3, seed: 5, textHidden: 96 };

describe('pretrain trainer state', () => {
  it('moments, step and progress round-trip exactly; a different model file is refused', async () => {
    writeFileSync(join(dir, 'model.safetensors'), model);
    writeTrainerState(dir, { step: 40, moments, elapsedMs: 1234, tokensDone: 999, epoch: 1, epochPosition: 7 }, run, model, 5000);
    const { saved, state } = await readTrainerState(dir);
    expect(state).toEqual({ step: 40, moments, elapsedMs: 1234, tokensDone: 999 });
    expect(saved).toMatchObject({ step: 40, epoch: 1, epochPosition: 7, wallMs: 5000, args: { steps: 100, lr: 1e-3, seed: 5, textHidden: 96 } });
    expect('out' in saved.args || 'samples' in saved.args).toBe(false); // only run-defining options
    writeFileSync(join(dir, 'model.safetensors'), new Uint8Array([9]));
    await expect(readTrainerState(dir)).rejects.toThrow(/is not the model saved with the step-40 state/);
    await expect(readTrainerState(join(dir, 'nowhere'))).rejects.toThrow(/--resume: no .*state\.json/);
  });

  it('resumeArgs: unset options from the saved run, --steps may grow, any other change is refused', async () => {
    writeFileSync(join(dir, 'model.safetensors'), model);
    writeTrainerState(dir, { step: 40, moments, elapsedMs: 0, tokensDone: 0, epoch: 0, epochPosition: 0 }, run, model, 0);
    const { saved } = await readTrainerState(dir);
    const p = (argv: string[]) => parsePretrainArgv(['--resume', ...argv]);
    let q = p([]);
    expect(resumeArgs(saved, q.args, q.given)).toMatchObject({ steps: 100, warmup: 10, lr: 1e-3, seed: 5, textHidden: 96, resume: true });
    q = p(['--steps', '200', '--samples', '3', '--stop-after', '150']);
    expect(resumeArgs(saved, q.args, q.given)).toMatchObject({ steps: 200, warmup: 10, samples: 3, stopAfter: 150 });
    q = p(['--lr', '1e-3', '--seed', '5']); // restating the saved values is fine
    expect(resumeArgs(saved, q.args, q.given).lr).toBe(1e-3);
    q = p(['--steps', '50']);
    expect(() => resumeArgs(saved, q.args, q.given)).toThrow(/--steps 50 is below the saved run's 100/);
    q = p(['--batch', '8', '--text-hidden', '64']);
    expect(() => resumeArgs(saved, q.args, q.given)).toThrow(/options differ from the saved run's: batch 8 ≠ the saved run's 32; textHidden 64 ≠ the saved run's 96/);
    q = p(['--stop-after', '30']);
    expect(() => resumeArgs(saved, q.args, q.given)).toThrow(/--stop-after 30 is not after the saved step 40/);
    expect(() => parsePretrainArgs(['--resume', '--bench'])).toThrow(/--resume does not go with --bench/);
  });

  it('v2 dims flags: the initial model has the dims they name; bad combinations name the flags', () => {
    const a = parsePretrainArgs(['--text-hidden', '96', '--text-layers', '3', '--text-heads', '6', '--vision-hidden', '48',
      '--vision-layers', '3', '--vision-heads', '6', '--patch', '4', '--image-size', '32']);
    const c = initialModel({ seed: 1, imageSize: a.imageSize, dims: modelDims(a) }).config;
    expect([c.text.hidden_size, c.text.num_hidden_layers, c.text.num_attention_heads, c.text.num_key_value_heads, c.text.intermediate_size])
      .toEqual([96, 3, 6, 2, 192]);
    expect([c.vision.hidden_size, c.vision.num_hidden_layers, c.vision.num_attention_heads, c.vision.patch_size, c.vision.intermediate_size])
      .toEqual([48, 3, 6, 4, 96]);
    expect(c.imageTokensPerImage).toBe(16); // (32/4)² patches, pixel shuffle 2
    expect(() => parsePretrainArgs(['--text-hidden', '60', '--text-heads', '4'])).toThrow(/--text-hidden 60 must be --text-heads 4 × an even head size/);
    expect(() => parsePretrainArgs(['--vision-hidden', '30'])).toThrow(/--vision-hidden 30 must be a multiple of --vision-heads 4/);
    expect(() => parsePretrainArgs(['--patch', '4', '--image-size', '36'])).toThrow(/--image-size must be a multiple of 8 \(patch 4/);
    expect(() => parsePretrainArgs(['--steps', '10', '--stop-after', '10'])).toThrow(/--stop-after 10 must be below --steps 10/);
  });
});
