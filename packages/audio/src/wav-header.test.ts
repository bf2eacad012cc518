import { mkdir, mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CvkError, isCvkError, seededRandom } from "@cvk/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HEADER_PROBE_BYTES, parseWavHeader, readWavInfo, type WavEncoding } from "./wav-header.ts";
import { buildWavHeader, encodeWav } from "./wav-writer.ts";

// --- Helpers: build files from parts, so every variant is made here, not committed -------------

function sine(frames: number, frequency = 440, rate = 8000, amplitude = 0.5): Float32Array {
  const out = new Float32Array(frames);
  for (let i = 0; i < frames; i++) out[i] = amplitude * Math.sin((2 * Math.PI * frequency * i) / rate);
  return out;
}

function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function u32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, true);
  return out;
}

/** A chunk: ID, size (the real one unless `size` lies), body, pad byte when odd (unless `pad` false). */
function chunk(id: string, body: Uint8Array, options: { size?: number; pad?: boolean } = {}): Uint8Array {
  const pad = (options.pad ?? true) && body.length % 2 === 1 ? new Uint8Array(1) : new Uint8Array(0);
  return concat(ascii(id), u32(options.size ?? body.length), body, pad);
}

/** A RIFF/WAVE file from chunks; `riffSize` overrides the (correct) RIFF size. */
function riff(
  chunks: Uint8Array[],
  options: { riffSize?: number; magic?: string; form?: string } = {},
): Uint8Array {
  const body = concat(ascii(options.form ?? "WAVE"), ...chunks);
  return concat(ascii(options.magic ?? "RIFF"), u32(options.riffSize ?? body.length), body);
}

/** A raw `fmt ` body (WAVEFORMAT, 16 bytes) with an arbitrary tag. */
function fmtBody(tag: number, channels: number, rate: number, bits: number, blockAlign?: number): Uint8Array {
  const out = new Uint8Array(16);
  const view = new DataView(out.buffer);
  const align = blockAlign ?? channels * Math.ceil(bits / 8);
  view.setUint16(0, tag, true);
  view.setUint16(2, channels, true);
  view.setUint32(4, rate, true);
  view.setUint32(8, rate * align, true);
  view.setUint16(12, align, true);
  view.setUint16(14, bits, true);
  return out;
}

/** What parseWavHeader threw, failing the test if it returned or threw something else. */
function parseError(head: Uint8Array, options?: { fileSize?: number }): CvkError {
  try {
    parseWavHeader(head, options);
  } catch (error) {
    if (isCvkError(error)) return error;
    throw new Error(`expected a CvkError, got ${String(error)}`);
  }
  throw new Error("expected parseWavHeader to throw");
}

// --- Valid files --------------------------------------------------------------------------------

describe("parseWavHeader: encodings", () => {
  const cases: { encoding: WavEncoding; bits: number; tag: number }[] = [
    { encoding: "pcm", bits: 8, tag: 1 },
    { encoding: "pcm", bits: 16, tag: 1 },
    { encoding: "pcm", bits: 24, tag: 1 },
    { encoding: "pcm", bits: 32, tag: 1 },
    { encoding: "float", bits: 32, tag: 3 },
    { encoding: "float", bits: 64, tag: 3 },
    { encoding: "mulaw", bits: 8, tag: 7 },
    { encoding: "alaw", bits: 8, tag: 6 },
  ];

  it.each(cases)("reads $bits-bit $encoding stereo", ({ encoding, bits, tag }) => {
    const frames = 801;
    const file = encodeWav({
      channels: [sine(frames), sine(frames, 300)],
      sampleRate: 16000,
      encoding,
      bitsPerSample: bits,
    });
    const info = parseWavHeader(file);
    const blockAlign = 2 * (bits / 8);
    // PCM: canonical 44 bytes. Others: 18-byte WAVEFORMATEX plus a 12-byte fact chunk.
    const dataOffset = encoding === "pcm" ? 44 : 58;
    expect(info).toMatchObject({
      container: "RIFF",
      encoding,
      formatTag: tag,
      extensible: false,
      channels: 2,
      sampleRate: 16000,
      bitsPerSample: bits,
      blockAlign,
      dataOffset,
      dataLength: frames * blockAlign,
      declaredDataLength: frames * blockAlign,
      frames,
      fileSize: undefined,
      truncated: false,
      streamed: false,
    });
    expect(info.durationSeconds).toBeCloseTo(frames / 16000, 12);
    expect(info.chunks.map((c) => c.id)).toEqual(
      encoding === "pcm" ? ["fmt ", "data"] : ["fmt ", "fact", "data"],
    );
    expect(info.chunks.at(-1)).toEqual({ id: "data", offset: dataOffset - 8, size: frames * blockAlign });
  });

  it.each([
    { encoding: "pcm" as const, bits: 16, tag: 1 },
    { encoding: "pcm" as const, bits: 24, tag: 1 },
    { encoding: "float" as const, bits: 32, tag: 3 },
    { encoding: "mulaw" as const, bits: 8, tag: 7 },
  ])("resolves WAVE_FORMAT_EXTENSIBLE with a $encoding sub-format", ({ encoding, bits, tag }) => {
    const file = encodeWav({
      channels: [sine(100), sine(100)],
      sampleRate: 8000,
      encoding,
      bitsPerSample: bits,
      extensible: true,
    });
    const info = parseWavHeader(file);
    expect(info.extensible).toBe(true);
    expect(info.formatTag).toBe(tag);
    expect(info.encoding).toBe(encoding);
    expect(info.bitsPerSample).toBe(bits);
    expect(info.frames).toBe(100);
    expect(info.chunks[0]).toEqual({ id: "fmt ", offset: 12, size: 40 });
  });

  it("reads a 6-channel file", () => {
    const channels = Array.from({ length: 6 }, (_, c) => sine(250, 100 * (c + 1), 48000));
    const info = parseWavHeader(
      encodeWav({ channels, sampleRate: 48000, bitsPerSample: 24, extensible: true }),
    );
    expect(info).toMatchObject({ channels: 6, blockAlign: 18, frames: 250, sampleRate: 48000 });
  });
});

describe("parseWavHeader: chunk layout", () => {
  it("skips LIST/INFO and JUNK chunks before data", () => {
    const list = concat(ascii("INFO"), chunk("INAM", ascii("Call 42\0")));
    const file = encodeWav({
      channels: [sine(400)],
      sampleRate: 8000,
      extraChunks: [
        { id: "LIST", data: list },
        { id: "JUNK", data: new Uint8Array(28) },
      ],
    });
    const info = parseWavHeader(file);
    expect(info.chunks.map((c) => c.id)).toEqual(["fmt ", "LIST", "JUNK", "data"]);
    expect(info.dataOffset).toBe(12 + 24 + 8 + list.length + 8 + 28 + 8);
    expect(info.frames).toBe(400);
  });

  it("finds `fmt ` after a LIST chunk", () => {
    const samples = new Uint8Array(320);
    const file = riff([
      chunk("LIST", concat(ascii("INFO"), chunk("ISFT", ascii("rec\0")))),
      chunk("fmt ", fmtBody(1, 1, 8000, 16)),
      chunk("data", samples),
    ]);
    const info = parseWavHeader(file);
    expect(info.chunks.map((c) => c.id)).toEqual(["LIST", "fmt ", "data"]);
    expect(info.frames).toBe(160);
    expect(info.dataOffset).toBe(file.length - 320);
  });

  it("skips the pad byte after an odd-sized chunk", () => {
    const file = encodeWav({
      channels: [sine(10)],
      sampleRate: 8000,
      extraChunks: [{ id: "note", data: ascii("odd") }],
    });
    const info = parseWavHeader(file);
    const note = info.chunks.find((c) => c.id === "note");
    expect(note).toEqual({ id: "note", offset: 36, size: 3 });
    // 36 + 8 + 3 + 1 pad byte = 48: the data chunk starts on a word boundary.
    expect(info.chunks.at(-1)?.offset).toBe(48);
    expect(info.dataOffset).toBe(56);
    expect(info.frames).toBe(10);
  });

  it("tolerates a writer that forgot the pad byte", () => {
    const file = riff([
      chunk("fmt ", fmtBody(1, 1, 8000, 16)),
      chunk("note", ascii("odd"), { pad: false }),
      chunk("data", new Uint8Array(20)),
    ]);
    const info = parseWavHeader(file);
    expect(info.chunks.map((c) => c.id)).toEqual(["fmt ", "note", "data"]);
    expect(info.dataOffset).toBe(file.length - 20);
    expect(info.frames).toBe(10);
  });

  it("tolerates a RIFF size bigger than the file", () => {
    const file = encodeWav({ channels: [sine(100)], sampleRate: 8000 });
    new DataView(file.buffer).setUint32(4, 0x7fff0000, true);
    const info = parseWavHeader(file, { fileSize: file.length });
    expect(info.frames).toBe(100);
    expect(info.truncated).toBe(false);
  });

  it("reads a header from a buffer at an odd byte offset", () => {
    const file = encodeWav({ channels: [sine(100)], sampleRate: 8000 });
    const shifted = new Uint8Array(file.length + 1);
    shifted.set(file, 1);
    expect(parseWavHeader(shifted.subarray(1)).frames).toBe(100);
  });
});

describe("parseWavHeader: sizes, probes, streaming and RF64", () => {
  const header = (dataLength: number, dataChunkSize?: number) =>
    buildWavHeader({
      sampleRate: 8000,
      channels: 1,
      encoding: "pcm",
      bitsPerSample: 16,
      dataLength,
      dataChunkSize,
    });

  it("works from a 64 KiB probe of a larger file when given its size", () => {
    const file = encodeWav({ channels: [sine(100_000)], sampleRate: 8000 });
    const probe = file.subarray(0, HEADER_PROBE_BYTES);
    const info = parseWavHeader(probe, { fileSize: file.length });
    expect(info).toMatchObject({
      frames: 100_000,
      dataLength: 200_000,
      fileSize: file.length,
      truncated: false,
    });
  });

  it("reports a file cut inside its data as truncated, clamping the data length", () => {
    const file = encodeWav({ channels: [sine(1000)], sampleRate: 8000 });
    const cut = file.subarray(0, 44 + 1001);
    const info = parseWavHeader(cut);
    expect(info).toMatchObject({ truncated: true, declaredDataLength: 2000, dataLength: 1001, frames: 500 });
    // Without fileSize, the bytes given are the whole file; with it, the probe is not truncated.
    expect(parseWavHeader(cut, { fileSize: file.length }).truncated).toBe(false);
  });

  it.each([0, 0xffffffff])("uses the file size for a streamed data size of %i", (claimed) => {
    const head = header(0, claimed);
    const info = parseWavHeader(head, { fileSize: 44 + 16_000 });
    expect(info).toMatchObject({
      streamed: true,
      truncated: false,
      declaredDataLength: claimed,
      dataLength: 16_000,
      frames: 8000,
      durationSeconds: 1,
    });
  });

  it("reads RF64 sizes from ds64", () => {
    const file = encodeWav({ channels: [sine(300)], sampleRate: 8000, rf64: true });
    expect(String.fromCharCode(...file.subarray(0, 4))).toBe("RF64");
    const info = parseWavHeader(file);
    expect(info).toMatchObject({ container: "RF64", frames: 300, declaredDataLength: 600, dataLength: 600 });
    expect(info.chunks.map((c) => c.id)).toEqual(["ds64", "fmt ", "data"]);
  });

  it("reads an RF64 data size beyond 4 GiB from a header-only probe", () => {
    const dataLength = 6_000_000_000;
    const head = buildWavHeader({
      sampleRate: 8000,
      channels: 1,
      encoding: "pcm",
      bitsPerSample: 16,
      dataLength,
      rf64: true,
    });
    const info = parseWavHeader(head, { fileSize: head.length + dataLength });
    expect(info).toMatchObject({
      declaredDataLength: dataLength,
      dataLength,
      frames: 3_000_000_000,
      truncated: false,
    });
  });
});

// --- Broken files -------------------------------------------------------------------------------

describe("parseWavHeader: errors", () => {
  const valid = encodeWav({ channels: [sine(100)], sampleRate: 8000 });

  it("rejects an empty file", () => {
    const error = parseError(new Uint8Array(0));
    expect(error.code).toBe("AUDIO_UNREADABLE");
    expect(error.details?.reason).toBe("EMPTY_FILE");
    expect(error.hint).toBeTruthy();
  });

  it("recognises an MP3 with an ID3 tag as not a WAV", () => {
    const mp3 = concat(ascii("ID3"), Uint8Array.from([4, 0, 0, 0, 0, 0, 0]), new Uint8Array(64).fill(0xff));
    const error = parseError(mp3);
    expect(error.code).toBe("AUDIO_UNREADABLE");
    expect(error.details?.reason).toBe("NOT_WAV");
    expect(error.message).toContain("MP3");
  });

  it("rejects random bytes and other RIFF forms", () => {
    const random = seededRandom(7);
    const noise = Uint8Array.from({ length: 512 }, () => Math.floor(random() * 256));
    noise[0] = 0x00; // never a RIFF magic by chance
    expect(parseError(noise).details?.reason).toBe("NOT_WAV");
    const avi = riff([chunk("avih", new Uint8Array(56))], { form: "AVI " });
    const error = parseError(avi);
    expect(error.code).toBe("AUDIO_UNREADABLE");
    expect(error.message).toContain("AVI");
  });

  it("reports a file cut inside the RIFF header or `fmt ` as truncated", () => {
    for (const length of [3, 8, 11, 20, 30, 40]) {
      const error = parseError(valid.subarray(0, length));
      expect({ length, code: error.code }).toEqual({ length, code: "AUDIO_TRUNCATED" });
      expect(error.details?.reason).toBe("HEADER_TRUNCATED");
    }
  });

  it("rejects a chunk whose size runs past the end of a file whose RIFF size fits", () => {
    const file = riff([
      chunk("fmt ", fmtBody(1, 1, 8000, 16)),
      chunk("LIST", new Uint8Array(40), { size: 1_000_000 }),
      chunk("data", new Uint8Array(40)),
    ]);
    const error = parseError(file);
    expect(error.code).toBe("AUDIO_UNREADABLE");
    expect(error.details?.reason).toBe("BAD_CHUNK_SIZE");
  });

  it("rejects a `fmt ` size that lies in a complete file", () => {
    const file = riff([
      chunk("fmt ", fmtBody(1, 1, 8000, 16), { size: 0x10000 }),
      chunk("data", new Uint8Array(8)),
    ]);
    expect(parseError(file).code).toBe("AUDIO_UNREADABLE");
  });

  it("says when the data chunk starts beyond the probe", () => {
    const file = riff([
      chunk("fmt ", fmtBody(1, 1, 8000, 16)),
      chunk("bext", new Uint8Array(100_000)),
      chunk("data", new Uint8Array(1000)),
    ]);
    const error = parseError(file.subarray(0, HEADER_PROBE_BYTES), { fileSize: file.length });
    expect(error.code).toBe("AUDIO_UNREADABLE");
    expect(error.details?.reason).toBe("DATA_NOT_IN_PROBE");
    // Given the whole file, the same layout parses.
    expect(parseWavHeader(file).frames).toBe(500);
  });

  it("rejects a file without `fmt `", () => {
    const error = parseError(riff([chunk("data", new Uint8Array(100))]));
    expect(error.code).toBe("AUDIO_UNREADABLE");
    expect(error.details?.reason).toBe("NO_FMT");
  });

  it("rejects a complete file without `data`", () => {
    const error = parseError(riff([chunk("fmt ", fmtBody(1, 1, 8000, 16)), chunk("LIST", ascii("INFO"))]));
    expect(error.code).toBe("AUDIO_UNREADABLE");
    expect(error.details?.reason).toBe("NO_DATA");
  });

  it("rejects garbage where a chunk should start", () => {
    const file = concat(valid.subarray(0, 36), Uint8Array.from([0x00, 0x01, 0x02, 0x03, 8, 0, 0, 0]));
    new DataView(file.buffer).setUint32(4, file.length - 8, true);
    const error = parseError(file);
    expect(error.code).toBe("AUDIO_UNREADABLE");
    expect(error.details?.reason).toBe("BAD_CHUNK");
  });

  it.each([
    { tag: 0x0002, bits: 4, name: "ADPCM" },
    { tag: 0x0055, bits: 0, name: "MP3" },
    { tag: 0x0031, bits: 0, name: "GSM" },
  ])("rejects format tag $tag as unsupported", ({ tag, bits, name }) => {
    const file = riff([chunk("fmt ", fmtBody(tag, 1, 8000, bits, 256)), chunk("data", new Uint8Array(512))]);
    const error = parseError(file);
    expect(error.code).toBe("AUDIO_UNSUPPORTED");
    expect(error.details).toMatchObject({ reason: "UNSUPPORTED_FORMAT", formatTag: tag });
    expect(error.message).toContain(name);
    expect(error.hint).toContain("ffmpeg");
  });

  it("rejects 12-bit PCM, an unknown EXTENSIBLE GUID and a big-endian RIFX file as unsupported", () => {
    const pcm12 = riff([chunk("fmt ", fmtBody(1, 1, 8000, 12)), chunk("data", new Uint8Array(8))]);
    expect(parseError(pcm12).code).toBe("AUDIO_UNSUPPORTED");

    const ext = encodeWav({ channels: [sine(10)], sampleRate: 8000, extensible: true });
    ext[12 + 8 + 24 + 15] = 0x00; // last byte of the SubFormat GUID
    expect(parseError(ext).code).toBe("AUDIO_UNSUPPORTED");

    const rifx = valid.slice();
    rifx.set(ascii("RIFX"), 0);
    expect(parseError(rifx).code).toBe("AUDIO_UNSUPPORTED");
  });

  it("rejects an impossible block align or zero channels as corrupt", () => {
    const badAlign = riff([chunk("fmt ", fmtBody(1, 2, 8000, 16, 3)), chunk("data", new Uint8Array(12))]);
    expect(parseError(badAlign).details?.reason).toBe("BAD_FMT");
    const noChannels = riff([chunk("fmt ", fmtBody(1, 0, 8000, 16, 0)), chunk("data", new Uint8Array(12))]);
    expect(parseError(noChannels).code).toBe("AUDIO_UNREADABLE");
    const shortExt = riff([chunk("fmt ", fmtBody(0xfffe, 1, 8000, 16)), chunk("data", new Uint8Array(12))]);
    expect(parseError(shortExt).details?.reason).toBe("BAD_FMT");
  });

  it("rejects a file size smaller than the bytes given", () => {
    expect(parseError(valid, { fileSize: 10 }).code).toBe("INPUT_INVALID");
  });
});

describe("parseWavHeader: fuzz", () => {
  it("throws nothing but CvkError on 2,000 mutated headers, and returns sane results otherwise", () => {
    const random = seededRandom(20240611);
    const seeds = [
      encodeWav({ channels: [sine(64)], sampleRate: 8000 }),
      encodeWav({ channels: [sine(64), sine(64)], sampleRate: 44100, encoding: "float", extensible: true }),
      encodeWav({ channels: [sine(64)], sampleRate: 8000, encoding: "mulaw", rf64: true }),
      encodeWav({
        channels: [sine(64)],
        sampleRate: 8000,
        bitsPerSample: 24,
        extraChunks: [
          { id: "LIST", data: ascii("INFOxyz") },
          { id: "JUNK", data: new Uint8Array(9) },
        ],
      }),
    ];
    const codes = new Set(["AUDIO_UNREADABLE", "AUDIO_UNSUPPORTED", "AUDIO_TRUNCATED"]);
    let parsed = 0;
    let rejected = 0;
    for (let round = 0; round < 2000; round++) {
      const seed = seeds[round % seeds.length] as Uint8Array;
      let bytes = seed.slice();
      const mutations = 1 + Math.floor(random() * 6);
      for (let m = 0; m < mutations; m++) {
        // Bias towards the header, where the interesting structure is.
        const at = Math.floor(random() * Math.min(bytes.length, 96));
        const kind = random();
        if (kind < 0.6) bytes[at] = Math.floor(random() * 256);
        else if (kind < 0.8) bytes[at] = random() < 0.5 ? 0xff : 0x00;
        else bytes = bytes.subarray(0, at);
      }
      const fileSize = random() < 0.3 ? bytes.length + Math.floor(random() * 1000) : undefined;
      try {
        const info = parseWavHeader(bytes, { fileSize });
        parsed++;
        const end = fileSize ?? bytes.length;
        expect(info.dataLength).toBeGreaterThanOrEqual(0);
        expect(info.dataOffset + info.dataLength).toBeLessThanOrEqual(end);
        expect(Number.isInteger(info.frames) && info.frames >= 0).toBe(true);
        expect(info.frames * info.blockAlign).toBeLessThanOrEqual(info.dataLength);
      } catch (error) {
        rejected++;
        if (!isCvkError(error) || !codes.has(error.code)) {
          throw new Error(`round ${round}: unexpected ${String(error)}`);
        }
        expect(typeof error.details?.reason).toBe("string");
        expect(error.message).not.toContain("\n");
      }
    }
    // Both paths were exercised: the fuzz is neither all-valid nor all-garbage.
    expect(parsed).toBeGreaterThan(100);
    expect(rejected).toBeGreaterThan(100);
  });
});

// --- readWavInfo --------------------------------------------------------------------------------

describe("readWavInfo", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "cvk-wav-header-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads a 50 MB sparse file from its header and file size", async () => {
    const path = join(dir, "big.wav");
    const size = 50_000_000;
    const handle = await open(path, "w");
    try {
      await handle.write(
        buildWavHeader({
          sampleRate: 8000,
          channels: 2,
          encoding: "pcm",
          bitsPerSample: 16,
          dataLength: size - 44,
        }),
      );
      await handle.truncate(size);
    } finally {
      await handle.close();
    }
    const info = await readWavInfo(path);
    expect(info).toMatchObject({
      fileSize: size,
      dataOffset: 44,
      dataLength: size - 44,
      frames: (size - 44) / 4,
      truncated: false,
      streamed: false,
    });
  });

  it("uses the file size of a streamed recording", async () => {
    const path = join(dir, "streamed.wav");
    const head = buildWavHeader({
      sampleRate: 8000,
      channels: 1,
      encoding: "pcm",
      bitsPerSample: 16,
      dataLength: 0,
      dataChunkSize: 0xffffffff,
    });
    await writeFile(path, concat(head, new Uint8Array(8000)));
    expect(await readWavInfo(path)).toMatchObject({ streamed: true, frames: 4000, fileSize: 44 + 8000 });
  });

  it("reports a truncated file", async () => {
    const path = join(dir, "cut.wav");
    await writeFile(path, encodeWav({ channels: [sine(1000)], sampleRate: 8000 }).subarray(0, 1000));
    expect(await readWavInfo(path)).toMatchObject({ truncated: true, frames: (1000 - 44) / 2 });
  });

  it("throws INPUT_NOT_FOUND for a missing file", async () => {
    const error = await readWavInfo(join(dir, "nope.wav")).catch((e: unknown) => e);
    expect(isCvkError(error) && error.code).toBe("INPUT_NOT_FOUND");
  });

  it("throws EMPTY_FILE for an empty file and INPUT_INVALID for a directory", async () => {
    const empty = join(dir, "empty.wav");
    await writeFile(empty, new Uint8Array(0));
    const emptyError = await readWavInfo(empty).catch((e: unknown) => e);
    expect(isCvkError(emptyError) && emptyError.details?.reason).toBe("EMPTY_FILE");

    const folder = join(dir, "folder.wav");
    await mkdir(folder);
    const folderError = await readWavInfo(folder).catch((e: unknown) => e);
    expect(isCvkError(folderError) && folderError.code).toBe("INPUT_INVALID");
  });

  it("passes parse errors through", async () => {
    const path = join(dir, "song.mp3.wav");
    await writeFile(path, concat(ascii("ID3"), new Uint8Array(100)));
    const error = await readWavInfo(path).catch((e: unknown) => e);
    expect(isCvkError(error) && error.code).toBe("AUDIO_UNREADABLE");
  });
});
