import { isCvkError, seededRandom } from "@cvk/core";
import { describe, expect, it } from "vitest";
import {
  alawToLinear,
  decodeFrames,
  encodePcm16,
  encodeSamples,
  FrameDecoder,
  linearToAlaw,
  linearToMulaw,
  mulawToLinear,
} from "./codecs.ts";
import type { WavEncoding } from "./wav-header.ts";

function noise(frames: number, seed: number, amplitude = 1): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length: frames }, () => amplitude * (random() * 2 - 1));
}

/** Every 16-bit sample value, as floats. */
const ALL_INT16 = Float32Array.from({ length: 65536 }, (_, i) => (i - 32768) / 32768);

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isCvkError(error) ? error.code : `not a CvkError: ${String(error)}`;
  }
  return undefined;
}

describe("G.711", () => {
  it("decodes reference code points", () => {
    // μ-law: 0xFF and 0x7F are ±0, 0x80/0x00 are ±full scale (32124 on the 16-bit scale).
    expect([0xff, 0x7f, 0x80, 0x00].map(mulawToLinear)).toEqual([0, 0, 32124, -32124]);
    // A-law has no zero: 0xD5/0x55 are ±8; 0xAA/0x2A are ±full scale (32256).
    expect([0xd5, 0x55, 0xaa, 0x2a].map(alawToLinear)).toEqual([8, -8, 32256, -32256]);
  });

  it("re-encodes every decoded code to itself (μ-law's negative zero aside)", () => {
    for (let code = 0; code < 256; code++) {
      expect(linearToAlaw(alawToLinear(code))).toBe(code);
      if (code !== 0x7f) expect(linearToMulaw(mulawToLinear(code))).toBe(code);
    }
    expect(linearToMulaw(mulawToLinear(0x7f))).toBe(0xff);
  });

  it("round-trips every 16-bit value within G.711 quantisation error", () => {
    for (const encoding of ["mulaw", "alaw"] as const) {
      const decoded = decodeFrames(encodeSamples([ALL_INT16], encoding, 8), {
        encoding,
        bitsPerSample: 8,
        channels: 1,
      })[0] as Float32Array;
      let worst = 0;
      for (let i = 0; i < 65536; i++) {
        const x = i - 32768;
        const error = Math.abs((decoded[i] ?? Number.NaN) * 32768 - x);
        // Half a quantisation step: segments double in width, so the step is about |x|/16 (μ-law
        // biased by 132); both laws clip just below full scale.
        const clipped = encoding === "mulaw" ? Math.abs(x) > 32635 : Math.abs(x) > 32767 - 256;
        const bound = clipped
          ? 32768 - 32124
          : encoding === "mulaw"
            ? (Math.abs(x) + 132) / 32 + 1
            : Math.max(8, Math.abs(x) / 32) + 1;
        if (error > bound) throw new Error(`${encoding} ${x}: error ${error} > ${bound}`);
        if (Math.abs(x) >= 1024) worst = Math.max(worst, error / Math.abs(x));
      }
      // Quantisation is real (not lossless) but small: about 3 % of the value at worst (beyond the
      // linear region near zero, where the absolute bound above applies).
      expect(worst).toBeGreaterThan(0);
      expect(worst).toBeLessThan(0.07);
    }
  });
});

describe("decodeFrames", () => {
  it("decodes PCM-16 exactly and de-interleaves channels", () => {
    const bytes = Uint8Array.from([0x00, 0x80, 0xff, 0x7f, 0x01, 0x00, 0xff, 0xff]);
    const [left, right] = decodeFrames(bytes, { encoding: "pcm", bitsPerSample: 16, channels: 2 });
    expect(Array.from(left ?? [])).toEqual([-1, 1 / 32768]);
    expect(Array.from(right ?? [])).toEqual([32767 / 32768, -1 / 32768]);
  });

  it("decodes unsigned 8-bit PCM around 128", () => {
    const [mono] = decodeFrames(Uint8Array.from([0, 128, 255]), {
      encoding: "pcm",
      bitsPerSample: 8,
      channels: 1,
    });
    expect(Array.from(mono ?? [])).toEqual([-1, 0, 127 / 128]);
  });

  it("round-trips 24-bit PCM exactly, including both extremes", () => {
    const random = seededRandom(24);
    const ints = Int32Array.from({ length: 4096 }, () => Math.floor(random() * 2 ** 24) - 2 ** 23);
    ints[0] = -(2 ** 23);
    ints[1] = 2 ** 23 - 1;
    ints[2] = -1;
    const samples = Float32Array.from(ints, (v) => v / 2 ** 23);
    const bytes = encodeSamples([samples], "pcm", 24);
    expect(Array.from(bytes.subarray(6, 9))).toEqual([0xff, 0xff, 0xff]); // -1, little-endian
    const [decoded] = decodeFrames(bytes, { encoding: "pcm", bitsPerSample: 24, channels: 1 });
    expect(decoded).toEqual(samples);
  });

  it("round-trips every PCM-16 value exactly through float", () => {
    const bytes = encodeSamples([ALL_INT16], "pcm", 16);
    const decoded = decodeFrames(bytes, {
      encoding: "pcm",
      bitsPerSample: 16,
      channels: 1,
    })[0] as Float32Array;
    const reencoded = encodePcm16(decoded);
    // First mismatch (deep-equal on 65,536 elements is slow and its diff unreadable).
    expect(decoded.findIndex((v, i) => v !== ALL_INT16[i])).toBe(-1);
    expect(reencoded.findIndex((v, i) => v !== i - 32768)).toBe(-1);
  });

  it("keeps 32-bit PCM and float output inside [-1, 1)", () => {
    const pcm32 = new Uint8Array(12);
    const view = new DataView(pcm32.buffer);
    view.setInt32(0, 2 ** 31 - 1, true);
    view.setInt32(4, -(2 ** 31), true);
    view.setInt32(8, 2 ** 30, true);
    const [ints] = decodeFrames(pcm32, { encoding: "pcm", bitsPerSample: 32, channels: 1 });
    expect(ints?.[0]).toBeLessThan(1);
    expect(ints?.[0]).toBeGreaterThan(0.9999999);
    expect(Array.from(ints ?? []).slice(1)).toEqual([-1, 0.5]);

    for (const bits of [32, 64]) {
      const floats = encodeSamples([Float32Array.from([1.5, -3, Number.NaN, 0.25, 1])], "float", bits);
      const [decoded] = decodeFrames(floats, { encoding: "float", bitsPerSample: bits, channels: 1 });
      const values = Array.from(decoded ?? []);
      expect(values[0]).toBeLessThan(1);
      expect(values[0]).toBeGreaterThan(0.9999999);
      expect(values.slice(1, 4)).toEqual([-1, 0, 0.25]);
      expect(values[4]).toBeLessThan(1);
    }
  });

  it.each([
    { encoding: "pcm" as WavEncoding, bits: 16 },
    { encoding: "pcm" as WavEncoding, bits: 24 },
    { encoding: "pcm" as WavEncoding, bits: 32 },
    { encoding: "float" as WavEncoding, bits: 32 },
    { encoding: "float" as WavEncoding, bits: 64 },
  ])("decodes $bits-bit $encoding the same at any byte offset", ({ encoding, bits }) => {
    const channels = [noise(257, 1, 0.9), noise(257, 2, 0.9), noise(257, 3, 0.9)];
    const bytes = encodeSamples(channels, encoding, bits);
    const format = { encoding, bitsPerSample: bits, channels: 3 };
    const expected = decodeFrames(bytes, format);
    for (const shift of [1, 2, 3, 5, 7]) {
      const buffer = new Uint8Array(bytes.length + shift);
      buffer.set(bytes, shift);
      expect(decodeFrames(buffer.subarray(shift), format)).toEqual(expected);
    }
    // Node Buffers (what fs streams yield) at odd offsets too: Buffer#slice does not copy.
    const pooled = Buffer.alloc(bytes.length + 1);
    pooled.set(bytes, 1);
    expect(decodeFrames(pooled.subarray(1), format)).toEqual(expected);
    // And the decode is right, not just consistent: within the format's precision.
    for (let c = 0; c < 3; c++) {
      const source = channels[c] as Float32Array;
      const decoded = expected[c] as Float32Array;
      for (let i = 0; i < source.length; i++) {
        expect(Math.abs((decoded[i] ?? 0) - (source[i] ?? 0))).toBeLessThanOrEqual(
          2 ** -(bits === 16 ? 15 : 23),
        );
      }
    }
  });

  it("fills caller-provided arrays when they are long enough", () => {
    const out = [new Float32Array(10), new Float32Array(10)];
    const bytes = encodeSamples([Float32Array.from([0.5, -0.5]), Float32Array.from([0.25, 0])], "pcm", 16);
    const result = decodeFrames(bytes, { encoding: "pcm", bitsPerSample: 16, channels: 2 }, out);
    expect(result[0]?.buffer).toBe(out[0]?.buffer);
    expect(result[0]?.length).toBe(2);
    expect(Array.from(out[1]?.subarray(0, 2) ?? [])).toEqual([0.25, 0]);
    const small = decodeFrames(bytes, { encoding: "pcm", bitsPerSample: 16, channels: 2 }, [
      new Float32Array(1),
    ]);
    expect(small[0]?.length).toBe(2);
  });

  it("rejects partial frames and unsupported formats with CvkErrors", () => {
    expect(
      codeOf(() => decodeFrames(new Uint8Array(3), { encoding: "pcm", bitsPerSample: 16, channels: 1 })),
    ).toBe("INTERNAL");
    expect(
      codeOf(() => decodeFrames(new Uint8Array(4), { encoding: "pcm", bitsPerSample: 12, channels: 1 })),
    ).toBe("AUDIO_UNSUPPORTED");
    expect(
      codeOf(() => decodeFrames(new Uint8Array(4), { encoding: "mulaw", bitsPerSample: 16, channels: 1 })),
    ).toBe("AUDIO_UNSUPPORTED");
  });
});

describe("FrameDecoder", () => {
  const formats: { encoding: WavEncoding; bits: number; channels: number }[] = [
    { encoding: "pcm", bits: 8, channels: 2 },
    { encoding: "pcm", bits: 16, channels: 2 },
    { encoding: "pcm", bits: 24, channels: 3 },
    { encoding: "pcm", bits: 32, channels: 1 },
    { encoding: "float", bits: 64, channels: 2 },
    { encoding: "mulaw", bits: 8, channels: 1 },
    { encoding: "alaw", bits: 8, channels: 2 },
  ];

  function concatChannels(parts: Float32Array[][], channels: number): Float32Array[] {
    return Array.from({ length: channels }, (_, c) => {
      const total = parts.reduce((sum, part) => sum + (part[c]?.length ?? 0), 0);
      const out = new Float32Array(total);
      let offset = 0;
      for (const part of parts) {
        out.set(part[c] ?? new Float32Array(0), offset);
        offset += part[c]?.length ?? 0;
      }
      return out;
    });
  }

  it.each(formats)(
    "matches the one-shot decode of $bits-bit $encoding × $channels when split at every odd offset",
    ({ encoding, bits, channels }) => {
      const format = { encoding, bitsPerSample: bits, channels };
      const source = Array.from({ length: channels }, (_, c) => noise(37, 10 + c, 0.8));
      const bytes = encodeSamples(source, encoding, bits);
      const expected = decodeFrames(bytes, format);

      for (let split = 1; split < bytes.length; split += 2) {
        const decoder = new FrameDecoder(format);
        const parts = [decoder.push(bytes.subarray(0, split)), decoder.push(bytes.subarray(split))];
        expect(decoder.pendingBytes).toBe(0);
        expect(concatChannels(parts, channels)).toEqual(expected);
      }
      // Many small chunks of every odd size, so partial frames carry across several pushes.
      for (let size = 1; size < 2 * bits; size += 2) {
        const decoder = new FrameDecoder(format);
        const parts: Float32Array[][] = [];
        for (let at = 0; at < bytes.length; at += size)
          parts.push(decoder.push(bytes.subarray(at, at + size)));
        expect(concatChannels(parts, channels)).toEqual(expected);
      }
    },
  );

  it("holds back an incomplete frame", () => {
    const decoder = new FrameDecoder({ encoding: "pcm", bitsPerSample: 16, channels: 2 });
    const first = decoder.push(Uint8Array.from([1, 0, 2]));
    expect(first.map((c) => c.length)).toEqual([0, 0]);
    expect(decoder.pendingBytes).toBe(3);
    const second = decoder.push(Uint8Array.from([0, 3, 0]));
    expect(second.map((c) => Array.from(c, (v) => v * 32768))).toEqual([[1], [2]]);
    expect(decoder.pendingBytes).toBe(2);
    const third = decoder.push(Uint8Array.from([0xff, 0xff]));
    expect(third.map((c) => Array.from(c, (v) => v * 32768))).toEqual([[3], [-1]]);
    expect(decoder.pendingBytes).toBe(0);
  });
});

describe("encodePcm16", () => {
  it("rounds to nearest and clips", () => {
    const input = Float32Array.from([100.4 / 32768, 100.6 / 32768, -100.6 / 32768, 1, -1, 2, -2, Number.NaN]);
    expect(Array.from(encodePcm16(input))).toEqual([100, 101, -101, 32767, -32768, 32767, -32768, 0]);
  });

  it("dithers reproducibly with a seed, and the dither linearises a sub-LSB level", () => {
    const level = 0.25 / 32768; // a quarter of one LSB: plain rounding turns it into silence
    const input = new Float32Array(20_000).fill(level);
    expect(encodePcm16(input).every((v) => v === 0)).toBe(true);

    const a = encodePcm16(input, { dither: "tpdf", seed: 42 });
    const b = encodePcm16(input, { dither: "tpdf", seed: 42 });
    const c = encodePcm16(input, { dither: "tpdf", seed: 43 });
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const mean = a.reduce((sum, v) => sum + v, 0) / a.length;
    expect(mean).toBeGreaterThan(0.2);
    expect(mean).toBeLessThan(0.3);
    // TPDF noise spans ±1 LSB before rounding: no output is more than 1 LSB from the rounded input.
    expect(a.every((v) => v >= -1 && v <= 1)).toBe(true);
  });
});

describe("encodeSamples", () => {
  it("interleaves channels, little-endian", () => {
    const bytes = encodeSamples([Float32Array.from([1 / 32768, -1]), Float32Array.from([0.5, 2])], "pcm", 16);
    expect(Array.from(bytes)).toEqual([0x01, 0x00, 0x00, 0x40, 0x00, 0x80, 0xff, 0x7f]);
  });

  it("writes unsigned 8-bit PCM and refuses mismatched channels", () => {
    expect(Array.from(encodeSamples([Float32Array.from([-1, 0, 0.999])], "pcm", 8))).toEqual([0, 128, 255]);
    expect(codeOf(() => encodeSamples([new Float32Array(2), new Float32Array(3)], "pcm", 16))).toBe(
      "INTERNAL",
    );
  });
});
