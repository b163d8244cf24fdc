#!/usr/bin/env node
// `npx discern train|embed|eval …` — registers tsx's loader in this process and runs the
// TypeScript CLI (scripts/cli/main.ts). Exit codes: see `discern --help`.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../scripts/cli/main.ts');
process.exit(await runCli(process.argv.slice(2)));
