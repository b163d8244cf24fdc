// esbuild bundle of a Node entry of the engine (the benchmarks on Dawn): one ESM file.
// The WGSL is the same source the browser build uses — the kernels' `import code from
// './x.wgsl?raw'` — loaded by the plugin below as a string, exactly what Vite's `?raw` does;
// `?url` assets (onnxruntime-web's wasm) are copied next to the bundle and referenced
// relative to it (new URL('./file', import.meta.url)), so the output folder can move.
//
//   await bundleNode({ entry, outfile });   // → { outfile, assets: [paths copied] }
import { copyFile, mkdir, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { build, type Plugin } from 'esbuild';

const require = createRequire(import.meta.url);

export interface NodeBundle {
  outfile: string;
  assets: string[];
  bytes: number;
}

function rawAndUrlPlugin(outdir: string, assets: string[]): Plugin {
  return {
    name: 'discern-raw-url',
    setup(b) {
      b.onResolve({ filter: /\?(raw|url)$/ }, (args) => {
        const [spec, kind] = args.path.split('?');
        const path = spec.startsWith('.') ? resolve(args.resolveDir, spec) : require.resolve(spec, { paths: [args.resolveDir] });
        return { path, namespace: `discern-${kind}` };
      });
      b.onLoad({ filter: /.*/, namespace: 'discern-raw' }, async (args) => ({
        contents: `export default ${JSON.stringify(await readFile(args.path, 'utf8'))};`,
        loader: 'js',
        watchFiles: [args.path],
      }));
      b.onLoad({ filter: /.*/, namespace: 'discern-url' }, async (args) => {
        const name = basename(args.path);
        await copyFile(args.path, resolve(outdir, name));
        assets.push(resolve(outdir, name));
        return { contents: `export default new URL(${JSON.stringify('./' + name)}, import.meta.url).href;`, loader: 'js' };
      });
      // onnxruntime-web's "node" export is a thin wrapper that imports its wasm glue from its
      // own dist/ at run time (gone once bundled); its browser bundle embeds the glue (JSEP:
      // wasm and WebGPU EPs) and runs in Node too.
      b.onResolve({ filter: /^onnxruntime-web$/ }, () => ({ path: join(dirname(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm')), 'ort.bundle.min.mjs') }));
    },
  };
}

export async function bundleNode(opts: { entry: string; outfile: string; minify?: boolean }): Promise<NodeBundle> {
  const outdir = dirname(opts.outfile);
  await mkdir(outdir, { recursive: true });
  const assets: string[] = [];
  await build({
    entryPoints: [opts.entry],
    outfile: opts.outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: opts.minify ?? false,
    sourcemap: false,
    logLevel: 'warning',
    legalComments: 'none',
    plugins: [rawAndUrlPlugin(outdir, assets)],
    // CommonJS dependencies bundled into ESM call require(); give them one.
    banner: { js: "import { createRequire as __discernCreateRequire } from 'node:module'; const require = __discernCreateRequire(import.meta.url);" },
  });
  return { outfile: opts.outfile, assets, bytes: (await stat(opts.outfile)).size };
}
