// The boundary lint fails on each kind of violation (naming rule, file and line), including
// type-only imports, import() types and .tsx files, and passes on the real tree.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { checkTree, formatViolation } from './boundary.ts';

const root = mkdtempSync(join(tmpdir(), 'discern-boundary-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(root, 't-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const violations = (files: Record<string, string>) => checkTree(tree(files)).violations.map((v) => `${v.rule} ${v.file}:${v.line}`);

describe('each rule fails on its violation', () => {
  test('app → engine: value, type-only, dynamic, import() type, re-export, in .ts and .tsx', () => {
    expect(violations({
      'src/engine/x.ts': 'export const x = 1;\nexport type X = number;\n',
      'src/app/a.ts': "import { x } from '../engine/x.ts';\nimport type { X } from '../engine/x.ts';\n",
      'src/app/b.tsx': "export const B = () => <div>{String(import('../engine/x.ts'))}</div>;\n\ntype Y = import('../engine/x.ts').X;\nexport * from '../engine/x.ts';\n",
    })).toEqual([
      'app-not-to-engine src/app/a.ts:1', 'app-not-to-engine src/app/a.ts:2',
      'app-not-to-engine src/app/b.tsx:1', 'app-not-to-engine src/app/b.tsx:3', 'app-not-to-engine src/app/b.tsx:4',
    ]);
  });

  test('app → workers, protocol → engine/app, shared → protocol, engine → app', () => {
    expect(violations({
      'src/app/a.ts': "import '../../workers/w.ts';\n",
      'workers/w.ts': "import { a } from '../src/app/a.ts';\n",
      'src/protocol/p.ts': "import type { X } from '../engine/x.ts';\nimport type { A } from '../app/a.ts';\n",
      'src/shared/s.ts': "import type { P } from '../protocol/p.ts';\n",
      'src/engine/x.ts': "export type { A } from '../app/a.ts';\n",
    }).sort()).toEqual([
      'app-not-to-engine src/app/a.ts:1', 'engine-not-to-app src/engine/x.ts:1', 'engine-not-to-app workers/w.ts:1',
      'protocol-only-protocol-and-shared src/protocol/p.ts:1', 'protocol-only-protocol-and-shared src/protocol/p.ts:2',
      'shared-is-a-leaf src/shared/s.ts:1',
    ]);
  });

  test('protocol holds types and literal constants only', () => {
    const r = checkTree(tree({
      'src/shared/s.ts': 'export const s = 1;\nexport type S = number;\n',
      'src/protocol/p.ts': [
        "import type { S } from '../shared/s.ts';", "import { s } from '../shared/s.ts';", 'export interface I { a: S }',
        "export const OK = { a: { path: '/x' } } as const;", 'export function f() { return s; }', 'export const g = () => 1;',
        'export let n = 1;', "export { s } from '../shared/s.ts';", 'export type { S };',
      ].join('\n'),
    }));
    expect(r.violations.map((v) => `${v.file}:${v.line} ${v.detail.slice(0, v.detail.indexOf(':'))}`)).toEqual([
      "src/protocol/p.ts:2 a value import from '../shared/s.ts'", 'src/protocol/p.ts:5 FunctionDeclaration',
      'src/protocol/p.ts:6 code in a constant (ArrowFunctionExpression)', "src/protocol/p.ts:7 a 'let' variable", 'src/protocol/p.ts:8 a value export',
    ]);
    expect(r.violations.every((v) => v.rule === 'protocol-types-and-constants')).toBe(true);
  });
});

test('allowed directions pass: app → protocol/shared, engine → protocol/shared, workers → engine, packages', () => {
  expect(violations({
    'src/shared/s.ts': "import { z } from 'zustand';\nexport const s = z;\n",
    'src/protocol/p.ts': "import type { S } from '../shared/s.ts';\nexport type P = S;\n",
    'src/engine/x.ts': "import type { P } from '../protocol/p.ts';\nimport { s } from '../shared/s.ts';\n",
    'workers/w.ts': "import '../src/engine/x.ts';\n",
    'src/app/a.tsx': "import type { P } from '../protocol/p.ts';\nimport { s } from '../shared/s.ts';\nnew Worker(new URL('../../workers/w.ts', import.meta.url));\n",
  })).toEqual([]);
});

test('the CLI exits 1 naming rule, file and line; the real tree passes', () => {
  const bad = tree({ 'src/engine/x.ts': 'export type X = 1;\n', 'src/app/a.ts': "\nimport type { X } from '../engine/x.ts';\n" });
  const run = (dir: string) => spawnSync(process.execPath, ['--import', 'tsx', 'scripts/lint/boundary.ts', dir], { encoding: 'utf8' });
  const r = run(bad);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("src/app/a.ts:2: [app-not-to-engine] imports '../engine/x.ts'");
  const real = checkTree('.');
  expect(real.violations.map(formatViolation)).toEqual([]);
  expect(real.files).toBeGreaterThan(200);
  expect(run('.').status).toBe(0);
});
