import { isCvkError } from "@cvk/core";
import { describe, expect, it } from "vitest";
import { RealFft } from "./fft.ts";
import {
  speechLayout,
  synthesizeHoldMusic,
  synthesizeNoise,
  synthesizeSpeech,
  synthesizeTone,
  voiceForSpeaker,
} from "./synth.ts";

const sameBits = (a: Float32Array, b: Float32Array): boolean =>
  a.length === b.length &&
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

function rms(x: Float32Array, from = 0, to = x.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += (x[i] as number) ** 2;
  return Math.sqrt(sum / Math.max(1, to - from));
}

/**
 * Median f0 of strongly periodic 40 ms frames by plain normalised autocorrelation (independent of
 * the voiceprint's estimator), preferring the shortest lag within 5% of the best peak.
 */
function medianPitch(x: Float32Array, rate: number): number {
  const frame = Math.round(0.04 * rate);
  const minLag = Math.floor(rate / 400);
  const maxLag = Math.ceil(rate / 60);
  const estimates: number[] = [];
  for (let start = 0; start + frame + maxLag < x.length; start += frame) {
    if (rms(x, start, start + frame) < 0.01) continue;
    const r: number[] = [];
    for (let lag = minLag; lag <= maxLag; lag++) {
      let xy = 0;
      let xx = 0;
      let yy = 0;
      for (let i = start; i < start + frame; i++) {
        const a = x[i] as number;
        const b = x[i + lag] as number;
        xy += a * b;
        xx += a * a;
        yy += b * b;
      }
      r.push(xy / Math.sqrt(xx * yy + 1e-20));
    }
    const best = Math.max(...r);
    if (best < 0.7) continue;
    const lag = r.findIndex((v, i) => v >= 0.95 * best && v >= (r[i - 1] ?? -1) && v >= (r[i + 1] ?? -1));
    estimates.push(rate / (minLag + lag));
  }
  estimates.sort((a, b) => a - b);
  return estimates[estimates.length >> 1] ?? 0;
}

/** Mean power of `x` in [lo, hi) Hz, averaged over 1024-point Hann frames. */
function bandPower(x: Float32Array, rate: number, lo: number, hi: number): number {
  const n = 1024;
  const fft = new RealFft(n);
  const frame = new Float32Array(n);
  const power = new Float64Array(n / 2 + 1);
  let total = 0;
  let frames = 0;
  for (let start = 0; start + n <= x.length; start += n) {
    for (let i = 0; i < n; i++)
      frame[i] = (x[start + i] as number) * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n));
    fft.powerSpectrum(frame, power);
    for (let k = Math.ceil((lo * n) / rate); k < (hi * n) / rate; k++) total += power[k] as number;
    frames++;
  }
  return total / frames;
}

describe("voiceForSpeaker", () => {
  it("gives every id a stable, plausible adult voice", () => {
    expect(voiceForSpeaker("caller-001")).toEqual(voiceForSpeaker("caller-001"));
    for (let i = 0; i < 200; i++) {
      const v = voiceForSpeaker(`caller-${i}`);
      expect(v.pitchHz).toBeGreaterThanOrEqual(85);
      expect(v.pitchHz).toBeLessThanOrEqual(255);
      const [f1, f2, f3, f4] = v.formants;
      expect(f1).toBeGreaterThan(350);
      expect(f1).toBeLessThan(f2);
      expect(f2).toBeLessThan(f3);
      expect(f3).toBeLessThan(f4);
      expect(f4).toBeLessThan(4800);
      expect(v.syllableRate).toBeGreaterThanOrEqual(3);
      expect(v.syllableRate).toBeLessThanOrEqual(6);
    }
  });

  it("gives distinct ids distinct profiles, spread over the pitch range", () => {
    const profiles = Array.from({ length: 50 }, (_, i) => JSON.stringify(voiceForSpeaker(`caller-${i}`)));
    expect(new Set(profiles).size).toBe(50);
    const pitches = Array.from({ length: 50 }, (_, i) => voiceForSpeaker(`caller-${i}`).pitchHz);
    expect(pitches.filter((p) => p < 160).length).toBeGreaterThan(10);
    expect(pitches.filter((p) => p >= 160).length).toBeGreaterThan(10);
  });
});

describe("synthesizeSpeech", () => {
  it("is bit-identical for the same speaker and seed, and differs for another seed or speaker", () => {
    const base = { voice: "caller-007", seconds: 3, sampleRate: 8000, seed: 4 };
    const a = synthesizeSpeech(base);
    expect(sameBits(a, synthesizeSpeech(base))).toBe(true);
    expect(sameBits(a, synthesizeSpeech({ ...base, seed: 5 }))).toBe(false);
    expect(sameBits(a, synthesizeSpeech({ ...base, voice: "caller-008" }))).toBe(false);
    const noisy = { ...base, noise: { type: "pink" as const, snrDb: 20 }, holdMusic: { seconds: 1 } };
    expect(sameBits(synthesizeSpeech(noisy), synthesizeSpeech(noisy))).toBe(true);
  });

  it.each(["caller-001", "caller-002", "caller-003", "caller-008", "caller-011", "caller-015"])(
    "speaks at the profile's pitch (%s)",
    (id) => {
      const x = synthesizeSpeech({ voice: id, seconds: 6, sampleRate: 16000, seed: 3, speechRatio: 1 });
      const pitch = voiceForSpeaker(id).pitchHz;
      expect(Math.abs(medianPitch(x, 16000) / pitch - 1)).toBeLessThan(0.08);
    },
  );

  it("talks for speechRatio of the time and is silent in the pauses", () => {
    const options = { voice: "caller-004", seconds: 12, sampleRate: 8000, seed: 9, speechRatio: 0.6 };
    const layout = speechLayout(options);
    const talk = layout.reduce((sum, s) => sum + s.end - s.start, 0);
    expect(talk).toBeCloseTo(0.6 * 12, 6);
    expect(layout.length).toBeGreaterThan(1);
    const x = synthesizeSpeech(options);
    expect(x.length).toBe(96000);
    for (let i = 0; i + 1 < layout.length; i++) {
      const pause = [(layout[i] as { end: number }).end, (layout[i + 1] as { start: number }).start];
      // Allow 50 ms for the formant resonators' ring-down after the phrase.
      const from = Math.ceil(((pause[0] as number) + 0.05) * 8000);
      const to = Math.floor((pause[1] as number) * 8000) - 8;
      expect(rms(x, from, to)).toBeLessThan(1e-4);
    }
    for (const s of layout)
      expect(rms(x, Math.round(s.start * 8000), Math.round(s.end * 8000))).toBeGreaterThan(0.02);
  });

  it("sets the active speech level, adds noise at the requested SNR and prepends hold music", () => {
    const options = { voice: "caller-010", seconds: 10, sampleRate: 8000, seed: 2 };
    const clean = synthesizeSpeech(options);
    const layout = speechLayout(options);
    let sum = 0;
    let count = 0;
    for (const s of layout) {
      for (let i = Math.round(s.start * 8000); i < Math.round(s.end * 8000); i++)
        sum += (clean[i] as number) ** 2;
      count += Math.round(s.end * 8000) - Math.round(s.start * 8000);
    }
    expect(10 * Math.log10(sum / count)).toBeCloseTo(-24, 0);

    const noisy = synthesizeSpeech({ ...options, noise: { type: "white", snrDb: 20 } });
    const noise = noisy.map((v, i) => v - (clean[i] as number));
    expect(20 * Math.log10(rms(noise))).toBeCloseTo(-44, 0);

    const withMusic = synthesizeSpeech({ ...options, holdMusic: { seconds: 2 } });
    expect(withMusic.length).toBe(12 * 8000);
    expect(sameBits(withMusic.subarray(16000), clean)).toBe(true);
    expect(rms(withMusic, 0, 16000)).toBeGreaterThan(0.03);
    expect(speechLayout({ ...options, holdMusic: { seconds: 2 } })[0]?.start).toBeCloseTo(
      (layout[0]?.start ?? 0) + 2,
      9,
    );
  });

  it("renders one voice the same way at every sample rate", () => {
    const at16 = synthesizeSpeech({ voice: "caller-005", seconds: 1, sampleRate: 16000, seed: 1 });
    const at8 = synthesizeSpeech({ voice: "caller-005", seconds: 1, sampleRate: 8000, seed: 1 });
    expect(at8.length).toBe(8000);
    // Same waveform, band-limited: every other 16 kHz sample is close to the 8 kHz one.
    let diff = 0;
    for (let i = 0; i < 8000; i++) diff += ((at8[i] as number) - (at16[2 * i] as number)) ** 2;
    expect(Math.sqrt(diff / 8000)).toBeLessThan(0.2 * rms(at8));
  });

  it("applies gain with clipping and rejects bad options", () => {
    const loud = synthesizeSpeech({ voice: "caller-003", seconds: 2, sampleRate: 8000, gain: 50 });
    expect(Math.max(...loud.map(Math.abs))).toBe(1);
    const bad = [
      () => synthesizeSpeech({ voice: "x", seconds: -1, sampleRate: 8000 }),
      () => synthesizeSpeech({ voice: "x", seconds: 1, sampleRate: 100 }),
      () => synthesizeSpeech({ voice: "x", seconds: 1, sampleRate: 8000, speechRatio: 2 }),
      () =>
        synthesizeSpeech({ voice: { ...voiceForSpeaker("x"), pitchHz: -3 }, seconds: 1, sampleRate: 8000 }),
    ];
    for (const run of bad) {
      let caught: unknown;
      try {
        run();
      } catch (error) {
        caught = error;
      }
      expect(isCvkError(caught) && caught.code).toBe("INPUT_INVALID");
    }
  });
});

describe("tones, hold music and noise", () => {
  it("makes a tone at the requested frequency and amplitude", () => {
    const x = synthesizeTone(1000, 1, 8000, 0.25);
    expect(x.length).toBe(8000);
    expect(rms(x)).toBeCloseTo(0.25 / Math.SQRT2, 3);
    expect(bandPower(x, 8000, 950, 1050) / bandPower(x, 8000, 0, 4000)).toBeGreaterThan(0.99);
  });

  it("makes steady, deterministic hold music at about −24 dBFS", () => {
    const a = synthesizeHoldMusic(6, 8000, 3);
    expect(sameBits(a, synthesizeHoldMusic(6, 8000, 3))).toBe(true);
    expect(sameBits(a, synthesizeHoldMusic(6, 8000, 4))).toBe(false);
    expect(20 * Math.log10(rms(a))).toBeCloseTo(-24, 1);
    // Steady: 100 ms levels stay within a few dB of each other (no syllabic envelope).
    const levels: number[] = [];
    for (let i = 0; i + 800 <= a.length; i += 800) levels.push(20 * Math.log10(rms(a, i, i + 800)));
    expect(Math.max(...levels) - Math.min(...levels)).toBeLessThan(6);
  });

  it("makes white and pink noise at the requested level with the right slope", () => {
    const white = synthesizeNoise("white", 4, 16000, 1, -30);
    const pink = synthesizeNoise("pink", 4, 16000, 1, -30);
    expect(20 * Math.log10(rms(white))).toBeCloseTo(-30, 5);
    expect(20 * Math.log10(rms(pink))).toBeCloseTo(-30, 5);
    // Octave bands 500–1000 and 4000–8000 Hz: white grows by 10·log10(8) ≈ 9 dB, pink stays flat.
    const whiteTilt =
      10 * Math.log10(bandPower(white, 16000, 4000, 8000) / bandPower(white, 16000, 500, 1000));
    const pinkTilt = 10 * Math.log10(bandPower(pink, 16000, 4000, 8000) / bandPower(pink, 16000, 500, 1000));
    expect(whiteTilt).toBeGreaterThan(8);
    expect(whiteTilt).toBeLessThan(10);
    expect(Math.abs(pinkTilt)).toBeLessThan(1.5);
    expect(sameBits(white, synthesizeNoise("white", 4, 16000, 2, -30))).toBe(false);
  });
});
