// Hub downloads and the persistent model-file cache (engine: src/engine/model/io/hub/).
// A model URL in the Hub's `…/<owner>/<repo>/resolve/<revision>/` layout is downloaded file by
// file into the origin's private file system (OPFS), keyed by repo, revision and file path;
// later loads read it from there without any request. Types only.

/** One file of a download, as the Model screen shows it. */
export interface DownloadFile {
  /** Path inside the repo, e.g. `onnx/vision_encoder.onnx`. */
  path: string;
  /** 'cached': complete in the cache before this load (no request); 'done': downloaded now. */
  state: 'queued' | 'downloading' | 'done' | 'cached' | 'failed' | 'cancelled';
  /** Bytes stored so far (including a resumed partial) and the file's size. */
  bytes: number;
  total: number;
  /** Bytes the stored partial held when this download started (0: from the start). */
  resumedFrom: number;
  /** Over the last few seconds; 0 before the first sample. */
  bytesPerSec: number;
  /** Seconds left at that rate; null when unknown (no rate yet) or finished. */
  etaSec: number | null;
}

/**
 * A snapshot of the whole download (the batcher keeps only the latest per load). `phase`:
 * 'checking' while the sizes are asked for (one 1-byte Range request per file), then
 * 'downloading'; 'cached' when every file came from the cache (no network at all).
 */
export interface DownloadEvent {
  type: 'download';
  /** `owner/repo@revision`. */
  model: string;
  phase: 'checking' | 'downloading' | 'cached';
  files: DownloadFile[];
}

/** A model in the download cache (Storage screen). */
export interface CachedModel {
  /** `owner/repo@revision`: the key of storage-clear { kind: 'models', key }. */
  key: string;
  repo: string;
  revision: string;
  /** The base URL it was downloaded from. */
  url: string;
  /** Commit the server named (X-Repo-Commit), when it did. */
  commit: string | null;
  files: { path: string; bytes: number; size: number; complete: boolean }[];
  /** Bytes stored (complete files plus partials). */
  bytes: number;
  /** Every file the model needs is stored completely. */
  complete: boolean;
  /** ms since the epoch of the last write. */
  storedAt: number;
}
