// Local inputs of the CLI → mounts on the CLI file server + protocol arguments. Every check
// that can fail on a user's path fails here, before the browser starts, with BadInputError
// naming the path (exit code 3).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { BrowserSession } from './browser.ts';

export class BadInputError extends Error {
  override readonly name = 'BadInputError';
}

const IMAGE_RE = /\.(png|jpe?g|webp|gif|bmp)$/i;

/** A file to be fetched by the page: becomes { path, data: Blob } there (cli-page.ts). */
export interface FetchSpec {
  __fetch: string;
  path: string;
}

export async function listFiles(dir: string, keep: (rel: string) => boolean, limit = 500_000): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (keep(relative(dir, p).split('\\').join('/'))) out.push(relative(dir, p).split('\\').join('/'));
      if (out.length > limit) throw new BadInputError(`${dir}: more than ${limit} files; point at a smaller folder`);
    }
  };
  await walk(dir);
  return out.sort();
}

/** `name` (a local folder's basename) becomes the exported adapter's base_model_name_or_path. */
export type ModelSourceArg = { kind: 'bundled' } | { kind: 'url'; url: string; name?: string };

export function modelSource(s: BrowserSession, model: string | null): ModelSourceArg {
  if (model === null) return { kind: 'bundled' };
  if (/^https?:\/\//.test(model)) return { kind: 'url', url: model };
  const dir = resolve(model);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new BadInputError(`--model ${model}: no such folder`);
  if (!existsSync(join(dir, 'config.json'))) throw new BadInputError(`--model ${model}: ${join(dir, 'config.json')} not found (expected a Hugging Face model folder)`);
  return { kind: 'url', url: s.mount('model', { dir }), name: basename(dir) };
}

export async function adapterFiles(s: BrowserSession, adapter: string): Promise<FetchSpec[]> {
  const dir = resolve(adapter);
  if (!existsSync(join(dir, 'adapter_config.json'))) throw new BadInputError(`--adapter ${adapter}: ${join(dir, 'adapter_config.json')} not found (expected a PEFT adapter folder)`);
  const prefix = s.mount('adapter', { dir });
  const names = ['adapter_config.json', 'adapter_model.safetensors', 'soft_prompts.safetensors'].filter((n) => existsSync(join(dir, n)));
  return names.map((n) => ({ __fetch: prefix + n, path: n }));
}

/** Dataset FILE + every image under its folder (+ captions_val.* beside captions_train.*). */
export async function dataFiles(s: BrowserSession, file: string): Promise<FetchSpec[]> {
  const path = resolve(file);
  if (!existsSync(path) || !statSync(path).isFile()) throw new BadInputError(`--data ${file}: no such file`);
  if (!/\.(jsonl|csv|json)$/i.test(path)) throw new BadInputError(`--data ${file}: expected a captions .jsonl/.csv or COCO .json file`);
  const dir = dirname(path);
  const name = basename(path);
  const val = name.replace(/^captions_train\./i, 'captions_val.');
  const rels = await listFiles(dir, (rel) => IMAGE_RE.test(rel) || rel === name || (val !== name && rel === val));
  const prefix = s.mount('data', { dir });
  return rels.map((rel) => ({ __fetch: prefix + rel.split('/').map(encodeURIComponent).join('/'), path: rel }));
}

/** --images DIR|FILE... → image files (a folder contributes every image under it). */
export async function imageFiles(s: BrowserSession, args: string[]): Promise<FetchSpec[]> {
  const out: FetchSpec[] = [];
  for (const [k, a] of args.entries()) {
    const p = resolve(a);
    if (!existsSync(p)) throw new BadInputError(`--images ${a}: no such file or folder`);
    const isDir = statSync(p).isDirectory();
    const root = isDir ? p : dirname(p);
    const rels = isDir ? await listFiles(p, (rel) => IMAGE_RE.test(rel)) : [basename(p)];
    if (isDir && rels.length === 0) throw new BadInputError(`--images ${a}: no .png/.jpg/.webp/.gif/.bmp files in this folder`);
    const prefix = s.mount(`images${k}`, { dir: root });
    for (const rel of rels) out.push({ __fetch: prefix + rel.split('/').map(encodeURIComponent).join('/'), path: isDir ? join(a, rel) : a });
  }
  return out;
}

export function textLines(file: string): string[] {
  if (!existsSync(file)) throw new BadInputError(`--texts ${file}: no such file`);
  const lines = readFileSync(file, 'utf8').split(/\r?\n/);
  while (lines.length && lines[lines.length - 1].trim() === '') lines.pop();
  const blank = lines.findIndex((l) => l.trim() === '');
  if (blank >= 0) throw new BadInputError(`${file}:${blank + 1}: empty line (one text per line; rows must stay aligned with the output)`);
  if (lines.length === 0) throw new BadInputError(`${file}: no texts (one text per line)`);
  return lines;
}

export function readJsonConfig(file: string): Record<string, unknown> {
  if (!existsSync(file)) throw new BadInputError(`--config ${file}: no such file`);
  try {
    const v = JSON.parse(readFileSync(file, 'utf8'));
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('top level must be an object');
    return v;
  } catch (e) {
    throw new BadInputError(`--config ${file}: ${(e as Error).message}`);
  }
}
