// Hub URLs → cache keys, and the rate/ETA meter of the download progress.
import { describe, expect, it } from 'vitest';
import { RateMeter } from './rate.ts';
import { fileKey, modelKey, parseHubUrl } from './url.ts';

describe('parseHubUrl', () => {
  it('reads repo and revision from the resolve layout on any host, and bare Hub repo URLs', () => {
    expect(parseHubUrl('https://huggingface.co/HuggingFaceTB/SmolVLM-256M-Instruct/resolve/main/')).toEqual({
      repo: 'HuggingFaceTB/SmolVLM-256M-Instruct', revision: 'main', base: 'https://huggingface.co/HuggingFaceTB/SmolVLM-256M-Instruct/resolve/main/',
    });
    expect(parseHubUrl('https://huggingface.co/HuggingFaceTB/SmolVLM-500M-Instruct')).toMatchObject({
      repo: 'HuggingFaceTB/SmolVLM-500M-Instruct', revision: 'main', base: 'https://huggingface.co/HuggingFaceTB/SmolVLM-500M-Instruct/resolve/main/',
    });
    expect(parseHubUrl('http://127.0.0.1:5301/org/tiny/resolve/0123abc')).toMatchObject({ repo: 'org/tiny', revision: '0123abc', base: 'http://127.0.0.1:5301/org/tiny/resolve/0123abc/' });
    expect(parseHubUrl('https://hf-mirror.com/a/b/resolve/refs%2Fpr%2F1/')).toMatchObject({ revision: 'refs/pr/1', base: 'https://hf-mirror.com/a/b/resolve/refs%2Fpr%2F1/' });
  });
  it('is null for what is not a model root in that layout', () => {
    for (const u of [
      'http://127.0.0.1:5173/models/discern-tiny/', // the bundled models: read by ranges, never cached
      'https://example.com/org/repo', // a bare repo URL on another host
      'https://huggingface.co/datasets/a/b/resolve/main/',
      'https://huggingface.co/a/b/resolve/main/onnx/', // a folder below the revision
      'https://huggingface.co/a/b/resolve/main/?download=true',
      'https://huggingface.co/only-owner',
      'not a url',
    ]) expect(parseHubUrl(u), u).toBeNull();
  });
  it('keys: repo@revision for a model, + /path for a file; no host (a mirror holds the same bytes)', () => {
    expect(modelKey('org/repo', 'main')).toBe('org/repo@main');
    expect(fileKey('org/repo', 'main', 'onnx/vision_encoder.onnx')).toBe('org/repo@main/onnx/vision_encoder.onnx');
    const a = parseHubUrl('https://huggingface.co/org/repo/resolve/main/')!;
    const b = parseHubUrl('http://127.0.0.1:9/org/repo/resolve/main/')!;
    expect(modelKey(a.repo, a.revision)).toBe(modelKey(b.repo, b.revision));
  });
});

describe('RateMeter', () => {
  it('rate over the last window, ETA from it; unknown before two samples', () => {
    const m = new RateMeter(3000);
    expect(m.rate()).toBe(0);
    expect(m.eta(100)).toBeNull();
    m.sample(0, 0);
    m.sample(1000, 1000);
    expect(m.rate()).toBe(1000);
    expect(m.eta(5000)).toBe(4);
    // a stall: 10 s with no bytes pushes the fast start out of the window
    m.sample(6000, 1000);
    m.sample(11000, 1000);
    expect(m.rate()).toBe(0);
    expect(m.eta(5000)).toBeNull();
    m.sample(12000, 5000);
    expect(m.eta(5000)).toBe(0);
  });
});
