// Command line of `discern` (pure; unit-tested in cli.test.ts). Exit codes live here so the
// help text and the code cannot drift apart.

export const EXIT = { ok: 0, failed: 1, usage: 2, badInput: 3, noGpu: 4, diverged: 5, stopped: 6 } as const;

export const USAGE = `usage: discern <command> [options]

Discriminative fine-tuning (VladVA) of a SmolVLM-family model, on WebGPU in headless Chromium.

commands:
  train   --out DIR [--model DIR|URL] [--data FILE|synthetic] [--steps N] [--batch B]
          [--chunk C] [--lr X] [--seed S] [--count N] [--config FILE.json] [--run ID]
          Writes DIR/adapter_config.json, DIR/adapter_model.safetensors,
          DIR/soft_prompts.safetensors (PEFT layout) and DIR/metrics.jsonl (one JSON line
          per step). --data synthetic (default) renders --count seeded scenes (default
          max(32, 4·batch)); a FILE is captions .jsonl/.csv/COCO .json whose image paths
          are relative to the file's folder. --config merges training settings
          (src/engine/train/trainer/config.ts field names) under the flags.
          SIGINT/SIGTERM/SIGHUP (or the parent process, e.g. npx, vanishing) stop the run
          after its current step: DIR gets the PEFT files of the last completed step,
          DIR/run.json and DIR/resume-profile/ (the browser profile holding the checkpoint),
          and the exit code is 6.
  train   --resume DIR
          Continues a run stopped by a signal from its checkpoint, with the same settings;
          the losses are those of an uninterrupted run. metrics.jsonl is appended to.
  embed   --out FILE.npy [--model DIR|URL] [--adapter DIR] [--images DIR|FILE...] [--texts FILE]
          L2-normalised embeddings as float32 .npy [n, H]. --texts: one text per line.
          With both --images and --texts: FILE.images.npy and FILE.texts.npy, plus
          FILE.json naming the rows in order.
  eval    [--model DIR|URL] [--adapter DIR] [--count N] [--seed S] [--out FILE.json]
          Retrieval R@1/5/10 both ways, SugarCrepe categories and Winoground scores on the
          synthetic test split (--count test scenes, default 32; seed default 7).

--model defaults to the bundled pretrained tiny model (public/models/discern-tiny-v2/).

exit codes:
  0  ok
  1  failure (browser, server or an engine error)
  2  usage: bad command line
  3  bad input: a file is missing or unusable (the message names the file and line)
  4  GPU unavailable: no WebGPU adapter in headless Chromium
  5  training diverged (NaN/Inf loss; the last good checkpoint is kept)
  6  stopped by a signal (SIGINT/SIGTERM/SIGHUP): the last completed step is exported and
     \`discern train --resume DIR\` continues it
`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface TrainArgs {
  command: 'train';
  model: string | null;
  data: string; // 'synthetic' or a path
  steps: number;
  batch: number;
  chunk: number | null;
  lr: number | null;
  seed: number;
  count: number | null;
  config: string | null;
  run: string | null;
  out: string;
}

/** `train --resume DIR`: the rest comes from DIR/run.json. */
export interface ResumeArgs {
  command: 'resume';
  dir: string;
}

export interface EmbedArgs {
  command: 'embed';
  model: string | null;
  adapter: string | null;
  images: string[];
  texts: string | null;
  out: string;
}

export interface EvalArgs {
  command: 'eval';
  model: string | null;
  adapter: string | null;
  count: number;
  seed: number;
  out: string | null;
}

export type CliArgs = TrainArgs | ResumeArgs | EmbedArgs | EvalArgs | { command: 'help' };

const FLAGS: Record<string, readonly string[]> = {
  train: ['--model', '--data', '--steps', '--batch', '--chunk', '--lr', '--seed', '--count', '--config', '--run', '--out'],
  embed: ['--model', '--adapter', '--images', '--texts', '--out'],
  eval: ['--model', '--adapter', '--count', '--seed', '--out'],
};

function int(flag: string, v: string | undefined, min: number): number {
  const n = Number(v);
  if (v === undefined || !Number.isInteger(n) || n < min) throw new UsageError(`${flag} needs an integer ≥ ${min}, got ${v ?? 'nothing'}`);
  return n;
}

function num(flag: string, v: string | undefined): number {
  const n = Number(v);
  if (v === undefined || v.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} needs a positive number, got ${v ?? 'nothing'}`);
  return n;
}

/** No command at all is a usage error (exit 2, usage on stderr); --help/help is not. */
export function parseArgs(argv: readonly string[]): CliArgs {
  const [command, ...rest] = argv;
  if (!command) throw new UsageError('no command given');
  if (command === '--help' || command === '-h' || command === 'help') return { command: 'help' };
  if (command === 'train' && rest[0] === '--resume') {
    if (rest.length !== 2 || rest[1].startsWith('--')) throw new UsageError('train --resume takes exactly one folder and no other option (the settings come from DIR/run.json)');
    return { command: 'resume', dir: rest[1] };
  }
  const known = FLAGS[command];
  if (!known) throw new UsageError(`unknown command "${command}" (known: train, embed, eval)`);
  const vals = new Map<string, string[]>();
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '--help' || a === '-h') return { command: 'help' };
    if (!a.startsWith('--')) throw new UsageError(`unexpected argument "${a}" (options start with --)`);
    if (!known.includes(a)) throw new UsageError(`${command}: unknown option ${a} (known: ${known.join(' ')})`);
    const list: string[] = [];
    // --images takes every value up to the next option; the others exactly one.
    while (i + 1 < rest.length && !rest[i + 1].startsWith('--') && (a === '--images' || list.length === 0)) list.push(rest[++i]);
    if (list.length === 0) throw new UsageError(`${a} needs a value`);
    if (vals.has(a) && a !== '--images') throw new UsageError(`${a} given twice`);
    vals.set(a, [...(vals.get(a) ?? []), ...list]);
  }
  const one = (f: string) => vals.get(f)?.[0];
  const need = (f: string) => {
    const v = one(f);
    if (v === undefined) throw new UsageError(`${command} needs ${f}`);
    return v;
  };
  if (command === 'train') {
    const batch = one('--batch') === undefined ? 8 : int('--batch', one('--batch'), 2);
    const chunk = one('--chunk') === undefined ? null : int('--chunk', one('--chunk'), 1);
    if (chunk !== null && chunk > batch) throw new UsageError(`--chunk ${chunk} is larger than --batch ${batch}`);
    return {
      command, model: one('--model') ?? null, data: one('--data') ?? 'synthetic',
      steps: one('--steps') === undefined ? 10 : int('--steps', one('--steps'), 1), batch, chunk,
      lr: one('--lr') === undefined ? null : num('--lr', one('--lr')),
      seed: one('--seed') === undefined ? 0 : int('--seed', one('--seed'), 0),
      count: one('--count') === undefined ? null : int('--count', one('--count'), 2),
      config: one('--config') ?? null, run: one('--run') ?? null, out: need('--out'),
    };
  }
  if (command === 'embed') {
    const images = vals.get('--images') ?? [];
    const texts = one('--texts') ?? null;
    if (images.length === 0 && texts === null) throw new UsageError('embed needs --images and/or --texts');
    return { command, model: one('--model') ?? null, adapter: one('--adapter') ?? null, images, texts, out: need('--out') };
  }
  return {
    command: 'eval', model: one('--model') ?? null, adapter: one('--adapter') ?? null,
    count: one('--count') === undefined ? 32 : int('--count', one('--count'), 2),
    seed: one('--seed') === undefined ? 7 : int('--seed', one('--seed'), 0), out: one('--out') ?? null,
  };
}
