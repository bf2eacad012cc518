/**
 * Real-input radix-2 FFT, shared by the VAD and the voiceprint.
 *
 * An n-point real transform is computed as one n/2-point complex FFT of the even/odd samples packed
 * as z[j] = x[2j] + i·x[2j+1], followed by the standard split step that separates the two
 * half-length spectra (Brigham, "The Fast Fourier Transform and Its Applications", 1988, §9.3;
 * also Numerical Recipes §12.3). The complex FFT is the iterative Cooley–Tukey decimation-in-time
 * form with a precomputed bit-reversal table and twiddles, so a `RealFft` instance is built once per
 * size and reused for every frame without allocating.
 *
 * Arithmetic is in float64 (JS numbers): the results are only ever consumed as float32 or as
 * log-energies, so the extra precision is free headroom rather than a cost.
 *
 * Hot loops read typed arrays through `as number`: every index is in range by construction, and the
 * cast avoids a per-element `undefined` check that `noUncheckedIndexedAccess` would otherwise force.
 */

import { CvkError } from "@cvk/core";

export class RealFft {
  /** Transform size n (a power of two, ≥ 2). */
  readonly size: number;
  /** Number of output bins, n/2 + 1 (DC through Nyquist). */
  readonly bins: number;
  private readonly half: number;
  private readonly bitReverse: Uint32Array;
  /** cos/sin(2πk/(n/2)) for k < n/4: twiddles of the half-size complex FFT. */
  private readonly cosHalf: Float64Array;
  private readonly sinHalf: Float64Array;
  /** cos/sin(2πk/n) for k ≤ n/2: twiddles of the split step. */
  private readonly cosFull: Float64Array;
  private readonly sinFull: Float64Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly outRe: Float64Array;
  private readonly outIm: Float64Array;

  constructor(n: number) {
    if (!Number.isInteger(n) || n < 2 || (n & (n - 1)) !== 0 || n > 1 << 24) {
      throw new CvkError("INTERNAL", `FFT size must be a power of two between 2 and 2^24, got ${n}.`);
    }
    this.size = n;
    this.bins = n / 2 + 1;
    const half = n / 2;
    this.half = half;
    const bits = Math.round(Math.log2(half));
    this.bitReverse = new Uint32Array(half);
    for (let i = 0; i < half; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >>> b) & 1) << (bits - 1 - b);
      this.bitReverse[i] = r;
    }
    const quarter = Math.max(1, half / 2);
    this.cosHalf = new Float64Array(quarter);
    this.sinHalf = new Float64Array(quarter);
    for (let k = 0; k < quarter; k++) {
      this.cosHalf[k] = Math.cos((2 * Math.PI * k) / half);
      this.sinHalf[k] = Math.sin((2 * Math.PI * k) / half);
    }
    this.cosFull = new Float64Array(half + 1);
    this.sinFull = new Float64Array(half + 1);
    for (let k = 0; k <= half; k++) {
      this.cosFull[k] = Math.cos((2 * Math.PI * k) / n);
      this.sinFull[k] = Math.sin((2 * Math.PI * k) / n);
    }
    this.re = new Float64Array(half);
    this.im = new Float64Array(half);
    this.outRe = new Float64Array(half + 1);
    this.outIm = new Float64Array(half + 1);
  }

  /**
   * Forward DFT X[k] = Σ x[j]·e^(−2πijk/n) for k = 0..n/2. `input` may be shorter than n (it is
   * zero-padded) but not longer. `outRe`/`outIm` need at least n/2 + 1 elements.
   */
  transform(
    input: ArrayLike<number>,
    outRe: Float64Array | Float32Array,
    outIm: Float64Array | Float32Array,
  ): void {
    this.run(input);
    const bins = this.bins;
    if (outRe.length < bins || outIm.length < bins) {
      throw new CvkError("INTERNAL", `FFT output needs ${bins} bins.`);
    }
    const sr = this.outRe;
    const si = this.outIm;
    for (let k = 0; k < bins; k++) {
      outRe[k] = sr[k] as number;
      outIm[k] = si[k] as number;
    }
  }

  /** |X[k]|² for k = 0..n/2 into `out` (at least n/2 + 1 elements). Same input rules as `transform`. */
  powerSpectrum(input: ArrayLike<number>, out: Float32Array | Float64Array): void {
    this.run(input);
    const bins = this.bins;
    if (out.length < bins) throw new CvkError("INTERNAL", `FFT output needs ${bins} bins.`);
    const sr = this.outRe;
    const si = this.outIm;
    for (let k = 0; k < bins; k++) {
      const a = sr[k] as number;
      const b = si[k] as number;
      out[k] = a * a + b * b;
    }
  }

  /** Computes the half spectrum into this.outRe/outIm. */
  private run(input: ArrayLike<number>): void {
    const n = this.size;
    const half = this.half;
    const len = input.length;
    if (len > n) throw new CvkError("INTERNAL", `FFT input of ${len} samples exceeds size ${n}.`);
    const re = this.re;
    const im = this.im;
    const rev = this.bitReverse;
    // Pack even/odd samples into one complex sequence, writing straight into bit-reversed order.
    for (let j = 0; j < half; j++) {
      const t = rev[j] as number;
      const i0 = 2 * j;
      re[t] = i0 < len ? (input[i0] as number) : 0;
      im[t] = i0 + 1 < len ? (input[i0 + 1] as number) : 0;
    }
    // Iterative radix-2 butterflies on the n/2-point complex sequence.
    const cosH = this.cosHalf;
    const sinH = this.sinHalf;
    for (let size = 2; size <= half; size <<= 1) {
      const hs = size >>> 1;
      const step = half / size;
      for (let start = 0; start < half; start += size) {
        for (let j = 0; j < hs; j++) {
          const k = j * step;
          const wr = cosH[k] as number;
          const wi = -(sinH[k] as number);
          const a = start + j;
          const b = a + hs;
          const br = re[b] as number;
          const bi = im[b] as number;
          const tr = wr * br - wi * bi;
          const ti = wr * bi + wi * br;
          const ar = re[a] as number;
          const ai = im[a] as number;
          re[b] = ar - tr;
          im[b] = ai - ti;
          re[a] = ar + tr;
          im[a] = ai + ti;
        }
      }
    }
    // Split: X[k] = Fe[k] + W^k·Fo[k], Fe = (Z[k] + Z*[m−k])/2, Fo = (Z[k] − Z*[m−k])/(2i), W = e^(−2πi/n).
    const outRe = this.outRe;
    const outIm = this.outIm;
    const cosF = this.cosFull;
    const sinF = this.sinFull;
    for (let k = 0; k <= half; k++) {
      const ka = k === half ? 0 : k;
      const kb = k === 0 ? 0 : half - k;
      const ar = re[ka] as number;
      const ai = im[ka] as number;
      const br = re[kb] as number;
      const bi = im[kb] as number;
      const fer = 0.5 * (ar + br);
      const fei = 0.5 * (ai - bi);
      const forr = 0.5 * (ai + bi);
      const foi = -0.5 * (ar - br);
      const c = cosF[k] as number;
      const s = sinF[k] as number;
      outRe[k] = fer + c * forr + s * foi;
      outIm[k] = fei + c * foi - s * forr;
    }
  }
}

/** Smallest power of two ≥ n (and ≥ 2). */
export function nextPowerOfTwo(n: number): number {
  let p = 2;
  while (p < n) p <<= 1;
  return p;
}
