// Reads the golden decoder fixture written by scripts/python/golden_decoder.py (PyTorch,
// float64, stored F32) into host tensors shaped for Decoder<T>.
import { SafetensorsFile } from '../io/safetensors.ts';
import { bytesSource } from '../io/sources.ts';
import { LORA_MODULES, type Adapters, type DecoderBatch, type DecoderDims, type DecoderWeights, type LoraModule } from './types.ts';

export interface HostTensor {
  data: Float32Array;
  shape: number[];
}

export interface Golden {
  dims: DecoderDims;
  weights: DecoderWeights<HostTensor>;
  adapters: Adapters<HostTensor>;
  extra: HostTensor; // soft-prompt rows [2,H]
  batch: DecoderBatch;
  upstream: HostTensor; // dLoss/dNormed [N,H]
  expect: { ceLoss: number; normed: HostTensor; adapterGrads: Adapters<HostTensor>; dExtra: HostTensor; baseGrads: Map<string, Float32Array> };
}

export const GOLDEN_FORMAT = 'discern-golden-decoder';
export const GOLDEN_VERSION = '1';

export async function loadGolden(bytes: Uint8Array): Promise<Golden> {
  const f = await SafetensorsFile.open(bytesSource('decoder_golden.safetensors', bytes));
  if (f.metadata.format !== GOLDEN_FORMAT || f.metadata.version !== GOLDEN_VERSION) {
    throw new Error(`decoder_golden.safetensors: expected ${GOLDEN_FORMAT} v${GOLDEN_VERSION}, found ${f.metadata.format} v${f.metadata.version}`);
  }
  const t = async (name: string): Promise<HostTensor> => ({ data: await f.readF32(name), shape: f.info(name).shape });
  const dims = JSON.parse(f.metadata.dims) as DecoderDims;
  const loraMeta = JSON.parse(f.metadata.lora) as { rank: number; alpha: number; modules: LoraModule[] };
  const { batch: B, seqLen: T } = JSON.parse(f.metadata.batch) as { batch: number; seqLen: number };

  const layers = [];
  for (let l = 0; l < dims.layers; l++) {
    layers.push({
      inputNorm: await t(`w.L${l}.input_norm`), postNorm: await t(`w.L${l}.post_norm`),
      q: await t(`w.L${l}.q`), k: await t(`w.L${l}.k`), v: await t(`w.L${l}.v`), o: await t(`w.L${l}.o`),
      gate: await t(`w.L${l}.gate`), up: await t(`w.L${l}.up`), down: await t(`w.L${l}.down`),
    });
  }
  const adapters = async (prefix: string): Promise<Adapters<HostTensor>> => {
    const ls = [];
    for (let l = 0; l < dims.layers; l++) {
      const rec: Adapters<HostTensor>['layers'][number] = {};
      for (const m of LORA_MODULES) rec[m] = { A: await t(`${prefix}L${l}.${m}.A`), B: await t(`${prefix}L${l}.${m}.B`) };
      ls.push(rec);
    }
    return { rank: loraMeta.rank, alpha: loraMeta.alpha, modules: loraMeta.modules, layers: ls };
  };
  const ints = async (name: string) => Array.from(await f.readF32(name), Math.round);
  return {
    dims,
    weights: { embed: await t('w.embed'), layers, finalNorm: await t('w.final_norm'), lmHead: await t('w.lm_head') },
    adapters: await adapters('lora.'),
    extra: await t('extra'),
    batch: {
      batch: B, seqLen: T,
      ids: Uint32Array.from(await ints('in.ids')),
      positions: Uint32Array.from(await ints('in.positions')),
      keyMask: Uint32Array.from(await ints('in.key_mask')),
      srcIndex: Int32Array.from(await ints('in.src_index')),
      labels: Int32Array.from(await ints('in.labels')),
    },
    upstream: await t('in.upstream'),
    expect: {
      ceLoss: (await f.readF32('out.ce_loss'))[0],
      normed: await t('out.normed'),
      adapterGrads: await adapters('grad.lora.'),
      dExtra: await t('grad.extra'),
      baseGrads: new Map(await Promise.all(f.names().filter((n) => n.startsWith('grad.w.')).map(async (n) => [n.slice(7), await f.readF32(n)] as [string, Float32Array]))),
    },
  };
}
