/**
 * Deterministic synthetic voices, hold music, tones and noise, so tests, demos and the sandbox need
 * no recorded audio (and no personal data).
 *
 * Speech model: a classic source–filter formant synthesiser.
 * - Source: a Rosenberg glottal pulse (A. E. Rosenberg, "Effect of glottal pulse shape on the
 *   quality of natural vowels", JASA 49, 1971; "type C" pulse, opening 40% / closing 16% of the
 *   period). Its time derivative is used as the excitation, which folds in lip radiation. The period
 *   is perturbed cycle by cycle (jitter) and so is the amplitude (shimmer); aspiration noise gated by
 *   the glottal flow gives breathiness (Klatt & Klatt, "Analysis, synthesis, and perception of voice
 *   quality variations among female and male talkers", JASA 87, 1990).
 * - Intonation: phrase declination plus a pitch accent on stressed syllables and a slow drift.
 * - Vocal tract: four cascaded two-pole resonators (D. H. Klatt, "Software for a cascade/parallel
 *   formant synthesizer", JASA 67, 1980) whose targets move per syllable between vowel targets
 *   (Peterson & Barney, "Control methods used in a study of the vowels", JASA 24, 1952, male averages)
 *   scaled by the speaker's own formant scale (their vocal-tract length plus per-formant quirks).
 * - Syllables: optional consonant-like band-pass noise onset, then a voiced nucleus with a smooth
 *   envelope that dips between syllables (the ~4 Hz syllabic modulation of real speech). Phrases of
 *   1–3.5 s are separated by pauses of silence.
 *
 * Everything random comes from a seeded 32-bit PRNG (mulberry32) and a hash of the speaker id, so the
 * same inputs give bit-identical output (V8's Math functions are the same fdlibm ports everywhere).
 * Speech is rendered at 16 kHz and resampled to the requested rate, so a voice sounds (and measures)
 * the same at every rate; tones, music and noise are generated at the requested rate directly.
 *
 * Hot loops read typed arrays through `as number`: indices are in range by construction.
 */

import { CvkError } from "@cvk/core";
import { Resampler } from "./resample.ts";

export interface VoiceProfile {
  /** Mean fundamental frequency in Hz (85–255). */
  pitchHz: number;
  /** The speaker's neutral (schwa-like) formants F1–F4 in Hz; vowel targets scale from these. */
  formants: [number, number, number, number];
  /** Formant bandwidths B1–B4 in Hz. */
  bandwidths: [number, number, number, number];
  /** Cycle-to-cycle period perturbation, as a fraction (0.003–0.015). */
  jitter: number;
  /** Cycle-to-cycle amplitude perturbation, as a fraction (0.02–0.07). */
  shimmer: number;
  /** Syllables per second (3–6). */
  syllableRate: number;
  /** Aspiration noise relative to the voiced excitation (0.02–0.35). */
  breathiness: number;
}

export interface SynthesizeSpeechOptions {
  /** A profile, or a speaker id passed through `voiceForSpeaker`. */
  voice: VoiceProfile | string;
  /** Duration of the speech part in seconds (pauses included). */
  seconds: number;
  sampleRate: number;
  /** Utterance seed: which syllables, vowels and pauses (default 1). */
  seed?: number;
  /** Fraction of `seconds` spent talking rather than pausing (default 0.75). */
  speechRatio?: number;
  /** Background noise over the whole output, at this SNR relative to the active speech level. */
  noise?: { type: "white" | "pink"; snrDb: number };
  /** Hold music of this many seconds is prepended (the output gets longer by that much). */
  holdMusic?: { seconds: number };
  /** Linear gain on the default level (active speech ≈ −24 dBFS RMS). Output is clipped to ±1. */
  gain?: number;
}

/** A talk spurt, in seconds from the start of the output. */
export interface SpeechSegment {
  start: number;
  end: number;
}

/** Active speech level (RMS over talk spurts) and hold-music level before `gain`. */
const SPEECH_LEVEL_DB = -24;
const MUSIC_LEVEL_DB = -24;
/**
 * Voices are rendered at 16 kHz and converted to the requested rate by `Resampler`, so one voice
 * has the same spectrum at 8, 16 or 48 kHz (band-limited to 6.8 kHz) and no aliasing from the
 * glottal pulse's sharp closure at low rates.
 */
const VOICE_RATE = 16000;
/** Consonant noise relative to the voiced part (RMS over talk spurts). */
const CONSONANT_LEVEL_DB = -12;

/** Neutral formants of a 17.5 cm uniform tube, F_n = (2n − 1)·c / 4L. */
const NEUTRAL_FORMANTS = [500, 1500, 2500, 3500] as const;

/** Vowel targets F1–F4 (Peterson & Barney 1952, adult male averages; F4 ≈ 3.3–3.6 kHz). */
const VOWELS: readonly (readonly [number, number, number, number])[] = [
  [270, 2290, 3010, 3600], // i
  [390, 1990, 2550, 3500], // ɪ
  [530, 1840, 2480, 3500], // ɛ
  [660, 1720, 2410, 3400], // æ
  [730, 1090, 2440, 3400], // ɑ
  [570, 840, 2410, 3300], // ɔ
  [440, 1020, 2240, 3300], // ʊ
  [300, 870, 2240, 3300], // u
  [640, 1190, 2390, 3400], // ʌ
  [490, 1350, 1690, 3300], // ɝ
];

/** Consonant-like noise: centre frequency (Hz), relative bandwidth, duration range (s). */
const CONSONANTS: readonly { centre: number; q: number; min: number; max: number }[] = [
  { centre: 3200, q: 3, min: 0.05, max: 0.1 }, // s-like
  { centre: 2500, q: 3, min: 0.05, max: 0.09 }, // sh-like
  { centre: 1800, q: 2, min: 0.02, max: 0.04 }, // t/k-like burst
  { centre: 1200, q: 1.5, min: 0.02, max: 0.04 }, // p-like burst
  { centre: 2800, q: 1, min: 0.04, max: 0.08 }, // f/h-like
];

/* ------------------------------------------------------------------------------------------------ */
/* Randomness                                                                                        */

/** mulberry32 (T. Ettinger, public domain): a small, fast, well-mixed 32-bit generator. */
class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** Approximately standard normal (Irwin–Hall sum of four uniforms; bounded, so no outliers). */
  normal(): number {
    return (this.next() + this.next() + this.next() + this.next() - 2) * Math.SQRT2 * 1.224744871;
  }
}

/** FNV-1a over UTF-16 code units, finished with the murmur3 fmix32 avalanche. */
function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function mixSeed(a: number, b: number): number {
  return hashString(`${a >>> 0}:${b >>> 0}`);
}

/* ------------------------------------------------------------------------------------------------ */
/* Speakers                                                                                          */

/**
 * A distinct, plausible adult voice derived from a hash of `speakerId` (same id → same voice).
 * Half the ids get a lower voice (85–160 Hz, longer vocal tract), half a higher one (160–255 Hz,
 * shorter tract); on top of the vocal-tract length each formant gets a ±8% personal offset, and
 * bandwidths (×0.7–1.5), jitter, shimmer, speaking rate (3–6 syllables/s) and breathiness vary too.
 * The parameters are drawn independently, so two ids can still come out close in every respect
 * (rarely: see voiceprint.ts for what that means for duplicate detection).
 */
export function voiceForSpeaker(speakerId: string): VoiceProfile {
  const rng = new Rng(hashString(speakerId));
  const lower = rng.next() < 0.5;
  const pitchHz = lower ? 85 * (160 / 85) ** rng.next() : 160 * (255 / 160) ** rng.next();
  // Formant scale relative to the 17.5 cm reference: ~0.88–1.04 (longer tracts) or 1.06–1.22.
  const tract = lower ? rng.range(0.88, 1.04) : rng.range(1.06, 1.22);
  const formants = NEUTRAL_FORMANTS.map((f) => Math.round(f * tract * rng.range(0.92, 1.08))) as [
    number,
    number,
    number,
    number,
  ];
  const widen = rng.range(0.7, 1.5);
  const bandwidths = [60, 90, 130, 190].map((b) => Math.round(b * widen * rng.range(0.9, 1.1))) as [
    number,
    number,
    number,
    number,
  ];
  return {
    pitchHz: Math.round(pitchHz * 10) / 10,
    formants,
    bandwidths,
    jitter: Math.round(rng.range(0.003, 0.015) * 1e4) / 1e4,
    shimmer: Math.round(rng.range(0.02, 0.07) * 1e4) / 1e4,
    syllableRate: Math.round(3 * 2 ** rng.next() * 100) / 100,
    breathiness: Math.round(rng.range(lower ? 0.02 : 0.04, lower ? 0.3 : 0.35) * 1e3) / 1e3,
  };
}

/* ------------------------------------------------------------------------------------------------ */
/* Layout                                                                                            */

function checkCommon(seconds: number, sampleRate: number): void {
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new CvkError("INPUT_INVALID", `Duration must be a non-negative number of seconds, got ${seconds}.`);
  }
  if (!Number.isInteger(sampleRate) || sampleRate < 4000 || sampleRate > 384000) {
    throw new CvkError(
      "INPUT_INVALID",
      `Sample rate must be a whole number of Hz ≥ 4000, got ${sampleRate}.`,
    );
  }
}

/**
 * The talk spurts `synthesizeSpeech` produces for these options (seconds from the start of its
 * output, hold music included): the ground truth for VAD tests. Spurts add up to
 * speechRatio × seconds; pauses take the rest, with shorter pauses before the first and after the
 * last spurt.
 */
export function speechLayout(options: SynthesizeSpeechOptions): SpeechSegment[] {
  const offset = options.holdMusic?.seconds ?? 0;
  return planPhrases(options.seconds, options.speechRatio ?? 0.75, options.seed ?? 1).map((p) => ({
    start: p.start + offset,
    end: p.end + offset,
  }));
}

function planPhrases(seconds: number, ratio: number, seed: number): SpeechSegment[] {
  if (!(ratio >= 0 && ratio <= 1)) {
    throw new CvkError("INPUT_INVALID", `speechRatio must be between 0 and 1, got ${ratio}.`);
  }
  const talk = seconds * ratio;
  if (talk <= 0) return [];
  if (ratio >= 1) return [{ start: 0, end: seconds }];
  const rng = new Rng(mixSeed(seed, 0x5e9));
  const count = Math.max(1, Math.round(talk / 2.2));
  const phrases: number[] = [];
  const pauses: number[] = [];
  for (let i = 0; i < count; i++) phrases.push(rng.range(0.55, 1.6));
  for (let i = 0; i <= count; i++) pauses.push(rng.range(0.6, 1.4) * (i === 0 || i === count ? 0.5 : 1));
  const phraseScale = talk / phrases.reduce((a, b) => a + b, 0);
  const pauseScale = (seconds - talk) / pauses.reduce((a, b) => a + b, 0);
  const out: SpeechSegment[] = [];
  let t = (pauses[0] as number) * pauseScale;
  for (let i = 0; i < count; i++) {
    const end = t + (phrases[i] as number) * phraseScale;
    out.push({ start: t, end });
    t = end + (pauses[i + 1] as number) * pauseScale;
  }
  return out;
}

interface Syllable {
  start: number;
  end: number;
  /** End of the consonant onset (== start when there is none). */
  vowelStart: number;
  vowel: number;
  consonant: number;
  /** Relative loudness (stress). */
  level: number;
  /** Pitch accent peak in semitones. */
  accent: number;
  /** Phrase this syllable belongs to and its position within it (0..1 at the syllable start/end). */
  phraseStart: number;
  phraseEnd: number;
}

/**
 * Draws from 0..n−1 in shuffled blocks that contain every value once (Fisher–Yates per block), like
 * a phonetically balanced text: over a few dozen syllables every vowel and consonant type occurs
 * about equally often, so recordings of one voice differ in order, not in their phoneme mix.
 */
class BalancedDraw {
  private readonly block: number[];
  private next: number;
  private readonly rng: Rng;
  constructor(n: number, rng: Rng) {
    this.block = Array.from({ length: n }, (_, i) => i);
    this.next = n;
    this.rng = rng;
  }
  draw(): number {
    if (this.next >= this.block.length) {
      for (let i = this.block.length - 1; i > 0; i--) {
        const j = this.rng.int(i + 1);
        const t = this.block[i] as number;
        this.block[i] = this.block[j] as number;
        this.block[j] = t;
      }
      this.next = 0;
    }
    return this.block[this.next++] as number;
  }
}

function planSyllables(phrases: SpeechSegment[], rate: number, rng: Rng): Syllable[] {
  const out: Syllable[] = [];
  const vowels = new BalancedDraw(VOWELS.length, rng);
  // Consonant types plus "none" (twice, so ~70% of syllables have an onset).
  const onsets = new BalancedDraw(CONSONANTS.length + 2, rng);
  // One syllable in three is stressed.
  const stress = new BalancedDraw(3, rng);
  for (const phrase of phrases) {
    const duration = phrase.end - phrase.start;
    const count = Math.max(1, Math.round(duration * rate));
    const raw: number[] = [];
    for (let i = 0; i < count; i++) raw.push(rng.range(0.7, 1.3));
    const scale = duration / raw.reduce((a, b) => a + b, 0);
    let t = phrase.start;
    for (let i = 0; i < count; i++) {
      const end = i === count - 1 ? phrase.end : t + (raw[i] as number) * scale;
      const onset = onsets.draw();
      const consonant = onset < CONSONANTS.length ? onset : -1;
      let vowelStart = t;
      if (consonant >= 0) {
        const c = CONSONANTS[consonant] as (typeof CONSONANTS)[number];
        vowelStart = t + Math.min(0.35 * (end - t), rng.range(c.min, c.max));
      }
      const stressed = stress.draw() === 0;
      out.push({
        start: t,
        end,
        vowelStart,
        vowel: vowels.draw(),
        consonant,
        level: stressed ? rng.range(0.85, 1) : rng.range(0.5, 0.8),
        accent: stressed ? rng.range(1, 3.5) : rng.range(-1, 0.8),
        phraseStart: phrase.start,
        phraseEnd: phrase.end,
      });
      t = end;
    }
  }
  return out;
}

/* ------------------------------------------------------------------------------------------------ */
/* Speech                                                                                            */

const PULSE_TABLE_SIZE = 1024;
const OPEN_FRACTION = 0.4;
const CLOSE_FRACTION = 0.16;

/** Rosenberg type-C glottal flow g(φ) and its derivative dg/dφ over one period, φ ∈ [0, 1]. */
const [PULSE_FLOW, PULSE_DERIVATIVE] = (() => {
  const flow = new Float32Array(PULSE_TABLE_SIZE + 1);
  const derivative = new Float32Array(PULSE_TABLE_SIZE + 1);
  for (let i = 0; i <= PULSE_TABLE_SIZE; i++) {
    const phi = i / PULSE_TABLE_SIZE;
    if (phi < OPEN_FRACTION) {
      flow[i] = 0.5 * (1 - Math.cos((Math.PI * phi) / OPEN_FRACTION));
      derivative[i] = ((0.5 * Math.PI) / OPEN_FRACTION) * Math.sin((Math.PI * phi) / OPEN_FRACTION);
    } else if (phi < OPEN_FRACTION + CLOSE_FRACTION) {
      const u = (phi - OPEN_FRACTION) / CLOSE_FRACTION;
      flow[i] = Math.cos((Math.PI * u) / 2);
      derivative[i] = (-Math.PI / (2 * CLOSE_FRACTION)) * Math.sin((Math.PI * u) / 2);
    }
  }
  return [flow, derivative];
})();

/** Klatt (1980) resonator coefficients into `out` at `index`: y = a·x + b·y1 + c·y2. */
function resonator(
  out: Float64Array,
  index: number,
  frequency: number,
  bandwidth: number,
  rate: number,
): void {
  if (frequency >= 0.47 * rate) {
    // Above what this rate can carry: pass through unchanged.
    out[index] = 1;
    out[index + 1] = 0;
    out[index + 2] = 0;
    return;
  }
  const r = Math.exp((-Math.PI * bandwidth) / rate);
  const c = -r * r;
  const b = 2 * r * Math.cos((2 * Math.PI * frequency) / rate);
  out[index] = 1 - b - c;
  out[index + 1] = b;
  out[index + 2] = c;
}

/** Raised-sine syllable shape: 0 at the edges, 1 in the middle, with a broad top. */
function nucleusShape(u: number): number {
  if (u <= 0 || u >= 1) return 0;
  return Math.sqrt(Math.sin(Math.PI * u));
}

/** Smoothstep-like bump for pitch accents, peaking at u = 0.4. */
function accentShape(u: number): number {
  if (u <= 0 || u >= 1) return 0;
  const v = u < 0.4 ? u / 0.4 : (1 - u) / 0.6;
  return v * v * (3 - 2 * v);
}

interface VoicedParams {
  voicing: number;
  formants: Float64Array;
  f0: number;
  frication: number;
  consonant: number;
}

/**
 * Synthesises speech for one voice: phrases of syllables separated by silent pauses, optionally
 * after hold music and over background noise. Deterministic for (voice, seed, options).
 */
export function synthesizeSpeech(options: SynthesizeSpeechOptions): Float32Array {
  const { seconds, sampleRate } = options;
  checkCommon(seconds, sampleRate);
  const voice = typeof options.voice === "string" ? voiceForSpeaker(options.voice) : options.voice;
  checkVoice(voice);
  if (options.noise !== undefined && !Number.isFinite(options.noise.snrDb)) {
    throw new CvkError("INPUT_INVALID", `Noise SNR must be a number of dB, got ${options.noise.snrDb}.`);
  }
  if (options.gain !== undefined && !(Number.isFinite(options.gain) && options.gain >= 0)) {
    throw new CvkError("INPUT_INVALID", `Gain must be a non-negative number, got ${options.gain}.`);
  }
  const seed = options.seed ?? 1;
  const phrases = planPhrases(seconds, options.speechRatio ?? 0.75, seed);
  const rng = new Rng(mixSeed(seed, hashString(JSON.stringify(voice))));
  const syllables = planSyllables(phrases, voice.syllableRate, rng);
  // Render at the fixed internal rate, then convert: the same voice at every output rate.
  const internal = Math.round(seconds * VOICE_RATE);
  const voiced = new Float32Array(internal);
  const fricative = new Float32Array(internal);
  renderVoice(voice, syllables, VOICE_RATE, rng, voiced, fricative);

  // Mix consonant noise at a fixed level under the voiced part.
  const voicedRms = activeRms(voiced, phrases, VOICE_RATE);
  const fricRms = activeRms(fricative, phrases, VOICE_RATE);
  const fricGain = fricRms > 0 && voicedRms > 0 ? (voicedRms / fricRms) * 10 ** (CONSONANT_LEVEL_DB / 20) : 0;
  for (let i = 0; i < internal; i++) voiced[i] = (voiced[i] as number) + fricGain * (fricative[i] as number);
  const n = Math.round(seconds * sampleRate);
  const speech = fitLength(sampleRate === VOICE_RATE ? voiced : convertRate(voiced, sampleRate), n);

  // Set the active speech level.
  const speechRms = activeRms(speech, phrases, sampleRate);
  const level = 10 ** (SPEECH_LEVEL_DB / 20);
  const scale = speechRms > 0 ? level / speechRms : 0;
  for (let i = 0; i < n; i++) speech[i] = (speech[i] as number) * scale;

  let out = speech;
  const holdSeconds = options.holdMusic?.seconds ?? 0;
  if (holdSeconds > 0) {
    const music = synthesizeHoldMusic(holdSeconds, sampleRate, mixSeed(seed, 0x3a5c));
    out = new Float32Array(music.length + n);
    out.set(music);
    out.set(speech, music.length);
  }
  if (options.noise !== undefined) {
    const { type, snrDb } = options.noise;
    const noiseDb = SPEECH_LEVEL_DB - snrDb;
    const noise = synthesizeNoise(type, out.length / sampleRate, sampleRate, mixSeed(seed, 0x70153), noiseDb);
    const len = Math.min(noise.length, out.length);
    for (let i = 0; i < len; i++) out[i] = (out[i] as number) + (noise[i] as number);
  }
  applyGain(out, options.gain ?? 1);
  return out;
}

/** 16 kHz → `rate` with the "fast" filter (±0.012 dB to 0.425·min rate is plenty for a synthetic voice). */
function convertRate(x: Float32Array, rate: number): Float32Array {
  const resampler = new Resampler(VOICE_RATE, rate, { quality: "fast" });
  const head = resampler.process(x);
  const tail = resampler.flush();
  const out = new Float32Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}

function fitLength(x: Float32Array, n: number): Float32Array {
  if (x.length === n) return x;
  const out = new Float32Array(n);
  out.set(x.subarray(0, Math.min(n, x.length)));
  return out;
}

function checkVoice(voice: VoiceProfile): void {
  const ok =
    voice.pitchHz >= 40 &&
    voice.pitchHz <= 600 &&
    voice.formants.length === 4 &&
    voice.bandwidths.length === 4 &&
    voice.formants.every((f) => f > 0) &&
    voice.bandwidths.every((b) => b > 0) &&
    voice.syllableRate > 0 &&
    voice.jitter >= 0 &&
    voice.shimmer >= 0 &&
    voice.breathiness >= 0;
  if (!ok) throw new CvkError("INPUT_INVALID", "Voice profile is out of range.", { details: { voice } });
}

function applyGain(out: Float32Array, gain: number): void {
  for (let i = 0; i < out.length; i++) {
    const v = (out[i] as number) * gain;
    out[i] = Math.min(1, Math.max(-1, v));
  }
}

function activeRms(x: Float32Array, segments: SpeechSegment[], rate: number): number {
  let sum = 0;
  let count = 0;
  for (const s of segments) {
    const a = Math.max(0, Math.round(s.start * rate));
    const b = Math.min(x.length, Math.round(s.end * rate));
    for (let i = a; i < b; i++) sum += (x[i] as number) ** 2;
    count += Math.max(0, b - a);
  }
  return count > 0 ? Math.sqrt(sum / count) : 0;
}

/** Renders voiced (source → formant cascade) and consonant noise into separate buffers. */
function renderVoice(
  voice: VoiceProfile,
  syllables: Syllable[],
  rate: number,
  rng: Rng,
  voiced: Float32Array,
  fricative: Float32Array,
): void {
  const n = voiced.length;
  const block = Math.max(8, Math.round(rate * 0.002));
  const noiseScale = Math.sqrt(rate / 8000);
  const formantScale = voice.formants.map((f, i) => f / (NEUTRAL_FORMANTS[i] as number));
  const coeffs = new Float64Array(12);
  const fricCoeffs = new Float64Array(3);
  const state = new Float64Array(8);
  const params: VoicedParams = {
    voicing: 0,
    formants: new Float64Array(4),
    f0: voice.pitchHz,
    frication: 0,
    consonant: -1,
  };
  const driftPhase = rng.range(0, 2 * Math.PI);
  const driftRate = rng.range(0.15, 0.35);

  let phase = 0;
  let periodScale = 1;
  let pulseGain = 1;
  let fy1 = 0;
  let fy2 = 0;
  let syllableIndex = 0;
  let previousVoicing = 0;
  let previousFrication = 0;
  // Aspiration noise level: breathiness relative to the pulse, scaled so its spectral density does
  // not depend on the rendering rate.
  const breath = voice.breathiness * 0.6 * noiseScale;
  for (let b0 = 0; b0 < n; b0 += block) {
    const b1 = Math.min(n, b0 + block);
    if (previousVoicing === 0 && Math.abs(state[6] as number) < 1e-20) {
      // Silence: drop the decayed ringing before it turns into slow denormal arithmetic.
      state.fill(0);
    }
    const t = b1 / rate;
    while (syllableIndex < syllables.length && (syllables[syllableIndex] as Syllable).end <= t)
      syllableIndex++;
    controlAt(t, syllables, syllableIndex, voice, formantScale, driftPhase, driftRate, params);
    for (let k = 0; k < 4; k++) {
      resonator(coeffs, 3 * k, params.formants[k] as number, voice.bandwidths[k] as number, rate);
    }
    if (params.consonant >= 0) {
      const c = CONSONANTS[params.consonant] as (typeof CONSONANTS)[number];
      resonator(fricCoeffs, 0, Math.min(c.centre, 0.42 * rate), c.centre / c.q, rate);
    }
    const fa = fricCoeffs[0] as number;
    const fb = fricCoeffs[1] as number;
    const fc = fricCoeffs[2] as number;
    const step = params.f0 / rate;
    const v0 = previousVoicing;
    const dv = (params.voicing - v0) / (b1 - b0);
    const f0a = previousFrication;
    const df = (params.frication - f0a) / (b1 - b0);
    previousVoicing = params.voicing;
    previousFrication = params.frication;
    for (let i = b0; i < b1; i++) {
      const j = i - b0;
      phase += step * periodScale;
      if (phase >= 1) {
        phase -= 1;
        // New glottal cycle: perturb its period (jitter) and amplitude (shimmer).
        periodScale = 1 / (1 + voice.jitter * rng.normal());
        pulseGain = 1 + voice.shimmer * rng.normal();
      }
      const pos = phase * PULSE_TABLE_SIZE;
      const idx = pos | 0;
      const frac = pos - idx;
      const d0 = PULSE_DERIVATIVE[idx] as number;
      const dPulse = d0 + frac * ((PULSE_DERIVATIVE[idx + 1] as number) - d0);
      const g0 = PULSE_FLOW[idx] as number;
      const flow = g0 + frac * ((PULSE_FLOW[idx + 1] as number) - g0);
      const aspiration = breath * (rng.next() - 0.5) * 3.46 * (0.25 + flow);
      let x = (0.1 * dPulse * pulseGain + aspiration) * (v0 + dv * j);
      // Cascade F1 → F4.
      for (let k = 0; k < 4; k++) {
        const y =
          (coeffs[3 * k] as number) * x +
          (coeffs[3 * k + 1] as number) * (state[2 * k] as number) +
          (coeffs[3 * k + 2] as number) * (state[2 * k + 1] as number);
        state[2 * k + 1] = state[2 * k] as number;
        state[2 * k] = y;
        x = y;
      }
      voiced[i] = x;
      const amp = f0a + df * j;
      if (amp > 0) {
        const e = (rng.next() - 0.5) * 3.46 * noiseScale;
        const y = fa * e + fb * fy1 + fc * fy2;
        fy2 = fy1;
        fy1 = y;
        fricative[i] = y * amp;
      } else {
        fy2 = fy1;
        fy1 = 0;
      }
    }
  }
}

/** Control parameters at time t: voicing amplitude, formants, f0 and consonant noise. */
function controlAt(
  t: number,
  syllables: Syllable[],
  index: number,
  voice: VoiceProfile,
  formantScale: number[],
  driftPhase: number,
  driftRate: number,
  out: VoicedParams,
): void {
  const s = syllables[index];
  if (s === undefined || t < s.start) {
    out.voicing = 0;
    out.frication = 0;
    out.consonant = -1;
    return;
  }
  // Formants glide from the previous syllable's vowel over the first 40% of this one.
  const prev = syllables[index - 1];
  const from = VOWELS[prev !== undefined && prev.end === s.start ? prev.vowel : s.vowel] as readonly number[];
  const to = VOWELS[s.vowel] as readonly number[];
  const u = (t - s.start) / (s.end - s.start);
  const glide = Math.min(1, u / 0.4);
  const w = glide * glide * (3 - 2 * glide);
  for (let k = 0; k < 4; k++) {
    const f = (from[k] as number) + w * ((to[k] as number) - (from[k] as number));
    out.formants[k] = f * (formantScale[k] as number);
  }
  // Intonation: declination from +1.5 to −1.5 semitones over the phrase, a pitch accent, slow drift.
  const p = (t - s.phraseStart) / (s.phraseEnd - s.phraseStart);
  const semitones =
    1.5 - 3 * p + s.accent * accentShape(u) + 0.6 * Math.sin(2 * Math.PI * driftRate * t + driftPhase) - 0.35;
  out.f0 = voice.pitchHz * 2 ** (semitones / 12);
  // Voicing: weak murmur under the consonant, then the nucleus envelope, with 20 ms phrase fades.
  let voicing: number;
  let frication = 0;
  out.consonant = s.consonant;
  if (t < s.vowelStart) {
    const uc = (t - s.start) / (s.vowelStart - s.start);
    voicing = 0.08 * s.level;
    frication = s.level * Math.sin(Math.PI * uc);
  } else {
    const uv = (t - s.vowelStart) / (s.end - s.vowelStart);
    voicing = s.level * (0.1 + 0.9 * nucleusShape(uv));
  }
  const fade = Math.min(1, (t - s.phraseStart) / 0.02, (s.phraseEnd - t) / 0.02);
  out.voicing = voicing * Math.max(0, fade);
  out.frication = frication * Math.max(0, fade);
}

/* ------------------------------------------------------------------------------------------------ */
/* Tones, music and noise                                                                            */

/** A sine tone (amplitude defaults to 0.5, i.e. −9 dBFS RMS). */
export function synthesizeTone(
  frequency: number,
  seconds: number,
  sampleRate: number,
  amplitude = 0.5,
): Float32Array {
  checkCommon(seconds, sampleRate);
  const n = Math.round(seconds * sampleRate);
  const out = new Float32Array(n);
  const w = (2 * Math.PI * frequency) / sampleRate;
  for (let i = 0; i < n; i++) out[i] = amplitude * Math.sin(w * i);
  return out;
}

const WAVE_SIZE = 2048;
/** One period of a soft organ/e-piano timbre: harmonics 1–6 at 1/k², so chords stay mellow. */
const MUSIC_WAVE = (() => {
  const wave = new Float32Array(WAVE_SIZE + 1);
  for (let i = 0; i <= WAVE_SIZE; i++) {
    let v = 0;
    for (let k = 1; k <= 6; k++) v += Math.sin((2 * Math.PI * k * i) / WAVE_SIZE) / (k * k);
    wave[i] = v;
  }
  return wave;
})();

/**
 * Steady, tonal hold music: a four-chord progression (I–vi–IV–V in a seeded key), 2–3 s per chord,
 * bass plus triad plus a legato melody note per ~0.6–1.2 s, cross-faded so there are no gaps and no
 * syllabic envelope. About −24 dBFS RMS.
 */
export function synthesizeHoldMusic(seconds: number, sampleRate: number, seed = 1): Float32Array {
  checkCommon(seconds, sampleRate);
  const rng = new Rng(mixSeed(seed, 0x6d75));
  const n = Math.round(seconds * sampleRate);
  const out = new Float32Array(n);
  const key = 48 + rng.int(12); // C3..B3 (MIDI)
  const progression = [
    [0, 4, 7],
    [9, 12, 16],
    [5, 9, 12],
    [7, 11, 14],
  ];
  const scale = [0, 2, 4, 5, 7, 9, 11, 12];
  const voices = 5; // bass, 3 chord tones, melody
  const phases = new Float64Array(voices);
  const fade = Math.round(0.04 * sampleRate);
  let chordIndex = 0;
  let chordEnd = 0;
  let melodyEnd = 0;
  const freq = new Float64Array(voices);
  const previousFreq = new Float64Array(voices);
  const gains = [0.5, 0.35, 0.3, 0.3, 0.45];
  const sinceChange = new Int32Array(voices).fill(fade);
  for (let i = 0; i < n; i++) {
    if (i >= chordEnd) {
      const chord = progression[chordIndex % 4] as number[];
      chordIndex++;
      chordEnd = i + Math.round(rng.range(2, 3) * sampleRate);
      const notes = [key - 12 + (chord[0] as number), ...chord.map((c) => key + 12 + c)];
      for (let v = 0; v < 4; v++) {
        previousFreq[v] = freq[v] as number;
        freq[v] = midiToHz(notes[v] as number);
        sinceChange[v] = 0;
      }
    }
    if (i >= melodyEnd) {
      melodyEnd = i + Math.round(rng.range(0.6, 1.2) * sampleRate);
      previousFreq[4] = freq[4] as number;
      freq[4] = midiToHz(key + 24 + (scale[rng.int(scale.length)] as number));
      sinceChange[4] = 0;
    }
    let sum = 0;
    for (let v = 0; v < voices; v++) {
      const since = sinceChange[v] as number;
      // Glide to the new note over `fade` samples (portamento), so amplitude never drops.
      const f =
        since >= fade
          ? (freq[v] as number)
          : (previousFreq[v] as number) +
            (since / fade) * ((freq[v] as number) - (previousFreq[v] as number));
      if (since < fade) sinceChange[v] = since + 1;
      let ph = (phases[v] as number) + f / sampleRate;
      if (ph >= 1) ph -= 1;
      phases[v] = ph;
      const pos = ph * WAVE_SIZE;
      const idx = pos | 0;
      const a = MUSIC_WAVE[idx] as number;
      sum += (gains[v] as number) * (a + (pos - idx) * ((MUSIC_WAVE[idx + 1] as number) - a));
    }
    out[i] = sum;
  }
  setRms(out, 10 ** (MUSIC_LEVEL_DB / 20));
  return out;
}

/**
 * White or pink Gaussian-like noise with exactly `rmsDb` dBFS RMS. Pink is white noise through Paul
 * Kellet's "refined" pinking filter (within ±0.05 dB of −3 dB/octave above ~0.0002·rate).
 */
export function synthesizeNoise(
  type: "white" | "pink",
  seconds: number,
  sampleRate: number,
  seed = 1,
  rmsDb = -30,
): Float32Array {
  checkCommon(seconds, sampleRate);
  if (type !== "white" && type !== "pink") {
    throw new CvkError("INPUT_INVALID", `Unknown noise type "${String(type)}".`, {
      hint: 'Use "white" or "pink".',
    });
  }
  const rng = new Rng(mixSeed(seed, type === "white" ? 0x1 : 0x2));
  const n = Math.round(seconds * sampleRate);
  const out = new Float32Array(n);
  if (type === "white") {
    for (let i = 0; i < n; i++) out[i] = rng.normal();
  } else {
    let b0 = 0;
    let b1 = 0;
    let b2 = 0;
    let b3 = 0;
    let b4 = 0;
    let b5 = 0;
    let b6 = 0;
    for (let i = 0; i < n; i++) {
      const w = rng.normal();
      b0 = 0.99886 * b0 + w * 0.0555179;
      b1 = 0.99332 * b1 + w * 0.0750759;
      b2 = 0.969 * b2 + w * 0.153852;
      b3 = 0.8665 * b3 + w * 0.3104856;
      b4 = 0.55 * b4 + w * 0.5329522;
      b5 = -0.7616 * b5 - w * 0.016898;
      out[i] = b0 + b1 + b2 + b3 + b4 + b5 + b6 + w * 0.5362;
      b6 = w * 0.115926;
    }
  }
  setRms(out, 10 ** (rmsDb / 20));
  return out;
}

function midiToHz(note: number): number {
  return 440 * 2 ** ((note - 69) / 12);
}

function setRms(x: Float32Array, target: number): void {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += (x[i] as number) ** 2;
  if (sum === 0) return;
  const g = target / Math.sqrt(sum / x.length);
  for (let i = 0; i < x.length; i++) x[i] = (x[i] as number) * g;
}
