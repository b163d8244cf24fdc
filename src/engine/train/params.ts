// The trainable state of a VladVA run, as one list of named GPU tensors with their gradients
// and AdamW moments: every LoRA A/B, the two soft prompts, and logTau when the temperature is
// learnable. Order is fixed (checkpoints and grad-norm reductions rely on it).
// Ablations: no LoRA entries when vlm.adapters is null (the trainer detaches them for
// trainLora: false); `softPrompts: false` leaves the soft prompts out (frozen at their init).
import type { GpuContext } from '../gpu/context.ts';
import type { GpuTensor } from '../gpu/tensor.ts';
import { adapterTensors } from '../model/vlm/adapters.ts';
import type { Vlm } from '../model/vlm/vlm.ts';

export interface Trainable {
  name: string; // "L0.q.A", "softPrompt.image", "logTau", …
  param: GpuTensor;
  grad: GpuTensor;
  m: GpuTensor;
  v: GpuTensor;
  /** AdamW weight decay applies to LoRA matrices only (not soft prompts or logTau). */
  decay: boolean;
}

export function collectTrainables(
  ctx: GpuContext, vlm: Vlm, logTau: GpuTensor, learnTau: boolean, o: { softPrompts?: boolean } = {},
): Trainable[] {
  const list: { name: string; t: GpuTensor; decay: boolean }[] = [];
  if (vlm.adapters) for (const a of adapterTensors(vlm.adapters)) list.push({ ...a, decay: true });
  if (o.softPrompts ?? true) {
    list.push({ name: 'softPrompt.image', t: vlm.softPrompts.image, decay: false });
    list.push({ name: 'softPrompt.text', t: vlm.softPrompts.text, decay: false });
  }
  if (learnTau) list.push({ name: 'logTau', t: logTau, decay: false });
  return list.map(({ name, t, decay }) => ({
    name, param: t, decay,
    grad: ctx.zeros(t.shape, `grad.${name}`),
    m: ctx.zeros(t.shape, `adam.m.${name}`),
    v: ctx.zeros(t.shape, `adam.v.${name}`),
  }));
}

export function gradOf(trainables: Trainable[], name: string): GpuTensor | null {
  return trainables.find((t) => t.name === name)?.grad ?? null;
}

export function releaseTrainables(ctx: GpuContext, ts: Trainable[]): void {
  for (const t of ts) ctx.release(t.grad, t.m, t.v);
}
