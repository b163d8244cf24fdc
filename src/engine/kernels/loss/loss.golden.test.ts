// Independent oracle: the CPU references of l2norm, InfoNCE and cross-entropy against PyTorch
// (loss.golden.json, float64 autograd, written by loss_golden.py with Debian's torch 1.13).
// Catches definition slips a reference and its finite differences would share (mean vs sum,
// the ½ of the symmetric loss, the sign of dLogTau, ignore_index handling).
import { describe, test } from 'vitest';
import { expectClose } from '../../testing/compare.ts';
import { crossEntropyBackwardRef, crossEntropyForwardRef } from './cross_entropy.ref.ts';
import { infoNceBackwardRef, infoNceForwardRef } from './infonce.ref.ts';
import { l2NormalizeBackwardRef, l2NormalizeForwardRef } from './l2norm.ref.ts';
import g from './loss.golden.json';

const tol = { atol: 1e-12, rtol: 1e-10 };
const F = (a: number[]) => Float64Array.from(a);

describe('loss references vs PyTorch', () => {
  test('l2 normalise = F.normalize', () => {
    const { n, d } = g.l2norm;
    const y = new Float64Array(n * d);
    const norm = new Float64Array(n);
    l2NormalizeForwardRef(y, norm, F(g.l2norm.x), { n, d });
    const dx = new Float64Array(n * d);
    l2NormalizeBackwardRef(dx, F(g.l2norm.up), y, norm, { n, d });
    expectClose(y, g.l2norm.y, 'y', tol);
    expectClose(dx, g.l2norm.dx, 'dx', tol);
  });

  test('InfoNCE = ½(CE(z) + CE(zᵀ)), z = img·txtᵀ/exp(logTau), with dLogTau', () => {
    const c = g.infonce;
    const dims = { n: c.n, d: c.d, logTau: c.logTau };
    const loss = new Float64Array(1);
    const probs = new Float64Array(2 * c.n * c.n);
    infoNceForwardRef(loss, probs, F(c.img), F(c.txt), dims);
    const grads = { dImg: new Float64Array(c.n * c.d), dTxt: new Float64Array(c.n * c.d), dLogTau: new Float64Array(1) };
    infoNceBackwardRef(grads, c.dLoss, F(c.img), F(c.txt), probs, dims);
    expectClose(loss, [c.loss], 'loss', tol);
    expectClose(grads.dImg, c.dImg, 'dImg', tol);
    expectClose(grads.dTxt, c.dTxt, 'dTxt', tol);
    expectClose(grads.dLogTau, [c.dLogTau], 'dLogTau', tol);
  });

  test('cross-entropy = F.cross_entropy(h·Wᵀ, labels, ignore_index=-100)', () => {
    const c = g.cross_entropy;
    const dims = { n: c.n, hidden: c.hidden, vocab: c.vocab };
    const labels = Int32Array.from(c.labels);
    const loss = new Float64Array(1);
    const lse = new Float64Array(c.n);
    crossEntropyForwardRef(loss, lse, F(c.h), F(c.W), labels, dims);
    const dh = new Float64Array(c.n * c.hidden);
    const dW = new Float64Array(c.vocab * c.hidden);
    crossEntropyBackwardRef({ dh, dW }, c.dLoss, F(c.h), F(c.W), labels, lse, dims);
    expectClose(loss, [c.loss], 'loss', tol);
    expectClose(lse, c.lse, 'lse', tol);
    expectClose(dh, c.dh, 'dh', tol);
    expectClose(dW, c.dW, 'dW', tol);
  });
});
