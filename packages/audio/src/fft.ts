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
  /**
   * Twiddles of the half-size complex FFT, one contiguous run per butterfly stage: for the stage of
   * span s (8 ≤ s ≤ n/2), entries s/2 … s−1 hold cos/sin(2πj/s) for j < s/2. Reading them in order
   * (instead of every (n/2)/s-th entry of one table) keeps the inner loop on sequential loads.
   */
  private readonly cosStage: Float64Array;
  private readonly sinStage: Float64Array;
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
    this.cosStage = new Float64Array(Math.max(1, half));
    this.sinStage = new Float64Array(Math.max(1, half));
    for (let s = 8; s <= half; s <<= 1) {
      for (let j = 0; j < s / 2; j++) {
        this.cosStage[s / 2 + j] = Math.cos((2 * Math.PI * j) / s);
        this.sinStage[s / 2 + j] = Math.sin((2 * Math.PI * j) / s);
      }
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

  /**
   * Forward DFT of x[j] = src[offset + j·stride] for j < count (zero-padded to n; count ≤ n), left
   * in `spectrumRe`/`spectrumIm` (n/2 + 1 bins, valid until the next call). The strided read lets a
   * polyphase decimator transform one input phase without copying it out first.
   */
  forwardStrided(src: ArrayLike<number>, offset: number, stride: number, count: number): void {
    const half = this.half;
    if (count > this.size)
      throw new CvkError("INTERNAL", `FFT input of ${count} samples exceeds size ${this.size}.`);
    const re = this.re;
    const im = this.im;
    const rev = this.bitReverse;
    const pairs = count >>> 1;
    const step = 2 * stride;
    let at = offset;
    for (let j = 0; j < pairs; j++) {
      const t = rev[j] as number;
      re[t] = src[at] as number;
      im[t] = src[at + stride] as number;
      at += step;
    }
    let j = pairs;
    if (count & 1) {
      const t = rev[j] as number;
      re[t] = src[at] as number;
      im[t] = 0;
      j++;
    }
    for (; j < half; j++) {
      const t = rev[j] as number;
      re[t] = 0;
      im[t] = 0;
    }
    this.butterflies(-1);
    this.split();
  }

  /** Real part of the spectrum left by `forwardStrided` (n/2 + 1 bins). */
  get spectrumRe(): Float64Array {
    return this.outRe;
  }

  /** Imaginary part of the spectrum left by `forwardStrided` (n/2 + 1 bins). */
  get spectrumIm(): Float64Array {
    return this.outIm;
  }

  /**
   * Inverse DFT x[j] = (1/n)·Σ X[k]·e^(2πijk/n) of the Hermitian spectrum given by its half
   * `specRe`/`specIm` (n/2 + 1 bins; the imaginary parts of DC and Nyquist are ignored), writing
   * x[0 … count−1] to `out`. The split step of `transform` run backwards: Fe[k] = (X[k] + X*[n/2−k])/2
   * and Fo[k] = (X[k] − X*[n/2−k])·e^(2πik/n)/2 are the spectra of the even and odd samples, and one
   * n/2-point inverse complex FFT of Fe + i·Fo yields x[2j] + i·x[2j+1] (Brigham §9.3, inverted).
   */
  inverse(specRe: Float64Array, specIm: Float64Array, out: Float64Array | Float32Array, count: number): void {
    const half = this.half;
    if (count > this.size)
      throw new CvkError("INTERNAL", `FFT output of ${count} samples exceeds size ${this.size}.`);
    if (specRe.length <= half || specIm.length <= half) {
      throw new CvkError("INTERNAL", `Inverse FFT needs ${this.bins} bins.`);
    }
    const re = this.re;
    const im = this.im;
    const rev = this.bitReverse;
    const cosF = this.cosFull;
    const sinF = this.sinFull;
    // 1/2 from the split and 2/n from the half-size inverse transform.
    const scale = 1 / this.size;
    for (let k = 0; k < half; k++) {
      const xr = specRe[k] as number;
      const xi = k === 0 ? 0 : (specIm[k] as number);
      const yr = specRe[half - k] as number;
      const yi = k === 0 ? 0 : -(specIm[half - k] as number);
      const fer = xr + yr;
      const fei = xi + yi;
      const dr = xr - yr;
      const di = xi - yi;
      const c = cosF[k] as number;
      const s = sinF[k] as number;
      const forr = dr * c - di * s;
      const foi = dr * s + di * c;
      const t = rev[k] as number;
      re[t] = (fer - foi) * scale;
      im[t] = (fei + forr) * scale;
    }
    this.butterflies(1);
    const pairs = count >>> 1;
    for (let j = 0; j < pairs; j++) {
      out[2 * j] = re[j] as number;
      out[2 * j + 1] = im[j] as number;
    }
    if (count & 1) out[count - 1] = re[pairs] as number;
  }

  /** Computes the half spectrum into this.outRe/outIm. */
  private run(input: ArrayLike<number>): void {
    const len = input.length;
    if (len > this.size)
      throw new CvkError("INTERNAL", `FFT input of ${len} samples exceeds size ${this.size}.`);
    this.forwardStrided(input, 0, 1, len);
  }

  /**
   * In-place iterative radix-2 decimation-in-time FFT of the n/2-point complex sequence re + i·im,
   * which must already be in bit-reversed order; `sign` −1 is the forward transform, +1 the
   * (unscaled) inverse. The first two stages have trivial twiddles (1 and ∓i) and run as one
   * radix-4 pass without multiplies.
   */
  private butterflies(sign: number): void {
    const m = this.half;
    const re = this.re;
    const im = this.im;
    if (m >= 4) {
      for (let i = 0; i < m; i += 4) {
        const r0 = re[i] as number;
        const i0 = im[i] as number;
        const r1 = re[i + 1] as number;
        const i1 = im[i + 1] as number;
        const r2 = re[i + 2] as number;
        const i2 = im[i + 2] as number;
        const r3 = re[i + 3] as number;
        const i3 = im[i + 3] as number;
        // Span-2 butterflies.
        const ar = r0 + r1;
        const ai = i0 + i1;
        const br = r0 - r1;
        const bi = i0 - i1;
        const cr = r2 + r3;
        const ci = i2 + i3;
        const dr = r2 - r3;
        const di = i2 - i3;
        // Span-4 butterflies: twiddle 1 for (a, c), e^(sign·iπ/2) = sign·i for (b, d).
        const tr = -sign * di;
        const ti = sign * dr;
        re[i] = ar + cr;
        im[i] = ai + ci;
        re[i + 2] = ar - cr;
        im[i + 2] = ai - ci;
        re[i + 1] = br + tr;
        im[i + 1] = bi + ti;
        re[i + 3] = br - tr;
        im[i + 3] = bi - ti;
      }
    } else if (m === 2) {
      const r0 = re[0] as number;
      const i0 = im[0] as number;
      const r1 = re[1] as number;
      const i1 = im[1] as number;
      re[0] = r0 + r1;
      im[0] = i0 + i1;
      re[1] = r0 - r1;
      im[1] = i0 - i1;
    }
    const cosT = this.cosStage;
    const sinT = this.sinStage;
    let h = 4;
    // With an odd number of remaining stages, one plain radix-2 stage (half-span 4) goes first.
    if (m >= 8 && (Math.log2(m) & 1) === 1) {
      for (let start = 0; start < m; start += 8) {
        for (let j = 0; j < 4; j++) {
          const wr = cosT[4 + j] as number;
          const wi = sign * (sinT[4 + j] as number);
          const a = start + j;
          const b = a + 4;
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
      h = 8;
    }
    // The rest two stages per pass (radix-2², Oppenheim & Schafer §9.3 butterflies applied twice):
    // half-spans h and 2h on x0..x3 = a, a+h, a+2h, a+3h with w1 = W_2h^j, w2 = W_4h^j, and
    // W_4h^(j+h) = w2·(sign·i). Same arithmetic as two radix-2 stages, half the loads and stores.
    for (; 4 * h <= m; h <<= 2) {
      const q = 4 * h;
      for (let start = 0; start < m; start += q) {
        for (let j = 0; j < h; j++) {
          const w1r = cosT[h + j] as number;
          const w1i = sign * (sinT[h + j] as number);
          const w2r = cosT[2 * h + j] as number;
          const w2i = sign * (sinT[2 * h + j] as number);
          const i0 = start + j;
          const i1 = i0 + h;
          const i2 = i1 + h;
          const i3 = i2 + h;
          const x0r = re[i0] as number;
          const x0i = im[i0] as number;
          const x1r = re[i1] as number;
          const x1i = im[i1] as number;
          const x2r = re[i2] as number;
          const x2i = im[i2] as number;
          const x3r = re[i3] as number;
          const x3i = im[i3] as number;
          const t1r = w1r * x1r - w1i * x1i;
          const t1i = w1r * x1i + w1i * x1r;
          const t3r = w1r * x3r - w1i * x3i;
          const t3i = w1r * x3i + w1i * x3r;
          const a0r = x0r + t1r;
          const a0i = x0i + t1i;
          const a1r = x0r - t1r;
          const a1i = x0i - t1i;
          const a2r = x2r + t3r;
          const a2i = x2i + t3i;
          const a3r = x2r - t3r;
          const a3i = x2i - t3i;
          const u2r = w2r * a2r - w2i * a2i;
          const u2i = w2r * a2i + w2i * a2r;
          const v3r = w2r * a3r - w2i * a3i;
          const v3i = w2r * a3i + w2i * a3r;
          // (sign·i)·v3
          const u3r = -sign * v3i;
          const u3i = sign * v3r;
          re[i0] = a0r + u2r;
          im[i0] = a0i + u2i;
          re[i2] = a0r - u2r;
          im[i2] = a0i - u2i;
          re[i1] = a1r + u3r;
          im[i1] = a1i + u3i;
          re[i3] = a1r - u3r;
          im[i3] = a1i - u3i;
        }
      }
    }
  }

  /** Split: X[k] = Fe[k] + W^k·Fo[k], Fe = (Z[k] + Z*[m−k])/2, Fo = (Z[k] − Z*[m−k])/(2i), W = e^(−2πi/n). */
  private split(): void {
    const half = this.half;
    const re = this.re;
    const im = this.im;
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
