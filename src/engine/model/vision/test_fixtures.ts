// Shared by the vision GPU tests (not a test file itself, so importing it runs no tests).
// Vite serves public/ at the root: the tiny model folder is at /models/tiny-random/.
// Trap: Vite's SPA fallback answers a MISSING file with index.html and status 200 whenever
// the request accepts */* (fetch's default), so a missing model.safetensors.index.json or
// ONNX file would look present to folderFromUrl; a non-HTML Accept header turns that into
// the 404 a real file host (Hugging Face, a static server) gives.
export const TINY_URL = '/models/tiny-random/';
export const NO_SPA_FALLBACK = { headers: { Accept: 'application/octet-stream' } };
