// Pipeline cache keyed by kernel name + entry point + specialisation (override constants).
// Bind group layouts are explicit (never 'auto': auto layouts drop unused bindings and make
// one layout per pipeline), described by a list of binding kinds:
//   'uniform' — a params struct, 'read' — read-only storage, 'rw' — read-write storage.
// Binding i of the WGSL shader must be @group(0) @binding(i) with the matching kind.

export type BindingKind = 'uniform' | 'read' | 'rw';

export interface KernelSpec {
  /** Kernel name; labels every GPU object made for it, so validation errors name it. */
  name: string;
  /** WGSL source (import it with `?raw` from the kernel's .wgsl file). */
  code: string;
  entry?: string;
  /** Override constants; part of the cache key. */
  overrides?: Record<string, number>;
  layout: readonly BindingKind[];
}

interface CachedPipeline {
  pipeline: GPUComputePipeline;
  bindGroupLayout: GPUBindGroupLayout;
}

function overrideKey(o?: Record<string, number>): string {
  if (!o) return '';
  return Object.keys(o)
    .sort()
    .map((k) => `${k}=${o[k]}`)
    .join(',');
}

export class PipelineCache {
  private modules = new Map<string, GPUShaderModule>();
  private pipelines = new Map<string, CachedPipeline>();
  private layouts = new Map<string, GPUBindGroupLayout>();

  /** Compilation checks of new shader modules still running; the context awaits them at the
   * next sync so a WGSL error is reported with the kernel's name and line. */
  pendingChecks: Promise<void>[] = [];

  constructor(
    private readonly device: GPUDevice,
    private readonly onCompileError: (kernel: string, detail: string) => void = () => {},
  ) {}

  get size(): number {
    return this.pipelines.size;
  }

  get(spec: KernelSpec): CachedPipeline {
    const entry = spec.entry ?? 'main';
    const key = `${spec.name}:${entry}:${overrideKey(spec.overrides)}:${spec.layout.join(',')}`;
    const hit = this.pipelines.get(key);
    if (hit) return hit;

    let module = this.modules.get(spec.code);
    if (!module) {
      module = this.device.createShaderModule({ code: spec.code, label: spec.name });
      this.modules.set(spec.code, module);
      const m = module;
      this.pendingChecks.push(
        m.getCompilationInfo().then((info) => {
          const errors = info.messages.filter((x) => x.type === 'error');
          if (errors.length) {
            const lines = spec.code.split('\n');
            const detail = errors.map((x) => `line ${x.lineNum}:${x.linePos}: ${x.message}\n    ${lines[x.lineNum - 1]?.trim() ?? ''}`).join('\n');
            this.onCompileError(spec.name, detail);
          }
        }),
      );
    }
    const layoutKey = spec.layout.join(',');
    let bindGroupLayout = this.layouts.get(layoutKey);
    if (!bindGroupLayout) {
      bindGroupLayout = this.device.createBindGroupLayout({
        label: `layout(${layoutKey})`,
        entries: spec.layout.map((kind, binding) => ({
          binding,
          visibility: GPUShaderStage.COMPUTE,
          buffer: { type: kind === 'uniform' ? 'uniform' : kind === 'read' ? 'read-only-storage' : 'storage' },
        })),
      });
      this.layouts.set(layoutKey, bindGroupLayout);
    }
    const pipeline = this.device.createComputePipeline({
      label: `${spec.name}:${entry}${spec.overrides ? `{${overrideKey(spec.overrides)}}` : ''}`,
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [bindGroupLayout], label: spec.name }),
      compute: { module, entryPoint: entry, constants: spec.overrides },
    });
    const cached = { pipeline, bindGroupLayout };
    this.pipelines.set(key, cached);
    return cached;
  }
}
