/**
 * Sample-rate conversion: a polyphase windowed-sinc rational resampler (Crochiere & Rabiner,
 * "Multirate Digital Signal Processing", 1983, ch. 4) for any pair of integer rates.
 *
 * Design
 * - The ratio out/in is reduced by the gcd to L/M (16000→8000 is 1/2, 44100→8000 is 80/441).
 *   Conceptually the input is zero-stuffed by L, low-pass filtered at the prototype rate L·in and
 *   decimated by M; the polyphase form evaluates only the products that survive, so each output
 *   costs one dot product of ⌈N/L⌉ taps, and for integer decimation (L = 1) the filter is a plain
 *   dot product over contiguous input.
 * - The prototype is an ideal low-pass (sinc) times a Kaiser window, sized with Kaiser's formulae
 *   (J. F. Kaiser, "Nonrecursive digital filter design using the I0-sinh window function", 1974;
 *   Oppenheim & Schafer, "Discrete-Time Signal Processing", 3rd ed., §7.5.3):
 *     β = 0.1102·(A − 8.7)                (A > 50 dB)
 *     N − 1 = (A − 8) / (2.285·Δω)         Δω = transition width in radians/sample at L·in.
 *   A Kaiser design has (nearly) equal ripple δ = 10^(−A/20) in both bands, so a design for
 *   stop-band attenuation A also bounds the pass-band ripple to 20·log10(1 + δ) dB.
 * - Band edges, as fractions of min(in, out): "high" passes to 0.4575 (3.66 kHz at 8 kHz out, flat
 *   within ±0.0005 dB) and is −3 dB at 0.475 (3.8 kHz), the "95 % bandwidth" of sox `rate -v`
 *   (measured: sox −v is −2.95 dB at 3.8 kHz, this design −3.09 dB), so 16 kHz → 8 kHz speech
 *   matches sox −v to ~50 dB SNR; stop band from 0.5 (the output Nyquist), so nothing at or above
 *   4 kHz aliases into 0–4 kHz. "high" designs for A = 90 dB (measured ≥ 90 dB from 4 kHz up at
 *   16/44.1/48 kHz → 8 kHz), "fast" keeps the older 0.425 pass edge (3.4 kHz, ±0.012 dB) with
 *   A = 65 dB (measured ≥ 64 dB): fewer taps for the VAD and the synthesiser, which need no more.
 * - Integer decimation stages with long filters (the 2:1 stage of 16 kHz → 8 kHz and of every
 *   two-stage conversion) run as FFT block convolution (overlap-save) per polyphase branch, ~5× fewer
 *   operations than the direct dot product for the "high" filter; blocks are aligned to the stream
 *   start, so output is still independent of chunking. Short filters and rational L/M stages keep
 *   the direct form (see `chooseFftSize`). The FFT path emits whole blocks (a few hundred outputs),
 *   so streaming output can trail the input by up to one block beyond `latencyFrames`.
 * - Large downsampling ratios (in > 2·out) run in two stages, in → 2·out → out. The first stage
 *   only has to keep 0–out/2 alias-free, so its stop band starts at 2·out − out/2 = 1.5·out and its
 *   filter is short; the sharp filter then runs at 2·out instead of at the input rate. For
 *   48 kHz → 8 kHz that is ~3× fewer multiply-adds than one stage (the classic multistage argument:
 *   Crochiere & Rabiner 1975, "Optimum FIR digital filter implementations for decimation,
 *   interpolation, and narrow-band filtering").
 * - Every stage is zero-phase: output k is the filter centred on input time k·M/L, so output
 *   sample k corresponds to input time k/outRate and no group delay has to be removed afterwards.
 *   Streaming simply waits for `latencyFrames` of look-ahead; the input before t = 0 and after the
 *   end is taken as silence.
 * - Output length is round(inputLength · out / in) (`Math.round`, halves up).
 * - Each output is computed from the same input values, the same coefficients and the same
 *   summation order whatever the chunking, so streaming output is bit-identical to one-shot output.
 *
 * Coefficients are stored in float32 (quantisation noise ≈ −150 dB, far below the 90 dB design) and
 * accumulated in float64. Hot loops read typed arrays through `as number`: indices are in range by
 * construction and the cast avoids the `undefined` checks that `noUncheckedIndexedAccess` implies.
 */

import { CvkError } from "@cvk/core";
import { RealFft } from "./fft.ts";

export type ResampleQuality = "high" | "fast";

export interface ResamplerOptions {
  /**
   * "high" (default): ≥ 80 dB stop band, pass band like sox `rate -v` (−3 dB at 0.475·min rate).
   * "fast": ≥ 60 dB, pass band to 0.425·min rate, a much shorter filter.
   */
  quality?: ResampleQuality;
  /**
   * Return views into one reused output buffer, valid until the next `process`/`flush` call.
   * Streaming callers that consume each chunk at once set this: a fresh array per chunk is external
   * memory V8 collects lazily, which made a 2-hour conversion's RSS climb by ~40 MB.
   */
  reuseOutput?: boolean;
  /**
   * How integer-decimation stages (M:1) are computed: "auto" (default) picks whichever of direct
   * polyphase and FFT block convolution the cost model says is cheaper for the filter length;
   * "direct" and "fft" force one (rational L/M stages are always direct). For tests and benchmarks;
   * both give the same output to within float32 rounding.
   */
  algorithm?: ResampleAlgorithm;
}

export type ResampleAlgorithm = "auto" | "direct" | "fft";

/** Design stop-band attenuation (dB) per quality; the measured figures carry a margin over the spec. */
const DESIGN_ATTENUATION_DB: Record<ResampleQuality, number> = { high: 90, fast: 65 };
/** Pass-band edge and stop-band edge as fractions of min(in, out). */
const PASS_FRACTION: Record<ResampleQuality, number> = { high: 0.4575, fast: 0.425 };
const STOP_FRACTION = 0.5;
/** Refuse filter banks above this many coefficients (32 MB); only pathological rate pairs get here. */
const MAX_BANK_COEFFICIENTS = 1 << 23;
const MAX_RATE = 1_000_000;

function gcd(a: number, b: number): number {
  while (b !== 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/** Zeroth-order modified Bessel function of the first kind, by its power series. */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 500; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

interface StageDesign {
  inRate: number;
  outRate: number;
  passHz: number;
  stopHz: number;
  attenuationDb: number;
  reuseOutput?: boolean;
  algorithm: ResampleAlgorithm;
}

/**
 * Relative costs behind the direct-vs-FFT choice, in ns on V8/x86-64 (measured on the benchmark
 * machine with compiled JS): one tap of the folded direct loop (two input loads, one coefficient
 * load, one multiply-add), one radix-2 butterfly (per point and stage of the half-size complex
 * FFT, including its share of packing and the split step) and one complex multiply-accumulate per
 * bin. Only their ratios matter.
 */
const DIRECT_TAP_COST = 0.55;
const FFT_POINT_STAGE_COST = 1.0;
const FFT_BIN_COST = 2.0;
/** Largest FFT block considered: 2^15 points keeps the working set within L2. */
const MAX_FFT_SIZE = 1 << 15;

/**
 * FFT size for overlap-save decimation by `down` with a (2H + 1)-tap filter, or 0 if the direct
 * folded dot product is cheaper. Each block costs `down` forward real FFTs (one per input phase),
 * `down` spectrum multiply-adds and one inverse real FFT, and yields N − D + 1 outputs, D = ⌈(2H+1)/M⌉
 * (Oppenheim & Schafer, "Discrete-Time Signal Processing", 3rd ed., §8.7.3: an N-point circular
 * convolution equals the linear one except in its first D − 1 points). Larger N amortises the
 * D − 1 discarded points but costs log N per point; the cheapest power of two wins.
 */
function chooseFftSize(half: number, down: number): number {
  const d = Math.ceil((2 * half + 1) / down);
  const direct = DIRECT_TAP_COST * (half + 1);
  let best = 0;
  let bestCost = direct;
  for (let n = 64; n <= MAX_FFT_SIZE; n <<= 1) {
    const outputs = n - d + 1;
    if (outputs < d) continue;
    const fft = (n / 2) * Math.log2(n / 2) * FFT_POINT_STAGE_COST;
    const cost = ((down + 1) * fft + down * (n / 2 + 1) * FFT_BIN_COST) / outputs;
    if (cost < bestCost) {
      bestCost = cost;
      best = n;
    }
  }
  return best;
}

/**
 * One rational L/M polyphase FIR stage with its own input history. Output k uses inputs
 * j0(k) … j0(k)+T−1 with j0(k) = ⌈(k·M − H)/L⌉ and phase q(k) = j0(k)·L − (k·M − H) ∈ [0, L).
 */
class PolyphaseStage {
  readonly up: number;
  readonly down: number;
  /** Taps per phase. */
  readonly taps: number;
  /** Prototype half length H (the prototype has 2H + 1 taps at rate L·in). */
  readonly halfLength: number;
  /** bank[q·T + m] = h[q + m·L]: phase q's coefficients in input order. */
  private readonly bank: Float32Array;
  private readonly stepInput: number;
  private readonly stepPhase: number;

  private buffer: Float32Array;
  /** Absolute input index of buffer[0]; negative indices are the implicit silence before t = 0. */
  private bufferStart = 0;
  private bufferLength = 0;
  /** Real input samples received so far. */
  private received = 0;
  private nextOutput = 0;
  private j0 = 0;
  private phase = 0;
  /** The reused output buffer when `reuseOutput` is set. */
  private output: Float32Array | undefined;

  /** FFT block convolution (integer decimation only); null when the direct form is used. */
  private fft: RealFft | null = null;
  /** Outputs per FFT block, B = N − D + 1. */
  private blockOutputs = 0;
  /** Input samples one block reads, (B − 1)·M + 2H + 1, starting at its base B·b·M − H. */
  private blockInputs = 0;
  /** conj(G_p[k])/… for phase p at [p·(N/2 + 1) + k]: the phase filters' spectra, conjugated. */
  private phaseRe: Float64Array = new Float64Array(0);
  private phaseIm: Float64Array = new Float64Array(0);
  private accRe: Float64Array = new Float64Array(0);
  private accIm: Float64Array = new Float64Array(0);
  /** The outputs of block `cachedBlock`. */
  private blockOut: Float64Array = new Float64Array(0);
  private cachedBlock = -1;

  constructor(design: StageDesign) {
    if (design.reuseOutput) this.output = new Float32Array(0);
    const g = gcd(design.inRate, design.outRate);
    const up = design.outRate / g;
    const down = design.inRate / g;
    this.up = up;
    this.down = down;
    const protoRate = up * design.inRate;
    const a = design.attenuationDb;
    const deltaOmega = (2 * Math.PI * (design.stopHz - design.passHz)) / protoRate;
    const half = Math.max(1, Math.ceil((a - 8) / (2.285 * deltaOmega) / 2));
    const length = 2 * half + 1;
    const taps = Math.ceil(length / up);
    if (taps * up > MAX_BANK_COEFFICIENTS) {
      throw new CvkError(
        "AUDIO_UNSUPPORTED",
        `Resampling ${design.inRate} Hz to ${design.outRate} Hz needs a ${taps * up}-coefficient filter bank.`,
        { hint: "Convert the audio to a common sample rate (8, 16, 22.05, 44.1 or 48 kHz) first." },
      );
    }
    this.halfLength = half;
    this.taps = taps;
    const beta = a > 50 ? 0.1102 * (a - 8.7) : a >= 21 ? 0.5842 * (a - 21) ** 0.4 + 0.07886 * (a - 21) : 0;
    const i0Beta = besselI0(beta);
    // Cut-off midway through the transition band; gain L so every phase has unity DC gain.
    const fc = (design.passHz + design.stopHz) / 2 / protoRate;
    const proto = new Float64Array(length);
    for (let n = 0; n < length; n++) {
      const t = n - half;
      const sinc = t === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * t) / (Math.PI * t);
      const r = t / half;
      const window = besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / i0Beta;
      proto[n] = up * sinc * window;
    }
    this.bank = new Float32Array(up * taps);
    for (let q = 0; q < up; q++) {
      for (let m = 0; m < taps; m++) {
        const n = q + m * up;
        this.bank[q * taps + m] = n < length ? (proto[n] as number) : 0;
      }
    }
    this.stepInput = Math.floor(down / up);
    this.stepPhase = down % up;
    if (up === 1 && design.algorithm !== "direct") {
      const n =
        design.algorithm === "fft"
          ? Math.max(64, nextPowerOfTwoAtLeast(4 * Math.ceil(length / down)))
          : chooseFftSize(half, down);
      if (n > 0) this.setUpFft(proto, n);
    }
    this.buffer = new Float32Array(Math.max(1024, 2 * taps));
    this.reset();
  }

  /** Input frames of look-ahead an output needs beyond its own time (in this stage's input frames). */
  get lookAhead(): number {
    return this.halfLength / this.up;
  }

  /** FFT block size in use, or 0 for the direct form (for tests). */
  get fftSize(): number {
    return this.fft === null ? 0 : this.fft.size;
  }

  /**
   * Overlap-save for decimation by M, per polyphase branch (Crochiere & Rabiner 1983, §3.3.2, with
   * Oppenheim & Schafer §8.7.3 for the block convolution). With u the block's input from its base
   * and g the (2H + 1)-tap prototype, output k′ of the block is
   *   y[k′] = Σ_t g[t]·u[k′M + t] = Σ_p Σ_d g_p[d]·u_p[k′ + d],  g_p[d] = g[dM + p], u_p[i] = u[iM + p],
   * a sum of M correlations at the output rate. Each is an N-point product of spectra
   * U_p[k]·conj(G_p[k]); the sum is inverse-transformed once, and its first B = N − D + 1 points are
   * free of wrap-around. Nothing is computed at the input rate only to be discarded.
   */
  private setUpFft(proto: Float64Array, n: number): void {
    const down = this.down;
    const length = proto.length;
    const d = Math.ceil(length / down);
    const fft = new RealFft(n);
    const bins = n / 2 + 1;
    this.fft = fft;
    this.blockOutputs = n - d + 1;
    this.blockInputs = (this.blockOutputs - 1) * down + length;
    this.phaseRe = new Float64Array(down * bins);
    this.phaseIm = new Float64Array(down * bins);
    for (let p = 0; p < down; p++) {
      fft.forwardStrided(proto, p, down, Math.ceil((length - p) / down));
      const sr = fft.spectrumRe;
      const si = fft.spectrumIm;
      for (let k = 0; k < bins; k++) {
        this.phaseRe[p * bins + k] = sr[k] as number;
        this.phaseIm[p * bins + k] = -(si[k] as number);
      }
    }
    this.accRe = new Float64Array(bins);
    this.accIm = new Float64Array(bins);
    this.blockOut = new Float64Array(n);
  }

  reset(): void {
    this.received = 0;
    this.nextOutput = 0;
    this.cachedBlock = -1;
    // k = 0: k·M − H = −H.
    this.j0 = Math.ceil(-this.halfLength / this.up);
    this.phase = this.j0 * this.up + this.halfLength;
    // The history starts with the silence before t = 0 that the first outputs reach back into.
    this.bufferStart = this.j0;
    this.bufferLength = -this.j0;
    this.ensureCapacity(this.bufferLength);
    this.buffer.fill(0, 0, this.bufferLength);
  }

  /** Feeds input and returns every output whose taps are all available. */
  process(input: Float32Array): Float32Array {
    this.append(input, input.length);
    this.received += input.length;
    if (this.fft !== null) {
      // Whole blocks only: block b is ready once its last input, b·B·M − H + blockInputs − 1, has
      // arrived. Blocks are aligned to the stream start, so chunking never changes what a block sees.
      const span = this.blockOutputs * this.down;
      const blocks = Math.floor((this.received + this.halfLength - this.blockInputs) / span) + 1;
      return this.emit(Math.max(0, blocks * this.blockOutputs - this.nextOutput));
    }
    // Output k is ready when j0(k) + T ≤ received ⇔ k ≤ ((received − T)·L + H) / M.
    const last = Math.floor(((this.received - this.taps) * this.up + this.halfLength) / this.down);
    return this.emit(Math.max(0, last + 1 - this.nextOutput));
  }

  /**
   * Number of outputs (in total) whose taps touch real input: the natural end of an intermediate
   * stage, whose filter tail the next stage must still see.
   */
  naturalLength(): number {
    if (this.received === 0) return 0;
    return Math.floor(((this.received - 1) * this.up + this.halfLength) / this.down) + 1;
  }

  /** Appends `tail`, treats everything after it as silence, emits outputs up to `total` and resets. */
  finish(tail: Float32Array | null, total: number): Float32Array {
    if (tail !== null) {
      this.append(tail, tail.length);
      this.received += tail.length;
    }
    const count = Math.max(0, total - this.nextOutput);
    // The FFT path reads input past the end as silence itself; the direct path needs it stored.
    if (count > 0 && this.fft === null) {
      // Pad with silence up to the last input the final output reaches.
      const lastK = total - 1;
      const needEnd = Math.ceil((lastK * this.down - this.halfLength) / this.up) + this.taps;
      const have = this.bufferStart + this.bufferLength;
      if (needEnd > have) {
        this.compact();
        const zeros = needEnd - (this.bufferStart + this.bufferLength);
        this.ensureCapacity(this.bufferLength + zeros);
        this.buffer.fill(0, this.bufferLength, this.bufferLength + zeros);
        this.bufferLength += zeros;
      }
    }
    const out = this.emit(count);
    this.reset();
    return out;
  }

  private emit(count: number): Float32Array {
    let out: Float32Array;
    if (this.output) {
      if (this.output.length < count) this.output = new Float32Array(Math.max(count, 2 * this.output.length));
      out = this.output.subarray(0, count);
    } else {
      out = new Float32Array(count);
    }
    if (count === 0) return out;
    if (this.fft !== null) return this.emitBlocks(out, count);
    if (this.up === 1) return this.emitDecimating(out, count);
    const buf = this.buffer;
    const bank = this.bank;
    const taps = this.taps;
    const up = this.up;
    const stepInput = this.stepInput;
    const stepPhase = this.stepPhase;
    const start = this.bufferStart;
    let j0 = this.j0;
    let phase = this.phase;
    const unrolled = taps - (taps % 4);
    for (let i = 0; i < count; i++) {
      const xb = j0 - start;
      const cb = phase * taps;
      // Four accumulators break the add dependency chain; the order is fixed, so results are
      // reproducible whatever the chunking.
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let m = 0;
      for (; m < unrolled; m += 4) {
        a0 += (buf[xb + m] as number) * (bank[cb + m] as number);
        a1 += (buf[xb + m + 1] as number) * (bank[cb + m + 1] as number);
        a2 += (buf[xb + m + 2] as number) * (bank[cb + m + 2] as number);
        a3 += (buf[xb + m + 3] as number) * (bank[cb + m + 3] as number);
      }
      for (; m < taps; m++) a0 += (buf[xb + m] as number) * (bank[cb + m] as number);
      out[i] = a0 + a1 + (a2 + a3);
      j0 += stepInput;
      phase -= stepPhase;
      if (phase < 0) {
        phase += up;
        j0 += 1;
      }
    }
    this.j0 = j0;
    this.phase = phase;
    this.nextOutput += count;
    return out;
  }

  /**
   * Integer decimation (L = 1): a single phase whose taps are the symmetric prototype itself
   * (T = 2H + 1), so pairs of inputs equidistant from the centre share one multiply. Loads, not
   * multiplies, bound this loop in V8; folding still removes half of the coefficient loads.
   */
  private emitDecimating(out: Float32Array, count: number): Float32Array {
    const buf = this.buffer;
    const h = this.bank;
    const half = this.halfLength;
    const last = 2 * half;
    const down = this.down;
    const unrolled = half - (half % 4);
    const centre = h[half] as number;
    let xb = this.j0 - this.bufferStart;
    for (let i = 0; i < count; i++) {
      const xe = xb + last;
      let a0 = centre * (buf[xb + half] as number);
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let m = 0;
      for (; m < unrolled; m += 4) {
        a0 += (h[m] as number) * ((buf[xb + m] as number) + (buf[xe - m] as number));
        a1 += (h[m + 1] as number) * ((buf[xb + m + 1] as number) + (buf[xe - m - 1] as number));
        a2 += (h[m + 2] as number) * ((buf[xb + m + 2] as number) + (buf[xe - m - 2] as number));
        a3 += (h[m + 3] as number) * ((buf[xb + m + 3] as number) + (buf[xe - m - 3] as number));
      }
      for (; m < half; m++) a0 += (h[m] as number) * ((buf[xb + m] as number) + (buf[xe - m] as number));
      out[i] = a0 + a1 + (a2 + a3);
      xb += down;
    }
    this.j0 += count * down;
    this.nextOutput += count;
    return out;
  }

  /** Copies outputs nextOutput … nextOutput + count − 1 out of FFT blocks, computing blocks as needed. */
  private emitBlocks(out: Float32Array, count: number): Float32Array {
    const per = this.blockOutputs;
    const blockOut = this.blockOut;
    let i = 0;
    while (i < count) {
      const k = this.nextOutput + i;
      const b = Math.floor(k / per);
      if (b !== this.cachedBlock) this.computeBlock(b);
      const from = k - b * per;
      const n = Math.min(per - from, count - i);
      for (let j = 0; j < n; j++) out[i + j] = blockOut[from + j] as number;
      i += n;
    }
    this.nextOutput += count;
    // History before the base of the block holding the next output is no longer needed.
    this.j0 = Math.floor(this.nextOutput / per) * per * this.down - this.halfLength;
    return out;
  }

  /**
   * Computes block b's B outputs into blockOut. Input past what is stored counts as silence (only
   * `finish` asks for such a block), and input past the block's own span is never read, so a block's
   * arithmetic depends on nothing but the stream's samples.
   */
  private computeBlock(b: number): void {
    const fft = this.fft as RealFft;
    const down = this.down;
    const bins = this.accRe.length;
    const base = b * this.blockOutputs * down - this.halfLength;
    const offset = base - this.bufferStart;
    const available = Math.min(this.blockInputs, this.bufferStart + this.bufferLength - base);
    const accRe = this.accRe;
    const accIm = this.accIm;
    const gRe = this.phaseRe;
    const gIm = this.phaseIm;
    const sr = fft.spectrumRe;
    const si = fft.spectrumIm;
    for (let p = 0; p < down; p++) {
      fft.forwardStrided(this.buffer, offset + p, down, Math.max(0, Math.ceil((available - p) / down)));
      const g = p * bins;
      if (p === 0) {
        for (let k = 0; k < bins; k++) {
          const xr = sr[k] as number;
          const xi = si[k] as number;
          const hr = gRe[g + k] as number;
          const hi = gIm[g + k] as number;
          accRe[k] = xr * hr - xi * hi;
          accIm[k] = xr * hi + xi * hr;
        }
      } else {
        for (let k = 0; k < bins; k++) {
          const xr = sr[k] as number;
          const xi = si[k] as number;
          const hr = gRe[g + k] as number;
          const hi = gIm[g + k] as number;
          accRe[k] = (accRe[k] as number) + (xr * hr - xi * hi);
          accIm[k] = (accIm[k] as number) + (xr * hi + xi * hr);
        }
      }
    }
    fft.inverse(accRe, accIm, this.blockOut, this.blockOutputs);
    this.cachedBlock = b;
  }

  private append(input: Float32Array, length: number): void {
    if (length === 0) return;
    this.compact();
    this.ensureCapacity(this.bufferLength + length);
    this.buffer.set(input.subarray(0, length), this.bufferLength);
    this.bufferLength += length;
  }

  /** Drops history that no future output can reach (everything before j0). */
  private compact(): void {
    const drop = this.j0 - this.bufferStart;
    if (drop <= 0) return;
    const keep = Math.max(0, this.bufferLength - drop);
    if (keep > 0) this.buffer.copyWithin(0, drop, drop + keep);
    this.bufferStart += drop;
    this.bufferLength = keep;
  }

  private ensureCapacity(needed: number): void {
    if (needed <= this.buffer.length) return;
    let size = this.buffer.length;
    while (size < needed) size *= 2;
    const grown = new Float32Array(size);
    grown.set(this.buffer.subarray(0, this.bufferLength));
    this.buffer = grown;
  }
}

function nextPowerOfTwoAtLeast(n: number): number {
  let p = 2;
  while (p < n) p <<= 1;
  return p;
}

function checkRate(name: string, rate: number): void {
  if (!Number.isInteger(rate) || rate <= 0 || rate > MAX_RATE) {
    throw new CvkError("INPUT_INVALID", `${name} sample rate must be a whole number of Hz, got ${rate}.`, {
      hint: `Use a rate between 1 and ${MAX_RATE} Hz, e.g. 8000, 16000 or 44100.`,
    });
  }
}

/**
 * Streaming rational resampler. Feed chunks of any size (including empty ones) to `process`, then
 * call `flush` once at the end; the concatenated output equals `resample()` of the concatenated
 * input, bit for bit, and has round(totalInput · outputRate / inputRate) samples. After `flush` the
 * instance is reset and can convert another stream.
 */
export class Resampler {
  readonly inputRate: number;
  readonly outputRate: number;
  /**
   * Look-ahead in input frames: an output sample needs input up to this many frames past its time
   * (on the FFT path it is emitted with the rest of its block, possibly later). The one-shot output is
   * already aligned (output k ↔ input time k/outputRate).
   */
  readonly latencyFrames: number;
  private readonly stages: PolyphaseStage[];
  private received = 0;

  constructor(inputRate: number, outputRate: number, options: ResamplerOptions = {}) {
    checkRate("Input", inputRate);
    checkRate("Output", outputRate);
    const quality = options.quality ?? "high";
    if (quality !== "high" && quality !== "fast") {
      throw new CvkError("INPUT_INVALID", `Unknown resampling quality "${String(quality)}".`, {
        hint: 'Use "high" or "fast".',
      });
    }
    this.inputRate = inputRate;
    this.outputRate = outputRate;
    const attenuationDb = DESIGN_ATTENUATION_DB[quality];
    const reuseOutput = options.reuseOutput === true;
    const algorithm = options.algorithm ?? "auto";
    const minRate = Math.min(inputRate, outputRate);
    const passHz = PASS_FRACTION[quality] * minRate;
    this.stages = [];
    if (inputRate === outputRate) {
      this.latencyFrames = 0;
      return;
    }
    if (inputRate > 2 * outputRate) {
      const mid = 2 * outputRate;
      this.stages.push(
        new PolyphaseStage({
          inRate: inputRate,
          outRate: mid,
          passHz,
          stopHz: mid - outputRate / 2,
          attenuationDb,
          reuseOutput,
          algorithm,
        }),
        new PolyphaseStage({
          inRate: mid,
          outRate: outputRate,
          passHz,
          stopHz: STOP_FRACTION * outputRate,
          attenuationDb,
          reuseOutput,
          algorithm,
        }),
      );
    } else {
      this.stages.push(
        new PolyphaseStage({
          inRate: inputRate,
          outRate: outputRate,
          passHz,
          stopHz: STOP_FRACTION * minRate,
          attenuationDb,
          reuseOutput,
          algorithm,
        }),
      );
    }
    let seconds = 0;
    let rate = inputRate;
    for (const stage of this.stages) {
      seconds += stage.lookAhead / rate;
      rate = (rate * stage.up) / stage.down;
    }
    this.latencyFrames = Math.ceil(seconds * inputRate - 1e-9);
  }

  /** Converts the next chunk; returns whatever output is complete (possibly nothing). */
  process(input: Float32Array): Float32Array {
    this.received += input.length;
    if (this.stages.length === 0) return input.slice();
    let data = input;
    for (const stage of this.stages) data = stage.process(data);
    return data;
  }

  /** Ends the stream: returns the remaining output (the end is padded with silence) and resets. */
  flush(): Float32Array {
    const total = Math.round((this.received * this.outputRate) / this.inputRate);
    this.received = 0;
    const stages = this.stages;
    let tail: Float32Array | null = null;
    for (let s = 0; s < stages.length; s++) {
      const stage = stages[s] as PolyphaseStage;
      if (s === stages.length - 1) return stage.finish(tail, total);
      // An intermediate stage emits its whole filter tail for the next stage to see.
      if (tail !== null) {
        const head: Float32Array = stage.process(tail);
        const rest = stage.finish(null, stage.naturalLength());
        tail = concat(head, rest);
      } else {
        tail = stage.finish(null, stage.naturalLength());
      }
    }
    return new Float32Array(0);
  }
}

function concat(a: Float32Array, b: Float32Array): Float32Array {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * One-shot conversion with the "high" quality filter. The result has round(input.length · out / in)
 * samples and output k corresponds to input time k/outputRate (no group delay).
 */
export function resample(input: Float32Array, inputRate: number, outputRate: number): Float32Array {
  const resampler = new Resampler(inputRate, outputRate);
  if (inputRate === outputRate) return input.slice();
  return concat(resampler.process(input), resampler.flush());
}
