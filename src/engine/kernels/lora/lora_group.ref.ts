// CPU reference of the grouped LoRA launchers (lora_group.ts), plain loops, f32 or f64:
//   U_g = x·A_gᵀ            x [N,K], A_g [r,K], U_g [N,r]
//   dA_g += s·G_gᵀ·x        G_g [N,r], dA_g [r,K]
//   G_z = dy_z·B_z          dy_z [N,O], B_z [O,r]          (loraGPair)
//   dB_z += s·dy_zᵀ·u_z     u_z [N,r], dB_z [O,r]          (loraDBPair)
import type { Vec } from './lora.ref.ts';

export function loraUGroupRef(us: Vec[], x: Vec, As: Vec[], d: { N: number; K: number; r: number }): void {
  const { N, K, r } = d;
  As.forEach((A, g) => {
    for (let n = 0; n < N; n++) {
      for (let j = 0; j < r; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += x[n * K + k] * A[j * K + k];
        us[g][n * r + j] = s;
      }
    }
  });
}

export function loraDAGroupRef(dAs: Vec[], gs: Vec[], x: Vec, scale: number, d: { N: number; K: number; r: number }): void {
  const { N, K, r } = d;
  dAs.forEach((dA, g) => {
    for (let j = 0; j < r; j++) {
      for (let k = 0; k < K; k++) {
        let s = 0;
        for (let n = 0; n < N; n++) s += gs[g][n * r + j] * x[n * K + k];
        dA[j * K + k] += scale * s;
      }
    }
  });
}

export function loraGPairRef(gs: Vec[], dys: Vec[], Bs: Vec[], d: { N: number; O: number; r: number }): void {
  const { N, O, r } = d;
  dys.forEach((dy, z) => {
    for (let n = 0; n < N; n++) {
      for (let j = 0; j < r; j++) {
        let s = 0;
        for (let o = 0; o < O; o++) s += dy[n * O + o] * Bs[z][o * r + j];
        gs[z][n * r + j] = s;
      }
    }
  });
}

export function loraDBPairRef(dBs: Vec[], dys: Vec[], us: Vec[], scale: number, d: { N: number; O: number; r: number }): void {
  const { N, O, r } = d;
  dys.forEach((dy, z) => {
    for (let o = 0; o < O; o++) {
      for (let j = 0; j < r; j++) {
        let s = 0;
        for (let n = 0; n < N; n++) s += dy[n * O + o] * us[z][n * r + j];
        dBs[z][o * r + j] += scale * s;
      }
    }
  });
}
