/**
 * Sample decoding and encoding for the WAV encodings we read: PCM 8/16/24/32-bit, IEEE float
 * 32/64-bit, and ITU-T G.711 μ-law and A-law.
 *
 * Decoders produce one Float32Array per channel with samples in [-1, 1). Integer PCM is scaled by
 * 2^(bits−1) so that PCM-16 → float → PCM-16 is lossless. Hot loops read through typed-array views
 * of the input when alignment and the platform's byte order allow, and through bytes otherwise.
 */

import { CvkError, seededRandom } from "@cvk/core";
import type { WavEncoding, WavInfo } from "./wav-header.ts";

type SampleFormat = Pick<WavInfo, "encoding" | "bitsPerSample" | "channels">;

/** WAV data is little-endian; typed-array views are only usable on a little-endian host. */
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The largest float32 below 1 (1 − 2⁻²⁴): where decoded values are clamped to stay in [-1, 1). */
const BELOW_ONE = 1 - 2 ** -24;

/** True for the encoding/bit-depth pairs this module can decode and encode. */
export function isSupportedSampleFormat(encoding: WavEncoding, bitsPerSample: number): boolean {
  switch (encoding) {
    case "pcm":
      return bitsPerSample === 8 || bitsPerSample === 16 || bitsPerSample === 24 || bitsPerSample === 32;
    case "float":
      return bitsPerSample === 32 || bitsPerSample === 64;
    case "mulaw":
    case "alaw":
      return bitsPerSample === 8;
    default:
      return false;
  }
}

function assertFormat(format: SampleFormat): number {
  if (!isSupportedSampleFormat(format.encoding, format.bitsPerSample)) {
    throw new CvkError(
      "AUDIO_UNSUPPORTED",
      `Cannot decode ${format.bitsPerSample}-bit ${format.encoding} audio.`,
      {
        hint: "Supported: PCM 8/16/24/32-bit, float 32/64-bit, 8-bit μ-law/A-law.",
        details: { reason: "UNSUPPORTED_FORMAT" },
      },
    );
  }
  if (!Number.isInteger(format.channels) || format.channels < 1) {
    throw new CvkError("INTERNAL", `Invalid channel count ${format.channels}.`, {
      hint: "This is a bug in cvk; please report it.",
    });
  }
  return format.channels * (format.bitsPerSample / 8);
}

// --- ITU-T G.711 ---------------------------------------------------------------------------------
// The classic reference implementation (Sun Microsystems' public-domain g711.c) on the 16-bit scale.

const ULAW_BIAS = 0x84;
const ULAW_CLIP = 32635;

/** G.711 μ-law: 16-bit linear → 8-bit code (sign/segment/quantisation bits inverted on the wire). */
export function linearToMulaw(sample: number): number {
  let mask: number;
  let value = sample;
  if (value < 0) {
    value = -value;
    mask = 0x7f;
  } else {
    mask = 0xff;
  }
  if (value > ULAW_CLIP) value = ULAW_CLIP;
  value += ULAW_BIAS;
  // Segment = position of the highest set bit above bit 7 (value is in [0x84, 0x7FFF]).
  let segment = 0;
  for (let v = value >> 8; v > 0; v >>= 1) segment++;
  const code = (segment << 4) | ((value >> (segment + 3)) & 0x0f);
  return code ^ mask;
}

/** G.711 μ-law: 8-bit code → 16-bit linear (±32124). */
export function mulawToLinear(code: number): number {
  const u = ~code & 0xff;
  const t = (((u & 0x0f) << 3) + ULAW_BIAS) << ((u & 0x70) >> 4);
  return u & 0x80 ? ULAW_BIAS - t : t - ULAW_BIAS;
}

/** G.711 A-law: 16-bit linear → 8-bit code (even bits inverted on the wire, XOR 0x55). */
export function linearToAlaw(sample: number): number {
  // A-law quantises a 13-bit magnitude; negative values use the one's complement.
  let value = sample >> 3;
  let mask: number;
  if (value >= 0) {
    mask = 0xd5;
  } else {
    mask = 0x55;
    value = -value - 1;
  }
  if (value > 0xfff) return 0x7f ^ mask;
  let segment = 0;
  for (let v = value >> 5; v > 0; v >>= 1) segment++;
  const code = (segment << 4) | ((segment < 2 ? value >> 1 : value >> segment) & 0x0f);
  return code ^ mask;
}

/** G.711 A-law: 8-bit code → 16-bit linear (±32256). */
export function alawToLinear(code: number): number {
  const a = (code ^ 0x55) & 0xff;
  let t = (a & 0x0f) << 4;
  const segment = (a & 0x70) >> 4;
  if (segment === 0) t += 8;
  else t = (t + 0x108) << (segment - 1);
  return a & 0x80 ? t : -t;
}

function buildTable(toLinear: (code: number) => number): Float32Array {
  const table = new Float32Array(256);
  for (let code = 0; code < 256; code++) table[code] = toLinear(code) / 32768;
  return table;
}

const MULAW_TABLE = buildTable(mulawToLinear);
const ALAW_TABLE = buildTable(alawToLinear);

// --- Decoding ------------------------------------------------------------------------------------

/** Clamps a float sample into [-1, 1); NaN becomes silence. */
function clampFloat(v: number): number {
  if (Number.isNaN(v)) return 0;
  return v < -1 ? -1 : Math.min(v, BELOW_ONE);
}

function outputs(channels: number, frames: number, out: Float32Array[] | undefined): Float32Array[] {
  const result: Float32Array[] = [];
  for (let c = 0; c < channels; c++) {
    const given = out?.[c];
    result.push(
      given !== undefined && given.length >= frames ? given.subarray(0, frames) : new Float32Array(frames),
    );
  }
  return result;
}

/**
 * Decodes interleaved sample bytes (a whole number of frames) into one Float32Array per channel,
 * in [-1, 1). `bytes` may sit at any offset of its buffer. If `out` holds arrays at least as long as
 * the frame count they are filled and returned as `subarray(0, frames)` views; otherwise new arrays
 * are allocated.
 */
export function decodeFrames(bytes: Uint8Array, info: SampleFormat, out?: Float32Array[]): Float32Array[] {
  const frameBytes = assertFormat(info);
  if (bytes.length % frameBytes !== 0) {
    throw new CvkError(
      "INTERNAL",
      `decodeFrames got ${bytes.length} bytes, not a whole number of ${frameBytes}-byte frames.`,
      { hint: "This is a bug in cvk; please report it." },
    );
  }
  const { channels, encoding, bitsPerSample } = info;
  const frames = bytes.length / frameBytes;
  const result = outputs(channels, frames, out);
  if (frames === 0) return result;

  if (encoding === "mulaw" || encoding === "alaw") {
    const table = encoding === "mulaw" ? MULAW_TABLE : ALAW_TABLE;
    result.forEach((dst, c) => {
      for (let f = 0, i = c; f < frames; f++, i += channels) dst[f] = table[bytes[i] ?? 0] ?? 0;
    });
    return result;
  }
  if (encoding === "pcm" && bitsPerSample === 8) {
    // 8-bit WAV PCM is unsigned with 128 as silence (RIFF spec, "Data Format of the Samples").
    result.forEach((dst, c) => {
      for (let f = 0, i = c; f < frames; f++, i += channels) dst[f] = ((bytes[i] ?? 128) - 128) / 128;
    });
    return result;
  }
  if (encoding === "pcm" && bitsPerSample === 24) {
    const step = channels * 3;
    result.forEach((dst, c) => {
      for (let f = 0, i = c * 3; f < frames; f++, i += step) {
        const raw = (bytes[i] ?? 0) | ((bytes[i + 1] ?? 0) << 8) | ((bytes[i + 2] ?? 0) << 16);
        dst[f] = ((raw << 8) >> 8) / 8388608; // sign-extend 24 → 32 bits
      }
    });
    return result;
  }
  if (!LITTLE_ENDIAN_HOST) {
    decodeOnBigEndianHost(bytes, info, frames, result);
    return result;
  }

  // 16/32-bit PCM and float: read through a typed-array view (copying once if misaligned).
  const width = bitsPerSample / 8;
  // `new Uint8Array(view)` copies into a fresh, aligned buffer (a Node Buffer's slice() would not copy).
  const src = bytes.byteOffset % width === 0 ? bytes : new Uint8Array(bytes);
  if (encoding === "pcm" && width === 2) {
    const view = new Int16Array(src.buffer, src.byteOffset, src.length >> 1);
    result.forEach((dst, c) => {
      for (let f = 0, i = c; f < frames; f++, i += channels) dst[f] = (view[i] ?? 0) / 32768;
    });
  } else if (encoding === "pcm") {
    const view = new Int32Array(src.buffer, src.byteOffset, src.length >> 2);
    result.forEach((dst, c) => {
      for (let f = 0, i = c; f < frames; f++, i += channels) {
        // Within 64 LSB of full scale, x / 2^31 rounds to 1.0 in float32, hence the clamp.
        const v = Math.fround((view[i] ?? 0) / 2147483648);
        dst[f] = Math.min(v, BELOW_ONE);
      }
    });
  } else {
    const view =
      width === 4
        ? new Float32Array(src.buffer, src.byteOffset, src.length >> 2)
        : new Float64Array(src.buffer, src.byteOffset, src.length >> 3);
    result.forEach((dst, c) => {
      for (let f = 0, i = c; f < frames; f++, i += channels) dst[f] = clampFloat(Math.fround(view[i] ?? 0));
    });
  }
  return result;
}

/** 16/32-bit PCM and float on a big-endian host, where no typed-array view reads little-endian data. */
function decodeOnBigEndianHost(
  bytes: Uint8Array,
  info: SampleFormat,
  frames: number,
  result: Float32Array[],
): void {
  const data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = info.bitsPerSample / 8;
  const step = info.channels * width;
  result.forEach((dst, c) => {
    for (let f = 0, o = c * width; f < frames; f++, o += step) {
      let v: number;
      if (info.encoding === "pcm") {
        v = width === 2 ? data.getInt16(o, true) / 32768 : data.getInt32(o, true) / 2147483648;
      } else {
        v = width === 4 ? data.getFloat32(o, true) : data.getFloat64(o, true);
      }
      dst[f] = clampFloat(Math.fround(v));
    }
  });
}

/**
 * Streaming decoder: feed it chunks of sample bytes split anywhere; each push returns the whole
 * frames completed so far and carries a partial frame over to the next push.
 */
export class FrameDecoder {
  readonly #format: SampleFormat;
  readonly #frameBytes: number;
  readonly #carry: Uint8Array;
  #carried = 0;

  constructor(format: SampleFormat) {
    this.#frameBytes = assertFormat(format);
    this.#format = {
      encoding: format.encoding,
      bitsPerSample: format.bitsPerSample,
      channels: format.channels,
    };
    this.#carry = new Uint8Array(this.#frameBytes);
  }

  /** Bytes of an incomplete frame waiting for the next push (dropped if the stream ends here). */
  get pendingBytes(): number {
    return this.#carried;
  }

  push(chunk: Uint8Array): Float32Array[] {
    const frameBytes = this.#frameBytes;
    let start = 0;
    let carriedFrame = 0;
    if (this.#carried > 0) {
      const need = frameBytes - this.#carried;
      if (chunk.length < need) {
        this.#carry.set(chunk, this.#carried);
        this.#carried += chunk.length;
        return decodeFrames(new Uint8Array(0), this.#format);
      }
      this.#carry.set(chunk.subarray(0, need), this.#carried);
      this.#carried = 0;
      start = need;
      carriedFrame = 1;
    }
    const whole = Math.floor((chunk.length - start) / frameBytes);
    const wholeEnd = start + whole * frameBytes;
    const result = outputs(this.#format.channels, carriedFrame + whole, undefined);
    if (carriedFrame === 1) {
      decodeFrames(
        this.#carry,
        this.#format,
        result.map((channel) => channel.subarray(0, 1)),
      );
    }
    if (whole > 0) {
      decodeFrames(
        chunk.subarray(start, wholeEnd),
        this.#format,
        result.map((channel) => channel.subarray(carriedFrame)),
      );
    }
    const rest = chunk.length - wholeEnd;
    if (rest > 0) {
      this.#carry.set(chunk.subarray(wholeEnd), 0);
      this.#carried = rest;
    }
    return result;
  }
}

// --- Encoding ------------------------------------------------------------------------------------

/** Rounds x·2^(bits−1) to the nearest integer, clipped to the signed range; NaN → 0. */
function quantise(x: number, scale: number, max: number): number {
  const v = Math.round(x * scale);
  return Number.isNaN(v) ? 0 : Math.min(Math.max(v, -scale), max);
}

/**
 * Float samples → PCM-16, rounding to nearest with clipping. With `dither: "tpdf"`, triangular
 * noise of ±1 LSB is added before rounding (decorrelates the quantisation error from the signal when
 * reducing bit depth); pass `seed` for reproducible output.
 */
export function encodePcm16(
  samples: Float32Array,
  options: { dither?: "tpdf" | "none"; seed?: number; out?: Int16Array } = {},
): Int16Array {
  // A caller streaming chunk after chunk passes `out` so no array is allocated per chunk.
  const out =
    options.out && options.out.length >= samples.length
      ? options.out.subarray(0, samples.length)
      : new Int16Array(samples.length);
  if (options.dither === "tpdf") {
    const random = seededRandom(options.seed ?? Math.floor(Math.random() * 4294967296));
    for (let i = 0; i < samples.length; i++) {
      // The difference of two uniform [0, 1) values is triangular on (−1, 1) LSB.
      const noise = random() - random();
      const v = Math.round((samples[i] ?? 0) * 32768 + noise);
      out[i] = Number.isNaN(v) ? 0 : Math.min(Math.max(v, -32768), 32767);
    }
    return out;
  }
  for (let i = 0; i < samples.length; i++) out[i] = quantise(samples[i] ?? 0, 32768, 32767);
  return out;
}

/**
 * Interleaves channels and encodes them as WAV sample bytes (little-endian). Integer PCM and G.711
 * round to nearest with clipping; float is written as-is (over-range values are kept). Used to build
 * test fixtures and prepared files.
 */
export function encodeSamples(
  channels: Float32Array[],
  encoding: WavEncoding,
  bitsPerSample: number,
): Uint8Array {
  const count = channels.length;
  const frames = channels[0]?.length ?? 0;
  const frameBytes = assertFormat({ encoding, bitsPerSample, channels: count });
  if (channels.some((channel) => channel.length !== frames)) {
    throw new CvkError("INTERNAL", "encodeSamples needs channels of equal length.", {
      hint: "This is a bug in cvk; please report it.",
    });
  }
  const out = new Uint8Array(frames * frameBytes);
  const width = bitsPerSample / 8;

  if (encoding === "float") {
    if (LITTLE_ENDIAN_HOST) {
      const view = width === 4 ? new Float32Array(out.buffer) : new Float64Array(out.buffer);
      channels.forEach((channel, c) => {
        for (let f = 0, i = c; f < frames; f++, i += count) view[i] = channel[f] ?? 0;
      });
    } else {
      const data = new DataView(out.buffer);
      channels.forEach((channel, c) => {
        for (let f = 0, o = c * width; f < frames; f++, o += frameBytes) {
          if (width === 4) data.setFloat32(o, channel[f] ?? 0, true);
          else data.setFloat64(o, channel[f] ?? 0, true);
        }
      });
    }
    return out;
  }

  channels.forEach((channel, c) => {
    for (let f = 0, o = c * width; f < frames; f++, o += frameBytes) {
      const x = channel[f] ?? 0;
      switch (encoding) {
        case "mulaw":
          out[o] = linearToMulaw(quantise(x, 32768, 32767));
          break;
        case "alaw":
          out[o] = linearToAlaw(quantise(x, 32768, 32767));
          break;
        default:
          if (bitsPerSample === 8) {
            out[o] = quantise(x, 128, 127) + 128;
          } else {
            const v = quantise(x, 2 ** (bitsPerSample - 1), 2 ** (bitsPerSample - 1) - 1);
            // Bitwise ops see v as int32, which holds every 16/24/32-bit sample exactly.
            for (let b = 0; b < width; b++) out[o + b] = (v >> (8 * b)) & 0xff;
          }
      }
    }
  });
  return out;
}
