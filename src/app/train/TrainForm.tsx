// The training configuration form. Defaults come from the loaded model's recipe (its
// discern.json, or values scaled to its size, over DEFAULT_TRAIN_CONFIG) and the panel says
// which; refused settings show their reason next to the field (client-side validator or the
// engine's TrainConfigError fields); a batch larger than the training split says it will be
// lowered at Start.
import { useStore } from '../store.ts';
import { ALL_MODULES, FORM_FIELDS } from '../slices/trainForm.ts';

export function TrainForm({ disabled }: { disabled: boolean }) {
  const t = useStore((s) => s.train);
  const setForm = useStore((s) => s.setForm);
  const setOpts = useStore((s) => s.setTrainOptions);
  const resetToRecipe = useStore((s) => s.resetToRecipe);
  const info = useStore((s) => s.model.info);
  const trainSplit = useStore((s) => s.data.summary?.train);
  const batch = Number(t.form.batchSize);
  const clampHint = trainSplit !== undefined && trainSplit >= 2 && batch > trainSplit
    ? `the training split has ${trainSplit} examples: Start will use batch ${trainSplit}` : null;
  const err = (k: string) => t.fieldErrors[k];
  const other = Object.entries(t.fieldErrors).filter(([k]) => !FORM_FIELDS.some((f) => f.key === k) && k !== 'lora.modules' && k !== 'learnTemperature');
  return (
    <fieldset className="form card span-8" disabled={disabled} data-testid="train-form">
      <legend>Configuration</legend>
      {info && (
        <p className="recipe" data-testid="train-recipe" data-source={info.recipe.source}>
          Defaults for <strong>{info.name}</strong>{' '}
          {info.recipe.source === 'discern.json' ? 'from its discern.json' : 'scaled to its size'}: {info.recipe.why}.
          {t.edited.length > 0 && (
            <> <button type="button" data-testid="use-recipe" onClick={resetToRecipe}>Use recommended settings</button>
              <span className="muted"> ({t.edited.length} field{t.edited.length > 1 ? 's' : ''} changed by you)</span></>
          )}
        </p>
      )}
      {FORM_FIELDS.map((f) => (
        <label key={f.key} className={err(f.key) ? 'invalid' : ''}>
          <span className="label">{f.label}</span>
          <input
            data-testid={`field-${f.key}`} value={t.form[f.key] ?? ''} inputMode="decimal"
            aria-invalid={!!err(f.key)} onChange={(e) => setForm(f.key, e.target.value)}
          />
          <span className="hint">{f.hint}</span>
          {f.key === 'batchSize' && clampHint && !err(f.key) && <span className="field-note" data-testid="note-batchSize">{clampHint}</span>}
          {err(f.key) && <span className="field-error" data-testid={`error-${f.key}`}>{err(f.key)}</span>}
        </label>
      ))}
      <label>
        <span className="label">Learnable temperature</span>
        <input type="checkbox" checked={t.learnTemperature} onChange={(e) => setOpts({ learnTemperature: e.target.checked })} />
        {err('learnTemperature') && <span className="field-error">{err('learnTemperature')}</span>}
      </label>
      <div className={err('lora.modules') ? 'invalid modules' : 'modules'}>
        <span className="label">LoRA modules</span>
        {ALL_MODULES.map((m) => (
          <label key={m} className="inline">
            <input
              type="checkbox" checked={t.modules.includes(m)}
              onChange={(e) => setOpts({ modules: e.target.checked ? [...t.modules, m] : t.modules.filter((x) => x !== m) })}
            />
            {m}
          </label>
        ))}
        {err('lora.modules') && <span className="field-error" data-testid="error-lora.modules">{err('lora.modules')}</span>}
      </div>
      {other.map(([k, m]) => (
        <p key={k} className="field-error">{k}: {m}</p>
      ))}
    </fieldset>
  );
}
