import { isCvkError } from "@cvk/core";
import { describe, expect, it } from "vitest";
import { RealFft } from "./fft.ts";
import {
  type ResampleAlgorithm,
  type ResampleQuality,
  Resampler,
  type ResamplerOptions,
  resample,
} from "./resample.ts";

function tone(frequency: number, seconds: number, rate: number, amplitude = 0.5, phase = 0): Float32Array {
  const n = Math.round(seconds * rate);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = amplitude * Math.sin((2 * Math.PI * frequency * i) / rate + phase);
  return out;
}

/** RMS over the middle 60%, away from the zero-padded start and end. */
function middleRms(x: Float32Array): number {
  const a = Math.floor(x.length * 0.2);
  const b = Math.floor(x.length * 0.8);
  let sum = 0;
  for (let i = a; i < b; i++) sum += (x[i] as number) ** 2;
  return Math.sqrt(sum / (b - a));
}

/** Amplitude of a sinusoid at `frequency` by least squares over the middle 60%. */
function amplitudeAt(x: Float32Array, frequency: number, rate: number): number {
  const a = Math.floor(x.length * 0.2);
  const b = Math.floor(x.length * 0.8);
  let ss = 0;
  let cc = 0;
  let sc = 0;
  let xs = 0;
  let xc = 0;
  for (let i = a; i < b; i++) {
    const s = Math.sin((2 * Math.PI * frequency * i) / rate);
    const c = Math.cos((2 * Math.PI * frequency * i) / rate);
    const v = x[i] as number;
    ss += s * s;
    cc += c * c;
    sc += s * c;
    xs += v * s;
    xc += v * c;
  }
  const det = ss * cc - sc * sc;
  return Math.hypot((xs * cc - xc * sc) / det, (xc * ss - xs * sc) / det);
}

/** Frequency of the strongest FFT bin, refined by parabolic interpolation of the log magnitudes. */
function peakFrequency(x: Float32Array, rate: number): number {
  const n = 4096;
  const fft = new RealFft(n);
  const frame = new Float32Array(n);
  const start = Math.floor((x.length - n) / 2);
  for (let i = 0; i < n; i++) {
    frame[i] = (x[start + i] as number) * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n));
  }
  const power = new Float64Array(n / 2 + 1);
  fft.powerSpectrum(frame, power);
  let best = 1;
  for (let k = 2; k < n / 2; k++) if ((power[k] as number) > (power[best] as number)) best = k;
  const l = Math.log(power[best - 1] as number);
  const c = Math.log(power[best] as number);
  const r = Math.log(power[best + 1] as number);
  return ((best + (0.5 * (l - r)) / (l - 2 * c + r)) * rate) / n;
}

const db = (ratio: number): number => 20 * Math.log10(ratio);

function streamed(
  input: Float32Array,
  inRate: number,
  outRate: number,
  seed: number,
  quality?: ResampleQuality,
  options: ResamplerOptions = {},
) {
  const resampler = new Resampler(inRate, outRate, quality === undefined ? options : { ...options, quality });
  const parts: Float32Array[] = [];
  let s = seed;
  let i = 0;
  while (i < input.length) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    // Mostly small chunks, including empty and single-sample ones, now and then a large one.
    const pick = s % 10;
    const size = pick === 0 ? 0 : pick === 1 ? 1 : pick < 8 ? (s >>> 8) % 97 : (s >>> 8) % 5000;
    parts.push(resampler.process(input.subarray(i, Math.min(input.length, i + size))));
    i += size;
  }
  parts.push(resampler.process(new Float32Array(0)));
  parts.push(resampler.flush());
  return joined(parts);
}

function joined(parts: Float32Array[]): Float32Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Float32Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function randomSignal(length: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  let s = seed >>> 0;
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

function oneShot(input: Float32Array, from: number, to: number, options: ResamplerOptions): Float32Array {
  const r = new Resampler(from, to, options);
  return joined([r.process(input), r.flush()]);
}

const sameBits = (a: Float32Array, b: Float32Array): boolean =>
  a.length === b.length &&
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe("resample", () => {
  it.each([16000, 44100, 48000])(
    "keeps a 1 kHz tone at 1 kHz and at the same level from %i Hz to 8 kHz",
    (rate) => {
      const out = resample(tone(1000, 1, rate), rate, 8000);
      expect(out.length).toBe(8000);
      expect(peakFrequency(out, 8000)).toBeCloseTo(1000, 0);
      expect(Math.abs(db(amplitudeAt(out, 1000, 8000) / 0.5))).toBeLessThan(0.1);
    },
  );

  it.each([16000, 44100, 48000])("suppresses aliasing of 4–7 kHz tones from %i Hz to 8 kHz", (rate) => {
    // 4 kHz itself (with a phase that does not vanish at the output Nyquist) and just above it
    // probe the stop-band edge; 4.5–7 kHz would alias to 3.5–1 kHz.
    for (const f of [4000, 4100, 4500, 5000, 6000, 7000]) {
      const input = tone(f, 0.5, rate, 0.5, 1);
      const high = middleRms(resample(input, rate, 8000));
      expect(db(high / middleRms(input)), `${f} Hz, high`).toBeLessThan(-80);
      const fast = new Resampler(rate, 8000, { quality: "fast" });
      const fastOut = fast.process(input);
      expect(db(middleRms(fastOut) / middleRms(input)), `${f} Hz, fast`).toBeLessThan(-60);
    }
  });

  it.each([11025, 22050, 32000, 96000])("passes 300–3400 Hz flat (±0.1 dB) from %i Hz to 8 kHz", (rate) => {
    for (const f of [300, 1000, 2500, 3400]) {
      const out = resample(tone(f, 0.25, rate), rate, 8000);
      expect(Math.abs(db(amplitudeAt(out, f, 8000) / 0.5)), `${f} Hz`).toBeLessThan(0.1);
    }
  });

  it("aligns output sample k with input time k/outRate (no group delay)", () => {
    for (const rate of [16000, 44100, 11025, 6000]) {
      const out = resample(tone(440, 0.5, rate), rate, 8000);
      const ideal = tone(440, 0.5, 8000);
      let worst = 0;
      for (let k = 800; k < out.length - 800; k++) {
        worst = Math.max(worst, Math.abs((out[k] as number) - (ideal[k] as number)));
      }
      expect(worst, `${rate} Hz`).toBeLessThan(1e-3);
    }
  });

  it("upsamples 6 kHz to 8 kHz without level change or images", () => {
    const input = tone(2500, 0.5, 6000);
    const out = resample(input, 6000, 8000);
    expect(out.length).toBe(4000);
    expect(Math.abs(db(amplitudeAt(out, 2500, 8000) / 0.5))).toBeLessThan(0.1);
    // The image of 2.5 kHz about the input Nyquist (6 − 2.5 = 3.5 kHz) must be gone.
    expect(db(amplitudeAt(out, 3500, 8000) / 0.5)).toBeLessThan(-80);
    expect(peakFrequency(resample(tone(1000, 1, 6000), 6000, 8000), 8000)).toBeCloseTo(1000, 0);
  });

  it("returns round(n · out / in) samples", () => {
    const pairs: [number, number][] = [
      [16000, 8000],
      [44100, 8000],
      [48000, 8000],
      [11025, 8000],
      [22050, 8000],
      [32000, 8000],
      [96000, 8000],
      [6000, 8000],
      [8000, 16000],
    ];
    for (const [from, to] of pairs) {
      for (const n of [0, 1, 2, 3, 7, 100, 441, 1001]) {
        expect(resample(new Float32Array(n).fill(0.1), from, to).length, `${from}→${to}, ${n}`).toBe(
          Math.round((n * to) / from),
        );
      }
    }
  });

  it("streams bit-identically to one-shot processing for random chunk sizes", () => {
    const pairs: [number, number, ResampleQuality | undefined][] = [
      [16000, 8000, undefined],
      [44100, 8000, undefined],
      [48000, 8000, "fast"],
      [11025, 8000, undefined],
      [6000, 8000, undefined],
      [22050, 8000, "fast"],
    ];
    for (const [from, to, quality] of pairs) {
      const input = new Float32Array(Math.round(from * 0.3));
      let s = 99;
      for (let i = 0; i < input.length; i++) {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        input[i] = s / 2 ** 31 - 1;
      }
      const whole = new Resampler(from, to, quality === undefined ? {} : { quality });
      const a = whole.process(input);
      const b = whole.flush();
      const oneShot = new Float32Array(a.length + b.length);
      oneShot.set(a);
      oneShot.set(b, a.length);
      for (const seed of [1, 2, 3]) {
        const chunked = streamed(input, from, to, seed, quality);
        expect(chunked.length, `${from}→${to}`).toBe(oneShot.length);
        expect(
          Buffer.from(chunked.buffer).equals(Buffer.from(oneShot.buffer)),
          `${from}→${to} seed ${seed}`,
        ).toBe(true);
      }
    }
  });

  it("can be reused after flush and reports its look-ahead", () => {
    const r = new Resampler(44100, 8000);
    expect(r.latencyFrames).toBeGreaterThan(0);
    const input = tone(300, 0.1, 44100);
    const first = [...r.process(input), ...r.flush()];
    const second = [...r.process(input), ...r.flush()];
    expect(second).toEqual(first);
    expect(new Resampler(8000, 8000).latencyFrames).toBe(0);
    expect(Array.from(resample(input, 44100, 44100))).toEqual(Array.from(input));
  });

  it("rejects rates that are not positive whole numbers", () => {
    for (const bad of [0, -8000, 8000.5, Number.NaN]) {
      let caught: unknown;
      try {
        new Resampler(bad, 8000);
      } catch (error) {
        caught = error;
      }
      expect(isCvkError(caught) && caught.code).toBe("INPUT_INVALID");
    }
  });

  it.each([16000, 44100, 48000])("passes 300–3600 Hz flat (±0.1 dB) from %i Hz to 8 kHz", (rate) => {
    // The "high" pass band matches sox `rate -v` (−3 dB at 0.475·8 kHz = 3.8 kHz).
    for (const f of [300, 1000, 2500, 3400, 3500, 3600]) {
      const out = resample(tone(f, 0.25, rate), rate, 8000);
      expect(Math.abs(db(amplitudeAt(out, f, 8000) / 0.5)), `${f} Hz`).toBeLessThan(0.1);
    }
  });

  it("gives the same output on the FFT and the direct path (within 1e-5)", () => {
    const cases: [number, number, ResampleQuality][] = [
      [16000, 8000, "high"],
      [16000, 8000, "fast"],
      [48000, 8000, "high"],
      [32000, 8000, "high"],
      [44100, 8000, "high"],
      [24000, 8000, "fast"],
    ];
    for (const [from, to, quality] of cases) {
      const input = randomSignal(Math.round(from * 0.4) + 7, from);
      const fft = oneShot(input, from, to, { quality, algorithm: "fft" });
      const direct = oneShot(input, from, to, { quality, algorithm: "direct" });
      expect(fft.length, `${from}→${to}`).toBe(Math.round((input.length * to) / from));
      expect(direct.length).toBe(fft.length);
      let worst = 0;
      for (let i = 0; i < fft.length; i++)
        worst = Math.max(worst, Math.abs((fft[i] as number) - (direct[i] as number)));
      expect(worst, `${from}→${to} ${quality}`).toBeLessThan(1e-5);
      // The FFT path really ran (and the direct one really did not).
      const stages = (r: Resampler) =>
        (r as unknown as { stages: { fftSize: number }[] }).stages.map((x) => x.fftSize);
      expect(stages(new Resampler(from, to, { quality, algorithm: "fft" })).some((n) => n > 0)).toBe(true);
      expect(stages(new Resampler(from, to, { quality, algorithm: "direct" })).every((n) => n === 0)).toBe(
        true,
      );
    }
    // "auto" takes the FFT path for the long 16 kHz → 8 kHz "high" filter.
    const auto = new Resampler(16000, 8000) as unknown as { stages: { fftSize: number }[] };
    expect(auto.stages[0]?.fftSize).toBeGreaterThan(0);
  });

  it("streams bit-identically to one-shot on the FFT path for random chunk sizes", () => {
    const pairs: [number, number, ResampleQuality][] = [
      [16000, 8000, "high"],
      [16000, 8000, "fast"],
      [48000, 8000, "high"],
      [44100, 8000, "high"],
      [32000, 8000, "fast"],
    ];
    for (const algorithm of ["fft", "auto"] as ResampleAlgorithm[]) {
      for (const [from, to, quality] of pairs) {
        // Long enough for several FFT blocks, plus lengths that end just inside and just past a block.
        for (const seconds of [0.7, 0.0013, 0.137]) {
          const input = randomSignal(Math.round(from * seconds), 5);
          const whole = oneShot(input, from, to, { quality, algorithm });
          expect(whole.length).toBe(Math.round((input.length * to) / from));
          for (const seed of [1, 2, 3]) {
            const chunked = streamed(input, from, to, seed, quality, { algorithm });
            expect(
              sameBits(chunked, whole),
              `${algorithm} ${from}→${to} ${quality} ${seconds}s seed ${seed}`,
            ).toBe(true);
          }
          // One sample at a time.
          const r = new Resampler(from, to, { quality, algorithm });
          const parts: Float32Array[] = [];
          for (let i = 0; i < Math.min(input.length, 3000); i++)
            parts.push(r.process(input.subarray(i, i + 1)));
          parts.push(r.process(input.subarray(Math.min(input.length, 3000))), r.flush());
          expect(sameBits(joined(parts), whole), `${algorithm} ${from}→${to} one by one`).toBe(true);
        }
      }
    }
  });

  it("returns reuseOutput views equal to fresh outputs, on both paths", () => {
    for (const algorithm of ["fft", "direct"] as ResampleAlgorithm[]) {
      for (const from of [16000, 48000, 44100]) {
        const input = randomSignal(Math.round(from * 0.5), 11);
        const fresh = new Resampler(from, 8000, { algorithm });
        const reused = new Resampler(from, 8000, { algorithm, reuseOutput: true });
        const a: Float32Array[] = [];
        const b: Float32Array[] = [];
        let s = 3;
        for (let i = 0; i < input.length; ) {
          s = (Math.imul(s, 1103515245) + 12345) >>> 0;
          const size = s % 7 === 0 ? 0 : (s >>> 8) % 3000;
          const chunk = input.subarray(i, i + size);
          a.push(fresh.process(chunk));
          // Copy the view now: it is only valid until the next call.
          b.push(reused.process(chunk).slice());
          i += size;
        }
        a.push(fresh.flush());
        b.push(reused.flush().slice());
        expect(sameBits(joined(b), joined(a)), `${algorithm} ${from}`).toBe(true);
        expect(joined(a).length).toBe(Math.round((input.length * 8000) / from));
      }
    }
  });
});
