// How exported adapters name their base model (issue 13 item 5): as a user would load it —
// the Hub repo id, the bundled name, the CLI folder's name — never a local mount URL.
import { describe, expect, it } from 'vitest';
import { folderFromMap } from '../model/io/folder.ts';
import { hubRepoOf } from '../model/io/hub/url.ts';
import { baseModelName, folderOf } from './model.ts';

const folder = folderFromMap('http://127.0.0.1:41234/mount/model-3/', {});

describe('hubRepoOf', () => {
  it('reads owner/repo from Hub URLs and nothing else', () => {
    expect(hubRepoOf('https://huggingface.co/HuggingFaceTB/SmolVLM-256M-Instruct/resolve/main/')).toBe('HuggingFaceTB/SmolVLM-256M-Instruct');
    expect(hubRepoOf('https://huggingface.co/HuggingFaceTB/SmolVLM-500M-Instruct')).toBe('HuggingFaceTB/SmolVLM-500M-Instruct');
    expect(hubRepoOf('https://hf.co/a/b/resolve/0123abc/onnx/')).toBe('a/b');
    expect(hubRepoOf('https://huggingface.co/datasets/a/b')).toBeNull();
    expect(hubRepoOf('https://huggingface.co/only-owner')).toBeNull();
    expect(hubRepoOf('http://127.0.0.1:5173/models/discern-tiny/')).toBeNull();
    expect(hubRepoOf('not a url')).toBeNull();
  });
});

describe('baseModelName', () => {
  it('is the Hub repo, the bundled name, the given name or the last path segment — never the mount URL', () => {
    expect(baseModelName({ kind: 'url', url: 'https://huggingface.co/HuggingFaceTB/SmolVLM-256M-Instruct/resolve/main/' }, folder))
      .toBe('HuggingFaceTB/SmolVLM-256M-Instruct');
    expect(baseModelName({ kind: 'bundled' }, folder)).toBe('discern-tiny-v2');
    expect(baseModelName({ kind: 'bundled', name: 'discern-tiny' }, folder)).toBe('discern-tiny');
    expect(baseModelName({ kind: 'bundled', name: 'tiny-random' }, folder)).toBe('tiny-random');
    expect(baseModelName({ kind: 'url', url: 'http://127.0.0.1:41234/mount/model-3/', name: 'my-smolvlm' }, folder)).toBe('my-smolvlm');
    expect(baseModelName({ kind: 'url', url: 'http://example.test/models/My%20Model/' }, folder)).toBe('My Model');
    expect(baseModelName({ kind: 'files', files: [] }, folderFromMap('SmolVLM-256M', {}))).toBe('SmolVLM-256M');
    // a mirror / local server in the Hub's resolve layout names the repo, not "main"
    expect(baseModelName({ kind: 'url', url: 'http://127.0.0.1:5301/org/tiny/resolve/main/' }, folder)).toBe('org/tiny');
  });
});

describe('folderOf', () => {
  it('reads a bare Hub repo URL from resolve/main/ (the uncached path, where there is no OPFS)', () => {
    expect(folderOf({ kind: 'url', url: 'https://huggingface.co/HuggingFaceTB/SmolVLM-256M-Instruct' }).name)
      .toBe('https://huggingface.co/HuggingFaceTB/SmolVLM-256M-Instruct/resolve/main/');
    expect(folderOf({ kind: 'url', url: 'http://127.0.0.1:41234/mount/model-3/' }).name).toBe('http://127.0.0.1:41234/mount/model-3/');
  });
});
