import { describe, expect, it } from "vitest";
import {
  type SynthesizeSpeechOptions,
  speechLayout,
  synthesizeHoldMusic,
  synthesizeNoise,
  synthesizeSpeech,
  synthesizeTone,
} from "./synth.ts";
import { measureSpeech, type SpeechMeasurement, SpeechMeter } from "./vad.ts";

function truth(options: SynthesizeSpeechOptions): number {
  return speechLayout(options).reduce((sum, s) => sum + s.end - s.start, 0);
}

function relativeError(measured: SpeechMeasurement, expected: number): number {
  return (measured.speechSeconds - expected) / expected;
}

/** A DTMF digit string (70 ms tones, 80 ms gaps) over faint line noise. */
function dtmf(rate: number): Float32Array {
  const digits: [number, number][] = [
    [697, 1209],
    [770, 1336],
    [852, 1477],
    [941, 1633],
    [697, 1336],
    [852, 1209],
  ];
  const out = synthesizeNoise("white", 4, rate, 5, -55);
  for (let d = 0; d < 24; d++) {
    const [low, high] = digits[d % digits.length] as [number, number];
    const a = synthesizeTone(low, 0.07, rate, 0.2);
    const b = synthesizeTone(high, 0.07, rate, 0.16);
    const start = Math.round((0.2 + d * 0.15) * rate);
    for (let i = 0; i < a.length; i++)
      out[start + i] = (out[start + i] as number) + (a[i] as number) + (b[i] as number);
  }
  return out;
}

describe("measureSpeech", () => {
  it("measures net speech of synthetic talkers within ±15% of the known layout", () => {
    for (let s = 1; s <= 6; s++) {
      const options = {
        voice: `caller-${String(s).padStart(3, "0")}`,
        seconds: 15,
        sampleRate: 8000,
        seed: 40 + s,
        speechRatio: 0.55 + 0.07 * s,
      };
      const result = measureSpeech(synthesizeSpeech(options), 8000);
      expect(Math.abs(relativeError(result, truth(options))), options.voice).toBeLessThan(0.15);
      expect(result.totalSeconds).toBe(15);
      expect(result.frames).toBe(1500);
    }
  });

  it("finds the talk spurts where they are", () => {
    const options = { voice: "caller-012", seconds: 15, sampleRate: 8000, seed: 8 };
    const layout = speechLayout(options);
    const result = measureSpeech(synthesizeSpeech(options), 8000);
    for (const phrase of layout) {
      const covered = result.segments.reduce(
        (sum, s) => sum + Math.max(0, Math.min(s.end, phrase.end) - Math.max(s.start, phrase.start)),
        0,
      );
      expect(covered / (phrase.end - phrase.start)).toBeGreaterThan(0.9);
    }
    for (let i = 1; i < result.segments.length; i++) {
      expect((result.segments[i] as { start: number }).start).toBeGreaterThan(
        (result.segments[i - 1] as { end: number }).end,
      );
    }
    const summed = result.segments.reduce((sum, s) => sum + s.end - s.start, 0);
    expect(result.speechSeconds).toBeCloseTo(summed, 9);
    expect(result.speechFrames).toBeGreaterThan(0);
  });

  it("stays within ±20% with pink noise at 15 dB SNR, and at 16 and 44.1 kHz", () => {
    for (const [s, rate] of [
      [2, 8000],
      [3, 16000],
      [4, 44100],
    ] as const) {
      const options = {
        voice: `caller-02${s}`,
        seconds: 15,
        sampleRate: rate,
        seed: s,
        noise: { type: "pink" as const, snrDb: 15 },
      };
      const error = relativeError(measureSpeech(synthesizeSpeech(options), rate), truth(options));
      expect(Math.abs(error), `${rate} Hz`).toBeLessThan(0.2);
    }
  });

  it("finds no speech in silence, line noise, hum or DTMF", () => {
    expect(measureSpeech(new Float32Array(8000 * 5), 8000).speechSeconds).toBe(0);
    expect(measureSpeech(synthesizeNoise("white", 5, 8000, 1, -30), 8000).speechSeconds).toBeLessThan(0.1);
    expect(measureSpeech(synthesizeNoise("pink", 5, 16000, 2, -30), 16000).speechSeconds).toBeLessThan(0.1);
    const hum = new Float32Array(8000 * 5);
    for (let i = 0; i < hum.length; i++) {
      for (let h = 1; h <= 9; h += 2)
        hum[i] = (hum[i] as number) + (0.05 / h) * Math.sin((2 * Math.PI * 60 * h * i) / 8000);
    }
    expect(measureSpeech(hum, 8000).speechSeconds).toBeLessThan(0.1);
    expect(measureSpeech(dtmf(8000), 8000).speechSeconds).toBeLessThan(0.1);
  });

  it("counts less than 10% of hold music, alone or before a caller", () => {
    const music = synthesizeHoldMusic(20, 8000, 7);
    expect(measureSpeech(music, 8000).speechSeconds).toBeLessThan(2);
    // Music starting after silence, so the noise floor around its onset is low.
    const padded = new Float32Array(8000 * 26);
    padded.set(synthesizeHoldMusic(20, 8000, 8), 8000 * 3);
    expect(measureSpeech(padded, 8000).speechSeconds).toBeLessThan(2);
    const options = {
      voice: "caller-006",
      seconds: 10,
      sampleRate: 8000,
      seed: 3,
      holdMusic: { seconds: 10 },
    };
    const result = measureSpeech(synthesizeSpeech(options), 8000);
    const inMusic = result.segments.reduce((sum, s) => sum + Math.max(0, Math.min(s.end, 10) - s.start), 0);
    expect(inMusic).toBeLessThan(1);
    expect(Math.abs(relativeError(result, truth(options)))).toBeLessThan(0.15);
  });

  it("does not mistake music with a syllable-rate tremolo for speech", () => {
    // Energy and modulation alone would accept this; the stable spectral peaks give it away.
    const music = synthesizeHoldMusic(12, 8000, 3);
    const noise = synthesizeNoise("pink", 12, 8000, 1, -55);
    for (let i = 0; i < music.length; i++) {
      const tremolo = 1 - 0.9 * (0.5 + 0.5 * Math.cos((2 * Math.PI * 4 * i) / 8000));
      music[i] = (music[i] as number) * tremolo + (noise[i] as number);
    }
    expect(measureSpeech(music, 8000).speechSeconds).toBeLessThan(1.2);
  });

  it("gives the same result streamed in random chunks as in one piece", () => {
    for (const rate of [8000, 16000, 44100]) {
      const samples = synthesizeSpeech({
        voice: "caller-009",
        seconds: 8,
        sampleRate: rate,
        seed: 1,
        noise: { type: "white", snrDb: 25 },
      });
      const oneShot = measureSpeech(samples, rate);
      const meter = new SpeechMeter(rate);
      let s = 17;
      for (let i = 0; i < samples.length; ) {
        s = (Math.imul(s, 1103515245) + 12345) >>> 0;
        const size = s % 7 === 0 ? 0 : s % 7 === 1 ? 1 : (s >>> 8) % 3000;
        meter.push(samples.subarray(i, i + size));
        i += size;
      }
      expect(meter.result()).toEqual(oneShot);
      expect(meter.result()).toEqual(oneShot);
      expect(() => meter.push(new Float32Array(1))).toThrow(/after result/);
    }
  });

  it("handles empty and very short input", () => {
    expect(measureSpeech(new Float32Array(0), 8000)).toEqual({
      speechSeconds: 0,
      totalSeconds: 0,
      frames: 0,
      speechFrames: 0,
      segments: [],
    });
    expect(measureSpeech(new Float32Array(33), 16000).frames).toBe(1);
    expect(() => new SpeechMeter(0)).toThrow(/Sample rate/);
  });
});
