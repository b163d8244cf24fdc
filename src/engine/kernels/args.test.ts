// One kernel-argument error type: every launcher's argument error is a KernelArgumentError
// (subclasses keep their own name), so `instanceof` does not depend on which module the
// caller imported it from.
import { expect, test } from 'vitest';
import { KernelArgumentError } from './args.ts';
import { EmbeddingIndexError } from './embedding/plan.ts';
import { LoraShapeError } from './lora/lora.ts';
import { MatmulShapeError } from './matmul/matmul.ts';

test('named launcher errors are KernelArgumentErrors with their own name and a where: detail message', () => {
  for (const [E, name] of [[MatmulShapeError, 'MatmulShapeError'], [LoraShapeError, 'LoraShapeError'], [EmbeddingIndexError, 'EmbeddingIndexError'], [KernelArgumentError, 'KernelArgumentError']] as const) {
    const e = new E('x.ts f', 'a is wrong');
    expect(e).toBeInstanceOf(KernelArgumentError);
    expect(e.name).toBe(name);
    expect(e.message).toBe('x.ts f: a is wrong');
    expect(e.where).toBe('x.ts f');
  }
});
