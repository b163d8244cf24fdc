// The Model screen's memory estimate, before loading: reads the chosen model's config.json
// (bundled path, base URL through the worker's 'model-config' — the Hub cache first — or the
// dropped folder), takes the Train form's batch / chunk /
// LoRA settings and the adapter's limits, and says "needs ≈ X GB of GPU memory for training
// at batch B; this adapter allows Y" (src/shared/memory.ts). When it cannot fit, the message
// says why and the Load button is disabled (ModelScreen reads useMemoryFit()).
// Self-contained on purpose: the Model screen's download parts change elsewhere.
import { useEffect, useState } from 'react';
import { BUNDLED_MODELS } from '../../protocol/messages.ts';
import { checkMemoryFit, estimateTrainingMemory, fmtGB, memoryModelFromConfig, type MemoryFit as Fit } from '../../shared/memory.ts';
import { DEFAULT_TRAIN_CONFIG } from '../../shared/train_config.ts';
import { getEngine } from '../engine.ts';
import { useStore } from '../store.ts';

export interface MemoryFitState extends Fit {
  /** "frozen weights 270 MB (bf16; 540 MB as f32)" */
  detail: string;
}

/** config.json of the chosen source, or null (not chosen yet, unreachable, not a model). */
function useChosenConfig(): unknown {
  const model = useStore((s) => s.model);
  const [config, setConfig] = useState<unknown>(null);
  const key = model.kind === 'bundled' ? `b:${model.bundled}` : model.kind === 'url' ? `u:${model.url}` : `f:${model.files.length}:${model.files[0]?.name ?? ''}`;
  useEffect(() => {
    let live = true;
    setConfig(null);
    const read = async (): Promise<unknown> => {
      if (model.kind === 'files') {
        const f = model.files.find((x) => x.name === 'config.json' && (!x.webkitRelativePath || x.webkitRelativePath.split('/').length <= 2));
        return f ? JSON.parse(await f.text()) : null;
      }
      const base = model.kind === 'bundled' ? BUNDLED_MODELS[model.bundled].path : model.url.trim();
      if (!base || (model.kind === 'url' && !/^https?:\/\/\S+/.test(base))) return null;
      await new Promise((r) => setTimeout(r, model.kind === 'url' ? 400 : 0)); // typing
      if (!live) return null;
      // A URL goes through the worker, which reads a Hub model's config from its download cache
      // when stored there: a cached model makes no request (offline too), as its load does.
      if (model.kind === 'url') return (await getEngine().request('model-config', { url: base })).config;
      const res = await fetch(new URL('config.json', new URL(base.endsWith('/') ? base : `${base}/`, location.href)).href);
      return res.ok ? res.json() : null;
    };
    read().then((c) => live && setConfig(c), () => live && setConfig(null));
    return () => {
      live = false;
    };
  }, [key]); // eslint-disable-line react-hooks/exhaustive-deps
  return config;
}

/** The estimate for the chosen model and the current Train form, or null when unknown. */
export function useMemoryFit(): MemoryFitState | null {
  const config = useChosenConfig();
  const caps = useStore((s) => s.device.caps);
  const form = useStore((s) => s.train.form);
  const modules = useStore((s) => s.train.modules);
  const model = memoryModelFromConfig(config);
  if (!model || !caps) return null;
  const n = (k: string, d: number) => (Number.isFinite(Number(form[k])) && Number(form[k]) > 0 ? Number(form[k]) : d);
  const batch = n('batchSize', DEFAULT_TRAIN_CONFIG.batchSize);
  const e = estimateTrainingMemory(model, {
    batchSize: batch, chunkSize: n('chunkSize', DEFAULT_TRAIN_CONFIG.chunkSize), maxLongTokens: DEFAULT_TRAIN_CONFIG.maxLongTokens,
    lora: { rank: n('lora.rank', DEFAULT_TRAIN_CONFIG.lora.rank), modules },
    activations: DEFAULT_TRAIN_CONFIG.activationRecompute ? 'recompute' : 'keep',
  });
  // No total budget: WebGPU does not report GPU memory, and navigator.deviceMemory is the
  // system RAM (capped at 8) — refusing on it would refuse models that train fine.
  const fit = checkMemoryFit(e, { ...caps.limits, budgetBytes: null }, batch);
  const detail = `frozen weights ${fmtGB(e.frozenBytes)} (${model.dtype}${model.dtype === 'f32' ? '' : `, kept packed; ${fmtGB(e.frozenF32Bytes)} as f32`}), `
    + `adapters + AdamW ${fmtGB(e.trainableBytes)}, activations of one chunk ${fmtGB(e.activationBytes)}`;
  return { ...fit, detail };
}

export function MemoryFitNote({ fit }: { fit: MemoryFitState | null }) {
  if (!fit) return null;
  return (
    <div className="memory-fit" data-testid="memory-fit">
      <p className="muted">
        <span data-testid="memory-summary">{fit.summary[0].toUpperCase() + fit.summary.slice(1)}.</span> <small>{fit.detail}.</small>
      </p>
      {fit.problem && <p role="alert" className="error" data-testid="memory-refusal">Cannot train this model here: {fit.problem}</p>}
    </div>
  );
}
