// `npx tsx scripts/evidence/render.ts [--from docs/evidence.json]`: rewrites EVIDENCE.md beside that
// evidence.json from the numbers in it with the current doc code (doc.ts) — no run, no browser. For a
// run that stopped part-way (its partial EVIDENCE.md was written by the code of its day) or after the
// document's wording changed. Links the hand-written analysis (NOTES_FILE) when it is beside the file,
// and quotes the model's recipe for the LVLM lr (recipe-why.ts). Exit 0 ok, 1 failed, 2 bad command line.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { REPO_ROOT } from '../headless-page.ts';
import { documentsFromJson, evidenceMarkdown, NOTES_FILE } from './doc.ts';
import { recipeLrWhy } from './recipe-why.ts';

function main(argv: string[]): void {
  let from = 'docs/evidence.json';
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--from' && argv[i + 1] && !argv[i + 1].startsWith('--')) from = argv[++i];
    else {
      console.error(`render: unknown argument ${argv[i]}\nusage: npx tsx scripts/evidence/render.ts [--from FILE.json]`);
      process.exit(2);
    }
  }
  const file = resolve(REPO_ROOT, from);
  const { run, meta } = documentsFromJson(JSON.parse(readFileSync(file, 'utf8')));
  const dir = dirname(file);
  const md = evidenceMarkdown(run, {
    ...meta,
    lrWhy: recipeLrWhy(resolve(REPO_ROOT, meta.args.model), meta.args.lr),
    notes: existsSync(join(dir, NOTES_FILE)) ? NOTES_FILE : undefined,
  });
  writeFileSync(join(dir, 'EVIDENCE.md'), md);
  console.log(`render: wrote ${join(dir, 'EVIDENCE.md')} from ${from} (${run.rows.length} (row, seed) runs${meta.partial ? ', partial' : ''})`);
}

try {
  main(process.argv.slice(2));
} catch (e) {
  console.error(`render: failed: ${(e as Error).message}`);
  process.exit(1);
}
