// The layering rule of DESIGN.md, checked by `npm run lint` (part of `npm test`):
//
//   app → protocol ← engine ← workers        src/shared: a leaf every layer may use
//
// Every import counts, `import type` and `import('…')` types included: the app must not even
// name engine types (wire types live in src/protocol, pure code both sides run in src/shared).
// src/protocol may hold types and documented constants only, no runtime code.
// The worker is started with `new URL('…/engine.worker.ts', import.meta.url)`: not an import.
//
// Why not dependency-cruiser: it parses TypeScript through the `typescript` package's JS API
// (< 7; TypeScript 7 has none) or swc without TSX. The parser here is oxc (rolldown/parseAst,
// Vite's own), which reads .ts and .tsx with type-only imports kept in the AST.
//
// Usage: tsx scripts/lint/boundary.ts [root]   → exit 0, or 1 with one line per violation.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseAst } from 'rolldown/parseAst';

export interface Rule {
  name: string;
  /** Importing file, path relative to the root (posix). */
  from: RegExp;
  /** Imported file, path relative to the root (posix). */
  to: RegExp;
  why: string;
}

export const RULES: readonly Rule[] = [
  { name: 'app-not-to-engine', from: /^src\/app\//, to: /^(src\/engine|workers)\//, why: 'the app reaches the engine only through the worker protocol (src/protocol) and pure code in src/shared' },
  { name: 'protocol-only-protocol-and-shared', from: /^src\/protocol\//, to: /^(src\/app|src\/engine|workers)\//, why: 'src/protocol names only its own files and src/shared' },
  { name: 'shared-is-a-leaf', from: /^src\/shared\//, to: /^(src\/app|src\/engine|src\/protocol|workers)\//, why: 'src/shared is pure code both sides use and imports nothing of ours outside itself' },
  { name: 'engine-not-to-app', from: /^(src\/engine|workers)\//, to: /^src\/app\//, why: 'the engine runs in workers and Node and must not depend on the UI' },
];

/** Files under src/protocol may declare types and constants only. */
export const PROTOCOL_RULE = 'protocol-types-and-constants';

export interface Violation {
  rule: string;
  file: string;
  line: number;
  detail: string;
}

export interface ImportRef {
  specifier: string;
  line: number;
}

type Node = { type: string; start: number; [k: string]: unknown };
const isNode = (v: unknown): v is Node => !!v && typeof v === 'object' && typeof (v as Node).type === 'string';
const SOURCE_RE = /\.(ts|tsx|mts|cts)$/;

function parse(file: string, text: string): Node {
  return parseAst(text, { lang: file.endsWith('.tsx') ? 'tsx' : 'ts' }, file) as unknown as Node;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

const literal = (n: unknown): string | null => (isNode(n) && n.type === 'Literal' && typeof n.value === 'string' ? n.value : null);

/** Every module specifier a file names: import/export … from, import(), import('…').T types, import x = require(). */
export function importsOf(file: string, text: string): ImportRef[] {
  const out: ImportRef[] = [];
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(visit);
    if (!isNode(n)) return;
    let spec: string | null = null;
    if (n.type === 'ImportDeclaration' || n.type === 'ExportAllDeclaration' || n.type === 'ExportNamedDeclaration' || n.type === 'ImportExpression') spec = literal(n.source);
    else if (n.type === 'TSImportType') spec = literal(n.source) ?? literal((n.argument as Node | undefined)?.literal) ?? literal(n.argument);
    else if (n.type === 'TSExternalModuleReference') spec = literal(n.expression);
    if (spec !== null) out.push({ specifier: spec, line: lineOf(text, n.start) });
    for (const [k, v] of Object.entries(n)) if (k !== 'type' && v && typeof v === 'object') visit(v);
  };
  visit(parse(file, text));
  return out;
}

/** Runtime code in a protocol file: anything but imports/exports of types, type declarations and literal constants. */
export function protocolRuntime(file: string, text: string): { line: number; what: string }[] {
  const out: { line: number; what: string }[] = [];
  const flag = (n: Node, what: string): void => void out.push({ line: lineOf(text, n.start), what });
  const hasCode = (n: unknown): Node | null => {
    if (Array.isArray(n)) return n.map(hasCode).find(Boolean) ?? null;
    if (!isNode(n)) return null;
    if (/Function|Class|Call|New|Await|Yield|Assignment|Update|TaggedTemplate|ImportExpression/.test(n.type)) return n;
    for (const [k, v] of Object.entries(n)) if (k !== 'type' && v && typeof v === 'object') { const hit = hasCode(v); if (hit) return hit; }
    return null;
  };
  const statement = (n: Node): void => {
    switch (n.type) {
      case 'TSInterfaceDeclaration':
      case 'TSTypeAliasDeclaration':
        return;
      case 'ImportDeclaration': {
        const specs = (n.specifiers as Node[]) ?? [];
        if (n.importKind !== 'type' && (specs.length === 0 || specs.some((s) => s.importKind !== 'type'))) flag(n, `a value import from '${literal(n.source)}'`);
        return;
      }
      case 'ExportAllDeclaration':
        if (n.exportKind !== 'type') flag(n, `a value re-export of '${literal(n.source)}'`);
        return;
      case 'ExportNamedDeclaration': {
        if (n.declaration) return statement(n.declaration as Node);
        const specs = (n.specifiers as Node[]) ?? [];
        if (n.exportKind !== 'type' && specs.some((s) => s.exportKind !== 'type')) flag(n, 'a value export');
        return;
      }
      case 'VariableDeclaration': {
        if (n.kind !== 'const') return flag(n, `a '${String(n.kind)}' variable`);
        const code = hasCode(n.declarations);
        if (code) flag(code, `code in a constant (${code.type})`);
        return;
      }
      default:
        flag(n, n.type);
    }
  };
  for (const s of (parse(file, text).body as Node[]) ?? []) statement(s);
  return out;
}

function sourceFiles(root: string, dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(join(root, dir), { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const rel = posix.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sourceFiles(root, rel);
    return SOURCE_RE.test(e.name) && !e.name.endsWith('.d.ts') ? [rel] : [];
  });
}

/** Root-relative posix path an import points at, or null for a package import. */
function target(root: string, from: string, spec: string): string | null {
  if (spec.startsWith('/')) return spec.slice(1); // Vite root-relative
  if (!spec.startsWith('.')) return null;
  return relative(root, resolve(root, dirname(from), spec)).split(sep).join('/');
}

export function checkTree(root: string, dirs: readonly string[] = ['src', 'workers']): { files: number; imports: number; violations: Violation[] } {
  const violations: Violation[] = [];
  let imports = 0;
  const files = dirs.flatMap((d) => sourceFiles(root, d));
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const ref of importsOf(file, text)) {
      imports++;
      const to = target(root, file, ref.specifier);
      if (to === null) continue;
      for (const r of RULES) {
        if (r.from.test(file) && r.to.test(to)) violations.push({ rule: r.name, file, line: ref.line, detail: `imports '${ref.specifier}' (${to}): ${r.why}` });
      }
    }
    if (file.startsWith('src/protocol/') && !/\.test\.tsx?$/.test(file)) {
      for (const v of protocolRuntime(file, text)) violations.push({ rule: PROTOCOL_RULE, file, line: v.line, detail: `${v.what}: src/protocol holds types and documented constants only` });
    }
  }
  return { files: files.length, imports, violations };
}

export function formatViolation(v: Violation): string {
  return `${v.file}:${v.line}: [${v.rule}] ${v.detail}`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = resolve(process.argv[2] ?? '.');
  const r = checkTree(root);
  for (const v of r.violations) console.error(formatViolation(v));
  console.log(`boundary: ${r.files} files, ${r.imports} imports, ${r.violations.length} violation(s)`);
  process.exitCode = r.violations.length ? 1 : 0;
}
