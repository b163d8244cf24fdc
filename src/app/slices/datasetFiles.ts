// The dataset files the user dropped or picked, kept in IndexedDB (database
// "discern-datasets") so a reload does not lose them. File objects are structured-cloneable;
// the relative path (webkitRelativePath is not cloned) is stored beside each file, and the
// restored File is named by it so dataset rows still resolve their images.
import { createStore, del, get, set, type UseStore } from 'idb-keyval';

const KEY = 'last';
let store: UseStore | null = null;
const db = () => (store ??= createStore('discern-datasets', 'files'));

interface Stored {
  path: string;
  file: File;
}

export async function saveDatasetFiles(files: File[]): Promise<void> {
  try {
    await set(KEY, files.map((f): Stored => ({ path: f.webkitRelativePath || f.name, file: f })), db());
  } catch (e) {
    // a full quota only costs the reload convenience; the files in memory are untouched
    console.warn(`dataset files were not stored for the next visit: ${(e as Error).message}`);
  }
}

export async function loadDatasetFiles(): Promise<File[]> {
  try {
    const v = (await get<Stored[]>(KEY, db())) ?? [];
    return v.map((s) => new File([s.file], s.path, { type: s.file.type, lastModified: s.file.lastModified }));
  } catch {
    return [];
  }
}

export async function datasetFilesUsage(): Promise<{ count: number; bytes: number }> {
  const files = await loadDatasetFiles();
  return { count: files.length, bytes: files.reduce((n, f) => n + f.size, 0) };
}

export async function clearDatasetFiles(): Promise<void> {
  await del(KEY, db());
}
