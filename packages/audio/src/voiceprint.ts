/**
 * A deterministic spectral-statistics voice fingerprint for the sandbox.
 *
 * NOT BIOMETRIC-GRADE. This is not speaker recognition in any security sense: it is a handful of
 * long-term spectral, pitch and tempo statistics, easily fooled and never evaluated on real voices.
 * It exists so the sandbox can emulate Voice ID's fraud-watchlist and duplicate-speaker detection on
 * the synthetic voices from `synth.ts`. Never use it to authenticate or identify people.
 *
 * Method (version 1). The vector has 15 numbers:
 *  [0]     pitch: mean log2 f0 over the central 60% of the voiced frames' pitch track, after dropping
 *          octave errors (> ½ octave from the median). Pitch comes from the normalised
 *          autocorrelation of 40 ms frames below 1.5 kHz, corrected for the window's own
 *          autocorrelation (P. Boersma, "Accurate short-term analysis of the fundamental frequency
 *          and the harmonics-to-noise ratio of a sampled sound", IFA Proceedings 17, 1993);
 *  [1]     voicing: the median autocorrelation peak r as a harmonics-to-noise ratio,
 *          10·log10(r / (1 − r)) dB (Boersma 1993) — breathiness;
 *  [2]     tempo: log2 of energy peaks per second of speech (syllable nuclei, after N. H. de Jong &
 *          T. Wempe, "Praat script to detect syllable nuclei", Behavior Research Methods 41, 2009);
 *  [3..14] spectral envelope: c1…c12 of the DCT-II of the log mel filterbank (20 triangular filters,
 *          300–3400 Hz) applied to the long-term average spectrum of the speech frames — the
 *          mel-cepstrum of S. B. Davis & P. Mermelstein (IEEE TASSP 28(4), 1980) taken over the
 *          long-term average rather than averaged per frame, which varies less with what is said.
 *          The noise spectrum of the pauses is subtracted from the average first (S. F. Boll,
 *          IEEE TASSP 27(2), 1979), so mild background noise barely moves it.
 * Only frames inside the VAD's talk spurts (`vad.ts`) and within 25 dB of the loudest speech count.
 * Everything is computed at 8 kHz in the telephone band, so the recording's sample rate does not
 * matter: the same voice at 8, 16 or 44.1 kHz gives (nearly) the same vector.
 *
 * Each raw statistic is divided by its entry in SCALES: the pooled within-speaker standard deviation
 * measured on 40 calibration voices ("calib-01"…"calib-40", four 20–40 s recordings each: two clean,
 * one with pink and one with white noise at 25 dB SNR); the 12 envelope entries are further divided
 * by √12 so that the envelope as a whole weighs like one statistic. Similarity is
 * round(100·exp(−d²/2σ²)) of the Euclidean distance d, σ = 5.3, so a score of 50 is d ≈ 6.2 units.
 *
 * Measured (voiceprint.test.ts): 20 speakers "caller-001"…"caller-020", three recordings each (two
 * clean, one with pink or white noise at 25 dB SNR, 20–40 s): every same-speaker pair ≥ 58, every
 * different-speaker pair ≤ 41, so SAME_SPEAKER_THRESHOLD = 50. Limits: noisier recordings (20 dB SNR)
 * can fall below the cut; and because voices are drawn at random from a hash, some pairs of ids get
 * near-identical voices — among 100 random ids about 0.4% of different-speaker pairs score ≥ 50
 * (e.g. "caller-015" and "caller-021": 87 Hz, formants within 4%).
 */

import { CvkError } from "@cvk/core";
import { RealFft } from "./fft.ts";
import { resample } from "./resample.ts";
import { measureSpeech, VAD_HOP, VAD_RATE } from "./vad.ts";

export interface Voiceprint {
  version: 1;
  /** Normalised statistics; see the module comment for the layout. */
  vector: number[];
}

/** Scores at or above this mean "same (synthetic) speaker". */
export const SAME_SPEAKER_THRESHOLD = 50;

const RATE = VAD_RATE;
const HOP = VAD_HOP;
const WINDOW = 200;
const FFT_SIZE = 256;
const MEL_FILTERS = 20;
const MEL_LOW_HZ = 300;
const MEL_HIGH_HZ = 3400;
const CEPSTRA = 12;
/** Frames quieter than the 95th-percentile frame by more than this are left out. */
const LOUDNESS_RANGE_DB = 25;
/** Spectral subtraction never takes a bin below 2% (−17 dB) of its original power. */
const SPECTRAL_FLOOR = 0.02;
/** At least this many kept frames (3 s of loud speech) are needed. */
const MIN_FRAMES = 300;
/** A syllable nucleus is an energy peak this far (dB) above the dips on both sides. */
const SYLLABLE_PROMINENCE_DB = 2;

/** Pitch: 40 ms windows (≥ 2.8 periods at 70 Hz), zero-padded so the autocorrelation does not wrap. */
const PITCH_WINDOW = 320;
const PITCH_FFT = 512;
const PITCH_MIN_HZ = 70;
const PITCH_MAX_HZ = 400;
/** A frame is voiced when its best normalised autocorrelation peak reaches this. */
const VOICING_THRESHOLD = 0.6;

/** Per-statistic divisors (see the module comment for how they were measured). */
const SCALES: readonly number[] = [
  0.007513, 0.2352, 0.03794, 0.2972, 0.5146, 0.6899, 0.4981, 0.4525, 0.4408, 0.3526, 0.3524, 0.3542, 0.3226,
  0.2837, 0.2953,
];
/** Width of the similarity kernel, in SCALES units. */
const SIGMA = 5.3;

const HANN = hann(WINDOW);
const PITCH_HANN = hann(PITCH_WINDOW);

function hann(n: number): Float32Array {
  const w = new Float32Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / n);
  return w;
}

function melOf(hz: number): number {
  return 2595 * Math.log10(1 + hz / 700);
}

function hzOfMel(mel: number): number {
  return 700 * (10 ** (mel / 2595) - 1);
}

/** Triangular mel filters as (first bin, weights) rows over the 256-point FFT at 8 kHz. */
const MEL_BANK = (() => {
  const edges: number[] = [];
  const lo = melOf(MEL_LOW_HZ);
  const hi = melOf(MEL_HIGH_HZ);
  for (let i = 0; i < MEL_FILTERS + 2; i++) edges.push(hzOfMel(lo + ((hi - lo) * i) / (MEL_FILTERS + 1)));
  const binHz = RATE / FFT_SIZE;
  const rows: { first: number; weights: Float64Array }[] = [];
  for (let m = 0; m < MEL_FILTERS; m++) {
    const left = edges[m] as number;
    const centre = edges[m + 1] as number;
    const right = edges[m + 2] as number;
    const first = Math.ceil(left / binHz);
    const last = Math.floor(right / binHz);
    const weights = new Float64Array(Math.max(0, last - first + 1));
    for (let k = first; k <= last; k++) {
      const f = k * binHz;
      weights[k - first] = f <= centre ? (f - left) / (centre - left) : (right - f) / (right - centre);
    }
    rows.push({ first, weights });
  }
  return rows;
})();

/** Orthonormal DCT-II rows 1..CEPSTRA over MEL_FILTERS inputs. */
const DCT = (() => {
  const m = new Float64Array(CEPSTRA * MEL_FILTERS);
  for (let c = 1; c <= CEPSTRA; c++) {
    for (let j = 0; j < MEL_FILTERS; j++) {
      m[(c - 1) * MEL_FILTERS + j] =
        Math.sqrt(2 / MEL_FILTERS) * Math.cos((Math.PI * c * (j + 0.5)) / MEL_FILTERS);
    }
  }
  return m;
})();

/** Power-spectrum weights for pitch analysis: 1 up to 1.2 kHz, a raised-cosine taper to 0 at 1.6 kHz. */
const PITCH_BAND = (() => {
  const w = new Float64Array(PITCH_FFT / 2 + 1);
  for (let k = 0; k < w.length; k++) {
    const f = (k * RATE) / PITCH_FFT;
    w[k] = f <= 1200 ? 1 : f >= 1600 ? 0 : 0.5 + 0.5 * Math.cos((Math.PI * (f - 1200)) / 400);
  }
  return w;
})();

/** Autocorrelation of the pitch window, for Boersma's correction. */
const WINDOW_AUTOCORRELATION = (() => {
  const r = new Float64Array(PITCH_WINDOW);
  for (let lag = 0; lag < PITCH_WINDOW; lag++) {
    let sum = 0;
    for (let i = 0; i + lag < PITCH_WINDOW; i++)
      sum += (PITCH_HANN[i] as number) * (PITCH_HANN[i + lag] as number);
    r[lag] = sum;
  }
  const r0 = r[0] as number;
  for (let lag = 0; lag < PITCH_WINDOW; lag++) r[lag] = (r[lag] as number) / r0;
  return r;
})();

/** Raw (unscaled) statistics, in the layout of `Voiceprint.vector`. */
function voiceStatistics(samples: Float32Array, sampleRate: number): number[] {
  if (!Number.isInteger(sampleRate) || sampleRate < 4000) {
    throw new CvkError(
      "INPUT_INVALID",
      `Sample rate must be a whole number of Hz ≥ 4000, got ${sampleRate}.`,
    );
  }
  const x = sampleRate === RATE ? samples : resample(samples, sampleRate, RATE);
  const speech = measureSpeech(x, RATE);
  const frames = Math.ceil(x.length / HOP);
  const mask = new Uint8Array(frames);
  for (const s of speech.segments) {
    const a = Math.max(0, Math.floor(s.start * (RATE / HOP) + 1e-6));
    const b = Math.min(frames, Math.ceil(s.end * (RATE / HOP) - 1e-6));
    mask.fill(1, a, b);
  }

  // Pass 1: frame energies of speech frames (for the loudness gate and the syllable count) and the
  // mean noise spectrum of the pauses (for spectral subtraction).
  const fft = new RealFft(FFT_SIZE);
  const frame = new Float32Array(FFT_SIZE);
  const bins = FFT_SIZE / 2 + 1;
  const power = new Float64Array(bins);
  const noise = new Float64Array(bins);
  let noiseFrames = 0;
  const energies: number[] = [];
  const lead = WINDOW / 2 - HOP / 2;
  const frameEnergy = new Float64Array(frames);
  // Pass 2 needs the speech frames' spectra again: keep them (float32 is ample for an average)
  // instead of transforming each frame twice.
  let speechFrames = 0;
  for (let t = 0; t < frames; t++) speechFrames += mask[t] === 1 ? 1 : 0;
  const spectra = new Float32Array(speechFrames * bins);
  const spectrumRow = new Int32Array(frames).fill(-1);
  let row = 0;
  for (let t = 0; t < frames; t++) {
    windowed(x, t * HOP - lead, HANN, frame);
    fft.powerSpectrum(frame, power);
    if (mask[t] === 1) {
      spectrumRow[t] = row;
      spectra.set(power, row * bins);
      row++;
    }
    if (mask[t] !== 1) {
      for (let k = 0; k < bins; k++) noise[k] = (noise[k] as number) + (power[k] as number);
      noiseFrames++;
      continue;
    }
    let e = 0;
    for (let k = 10; k <= 108; k++) e += power[k] as number;
    frameEnergy[t] = 10 * Math.log10(e + 1e-12);
    energies.push(frameEnergy[t] as number);
  }
  if (noiseFrames > 0) for (let k = 0; k < bins; k++) noise[k] = (noise[k] as number) / noiseFrames;
  energies.sort((a, b) => a - b);
  const loud = energies.length > 0 ? (energies[Math.floor(0.95 * (energies.length - 1))] as number) : 0;
  const gate = loud - LOUDNESS_RANGE_DB;

  // Pass 2: long-term average spectrum of the kept frames.
  const ltas = new Float64Array(bins);
  let kept = 0;
  for (let t = 0; t < frames; t++) {
    if (mask[t] !== 1 || (frameEnergy[t] as number) < gate) continue;
    const offset = (spectrumRow[t] as number) * bins;
    for (let k = 0; k < bins; k++) ltas[k] = (ltas[k] as number) + (spectra[offset + k] as number);
    kept++;
  }
  if (kept < MIN_FRAMES) {
    throw new CvkError("INPUT_INVALID", "Too little speech for a voiceprint.", {
      hint: "Use a recording with at least 5 seconds of net speech.",
      details: { speechSeconds: speech.speechSeconds },
    });
  }
  // Spectral subtraction (S. F. Boll, IEEE TASSP 27(2), 1979) of the pauses' mean noise spectrum,
  // applied to the long-term average so it is unbiased (speech and noise powers add on average),
  // with a −17 dB floor (Berouti, Schwartz & Makhoul, ICASSP 1979).
  for (let k = 0; k < bins; k++) {
    const mean = (ltas[k] as number) / Math.max(1, kept);
    ltas[k] = Math.max(mean - (noise[k] as number), SPECTRAL_FLOOR * mean);
  }
  const logMel = new Float64Array(MEL_FILTERS);
  for (let m = 0; m < MEL_FILTERS; m++) {
    const row = MEL_BANK[m] as (typeof MEL_BANK)[number];
    let e = 0;
    for (let j = 0; j < row.weights.length; j++)
      e += (row.weights[j] as number) * (ltas[row.first + j] as number);
    logMel[m] = Math.log(e + 1e-12);
  }

  // Pitch and voicing on every other kept frame.
  const voicing: number[] = [];
  const pitches = pitchTrack(x, mask, frameEnergy, gate, voicing);
  pitches.sort((a, b) => a - b);
  voicing.sort((a, b) => a - b);
  if (pitches.length < MIN_FRAMES / 4) {
    throw new CvkError("INPUT_INVALID", "Too little voiced speech for a voiceprint.", {
      hint: "Use a recording with at least 5 seconds of net speech.",
      details: { speechSeconds: speech.speechSeconds },
    });
  }
  // Drop octave errors (more than half an octave from the median), then average the central 60%
  // of what is left, which is robust to the extremes of intonation.
  const median = pitches[pitches.length >> 1] as number;
  const inRange = pitches.filter((p) => Math.abs(p - median) < 0.5);
  let pitchSum = 0;
  const from = Math.floor(0.2 * inRange.length);
  const to = Math.ceil(0.8 * inRange.length);
  for (let i = from; i < to; i++) pitchSum += inRange[i] as number;
  const medianVoicing = Math.min(0.999, voicing[voicing.length >> 1] as number);

  const out: number[] = [
    pitchSum / (to - from),
    10 * Math.log10(medianVoicing / (1 - medianVoicing)),
    Math.log2(syllableRate(frameEnergy, mask, gate, speech.speechSeconds)),
  ];
  for (let c = 0; c < CEPSTRA; c++) {
    let v = 0;
    for (let j = 0; j < MEL_FILTERS; j++) v += (DCT[c * MEL_FILTERS + j] as number) * (logMel[j] as number);
    out.push(v);
  }
  return out;
}

function windowed(x: Float32Array, start: number, window: Float32Array, out: Float32Array): void {
  const n = window.length;
  for (let i = 0; i < n; i++) {
    const j = start + i;
    out[i] = j >= 0 && j < x.length ? (x[j] as number) * (window[i] as number) : 0;
  }
}

/** log2(f0) of voiced frames among every other kept frame (see the module comment). */
function pitchTrack(
  x: Float32Array,
  mask: Uint8Array,
  energy: Float64Array,
  gate: number,
  voicing: number[],
): number[] {
  const fft = new RealFft(PITCH_FFT);
  const frame = new Float32Array(PITCH_FFT);
  const power = new Float64Array(PITCH_FFT / 2 + 1);
  const even = new Float64Array(PITCH_FFT);
  const re = new Float64Array(PITCH_FFT / 2 + 1);
  const im = new Float64Array(PITCH_FFT / 2 + 1);
  const minLag = Math.floor(RATE / PITCH_MAX_HZ);
  const maxLag = Math.ceil(RATE / PITCH_MIN_HZ);
  const r = new Float64Array(maxLag + 2);
  const out: number[] = [];
  const lead = PITCH_WINDOW / 2 - HOP / 2;
  for (let t = 0; t < mask.length; t += 2) {
    if (mask[t] !== 1 || (energy[t] as number) < gate) continue;
    windowed(x, t * HOP - lead, PITCH_HANN, frame);
    fft.powerSpectrum(frame, power);
    // Autocorrelation = inverse DFT of the power spectrum; for a real even sequence that is a
    // forward DFT of its even extension (scaled by 1/N, which the normalisation removes).
    // Only the band below ~1.5 kHz is used: voiced harmonics dominate it, so pitch and voicing
    // strength barely move with broadband background noise.
    for (let k = 0; k <= PITCH_FFT / 2; k++) even[k] = (power[k] as number) * (PITCH_BAND[k] as number);
    for (let k = 1; k < PITCH_FFT / 2; k++) even[PITCH_FFT - k] = even[k] as number;
    fft.transform(even, re, im);
    const r0 = re[0] as number;
    if (r0 <= 0) continue;
    let best = -1;
    let bestValue = 0;
    for (let lag = minLag; lag <= maxLag + 1; lag++) {
      r[lag] = (re[lag] as number) / r0 / (WINDOW_AUTOCORRELATION[lag] as number);
    }
    let peak = 0;
    for (let lag = minLag + 1; lag <= maxLag; lag++) {
      const v = r[lag] as number;
      if (v > peak && v >= (r[lag - 1] as number) && v >= (r[lag + 1] as number)) peak = v;
    }
    if (peak < VOICING_THRESHOLD) continue;
    // The shortest lag whose local peak reaches 90% of the best: avoids picking a multiple period.
    for (let lag = minLag + 1; lag <= maxLag; lag++) {
      const v = r[lag] as number;
      if (v >= 0.9 * peak && v >= (r[lag - 1] as number) && v >= (r[lag + 1] as number)) {
        best = lag;
        bestValue = v;
        break;
      }
    }
    if (best < 0) continue;
    voicing.push(Math.min(1, bestValue));
    const a = r[best - 1] as number;
    const c = r[best + 1] as number;
    const denom = a - 2 * bestValue + c;
    const shift = denom < 0 ? (0.5 * (a - c)) / denom : 0;
    out.push(Math.log2(RATE / (best + shift)));
  }
  return out;
}

/**
 * Energy peaks per second of speech: maxima of the 30 ms-smoothed energy contour inside talk spurts
 * that stand SYLLABLE_PROMINENCE_DB above the dips on both sides (a simple form of the syllable-nucleus
 * detection of de Jong & Wempe 2009; it also counts some consonant bursts, so it reads ~1.3× the
 * syllable rate, but consistently for a voice).
 */
function syllableRate(energy: Float64Array, mask: Uint8Array, gate: number, speechSeconds: number): number {
  const n = energy.length;
  const smooth = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    let sum = 0;
    let count = 0;
    for (let j = Math.max(0, t - 1); j <= Math.min(n - 1, t + 1); j++) {
      if (mask[j] !== 1) continue;
      sum += energy[j] as number;
      count++;
    }
    smooth[t] = mask[t] === 1 && count > 0 ? sum / count : Number.NEGATIVE_INFINITY;
  }
  // Peak picking with hysteresis ("peakdet"): a maximum counts once the contour has fallen
  // SYLLABLE_PROMINENCE_DB below it, and the next maximum is only looked for after the contour has
  // risen that much above the dip in between. Pauses are −∞, so they always separate syllables.
  let peaks = 0;
  let max = Number.NEGATIVE_INFINITY;
  let min = Number.POSITIVE_INFINITY;
  let lookForMax = true;
  for (let t = 0; t < n; t++) {
    const v = smooth[t] as number;
    if (v > max) max = v;
    if (v < min) min = v;
    if (lookForMax) {
      if (v < max - SYLLABLE_PROMINENCE_DB) {
        if (max >= gate) peaks++;
        min = v;
        lookForMax = false;
      }
    } else if (v > min + SYLLABLE_PROMINENCE_DB) {
      max = v;
      lookForMax = true;
    }
  }
  return Math.max(0.5, peaks / Math.max(1, speechSeconds));
}

/** Computes the voiceprint of a recording (any sample rate; needs a few seconds of speech). */
export function computeVoiceprint(samples: Float32Array, sampleRate: number): Voiceprint {
  const raw = voiceStatistics(samples, sampleRate);
  return { version: 1, vector: raw.map((v, i) => v / (SCALES[i] as number)) };
}

/**
 * Similarity of two voiceprints, 0–100 (integer). ≥ SAME_SPEAKER_THRESHOLD means "same synthetic
 * speaker". Not biometric-grade: see the module comment.
 */
export function voiceprintSimilarity(a: Voiceprint, b: Voiceprint): number {
  if (a.version !== 1 || b.version !== 1 || a.vector.length !== b.vector.length) {
    throw new CvkError("INPUT_INVALID", "Voiceprints have different versions or lengths.");
  }
  let d2 = 0;
  for (let i = 0; i < a.vector.length; i++) d2 += ((a.vector[i] as number) - (b.vector[i] as number)) ** 2;
  return Math.round(100 * Math.exp(-d2 / (2 * SIGMA * SIGMA)));
}
