// The step's machine-independent costs, on Dawn in Node (the `webgpu` package → SwiftShader
// through libvulkan1; no browser): a VladVA training step on the tiny model is ONE submit with
// ONE readback (loss terms + NaN/Inf flag + grad norm) and creates no GPU buffer once warm; an
// embedding batch likewise; and after 100 steps the pool holds exactly the buffers and bytes
// it held after step 1 (no per-step leak); the element-wise fusions hold (no add/SwiGLU/
// single rope dispatches; grouped LoRA kernels). Fails, not skips, when Dawn finds no adapter. ≈ 70 s
// of CPU (≈ 2 min alone on 2 cores; 5 min at a load average of 10).
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { GpuContext } from '../../src/engine/gpu/context.ts';
import { countModel } from '../bench/counts/suite.ts';
import { installDawn, uninstallDawn } from './dawn.ts';
import { folderFromDir } from './folder-node.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
let ctx: GpuContext;

beforeAll(async () => {
  await installDawn();
  ctx = await GpuContext.create();
}, 30_000);
afterAll(() => {
  ctx?.destroy();
  uninstallDawn();
});

test('VladVA step and embedding batches: one submit, one readback, no buffer creation; no pool growth over 100 steps', async () => {
  const r = await countModel(ctx, { name: 'tiny-random', folder: () => folderFromDir(join(ROOT, 'public/models/tiny-random')), K: 2, chunk: 2, steps: 100 }, () => {});
  expect(r.rows.map((x) => x.unit)).toEqual(['VladVA step K=2 chunk 2', 'embed 2 texts', 'embed 2 images']);
  for (const row of r.rows) {
    expect(row.counts.submits, `${row.unit} submits`).toBe(1);
    expect(row.counts.reads, `${row.unit} reads`).toBe(1);
    expect(row.counts.buffersCreated, `${row.unit} buffers created`).toBe(0);
    expect(row.counts.dispatches, `${row.unit} dispatches`).toBeGreaterThan(10);
  }
  // the fusions hold (docs/PERFORMANCE.md, dispatch economy): no residual add, SwiGLU or
  // single-tensor rope kernel in a step or an embedding batch, grouped LoRA kernels instead
  for (const row of r.rows) {
    const names = (row.kernels ?? []).map(([k]) => k);
    for (const gone of ['ew_add_forward', 'ew_swiglu_forward', 'rope_forward', 'rope_backward']) expect(names, `${row.unit}: ${gone}`).not.toContain(gone);
    const has = (prefix: string) => names.some((k) => k.startsWith(prefix)); // a _4 suffix: vec4 loads
    for (const k of ['lora_group_u_g3', 'lora_group_u_g2']) expect(has(k), `${row.unit}: ${k}`).toBe(true);
    if (row === r.rows[0]) for (const k of ['lora_group_da_g3', 'lora_group_da_g2', 'lora_pair_g_g2', 'lora_pair_db_g2']) expect(has(k), k).toBe(true);
  }
  // the step reads [flag, contrastive, next-token, normSq]; an embedding batch its [2,H] result
  expect(r.rows[0].counts.bytesRead).toBe(16);
  expect(r.pool.steps).toBe(100);
  expect(r.pool.afterLast).toEqual(r.pool.afterStep1);
}, 600_000);
