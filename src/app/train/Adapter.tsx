// Export the current run's PEFT adapter (three files, downloaded through object URLs and
// <a download>) and import an adapter (load-adapter replaces the loaded model's adapters).
import { useState } from 'react';
import { useStore } from '../store.ts';

export function Adapter({ canExport, canImport }: { canExport: boolean; canImport: boolean }) {
  const exportAdapter = useStore((s) => s.exportAdapter);
  const importAdapter = useStore((s) => s.importAdapter);
  const note = useStore((s) => s.train.adapterNote);
  const [exportNote, setExportNote] = useState<string>();
  const onExport = async () => {
    try {
      const files = await exportAdapter();
      for (const f of files) {
        const url = URL.createObjectURL(new Blob([f.bytes]));
        const a = document.createElement('a');
        a.href = url;
        a.download = f.name;
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10_000); // the download needs the URL a moment longer
      }
      setExportNote(`Exported ${files.map((f) => f.name).join(', ')}`);
    } catch (e) {
      setExportNote(`Export failed — ${(e as Error).name}: ${(e as Error).message}`);
    }
  };
  return (
    <div className="row adapter" data-testid="adapter">
      <button data-testid="export-adapter" disabled={!canExport} onClick={() => void onExport()}>Export adapter</button>
      <label>
        Import adapter:{' '}
        <input type="file" multiple data-testid="import-adapter" disabled={!canImport}
          onChange={(e) => e.target.files?.length && void importAdapter([...e.target.files])} />
      </label>
      {exportNote && <span data-testid="export-note">{exportNote}</span>}
      {note && <span data-testid="import-note">{note}</span>}
    </div>
  );
}
