import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isCvkError } from "@cvk/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeFrames } from "./codecs.ts";
import { parseWavHeader } from "./wav-header.ts";
import { buildWavHeader, encodeWav, WavFileWriter } from "./wav-writer.ts";

function text(bytes: Uint8Array, from: number, length = 4): string {
  return String.fromCharCode(...bytes.subarray(from, from + length));
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isCvkError(error) ? error.code : `not a CvkError: ${String(error)}`;
  }
  return undefined;
}

describe("buildWavHeader", () => {
  it("writes the canonical 44-byte header for 8 kHz mono PCM-16", () => {
    const header = buildWavHeader({
      sampleRate: 8000,
      channels: 1,
      encoding: "pcm",
      bitsPerSample: 16,
      dataLength: 16000,
    });
    const expected = [
      ...[0x52, 0x49, 0x46, 0x46], // "RIFF"
      ...[0xa4, 0x3e, 0x00, 0x00], // 36 + 16000
      ...[0x57, 0x41, 0x56, 0x45], // "WAVE"
      ...[0x66, 0x6d, 0x74, 0x20], // "fmt "
      ...[0x10, 0x00, 0x00, 0x00], // 16
      ...[0x01, 0x00, 0x01, 0x00], // PCM, mono
      ...[0x40, 0x1f, 0x00, 0x00], // 8000 Hz
      ...[0x80, 0x3e, 0x00, 0x00], // 16000 bytes/s
      ...[0x02, 0x00, 0x10, 0x00], // block align 2, 16 bits
      ...[0x64, 0x61, 0x74, 0x61], // "data"
      ...[0x80, 0x3e, 0x00, 0x00], // 16000
    ];
    expect(Array.from(header)).toEqual(expected);
  });

  it("writes WAVEFORMATEX and a fact chunk with the frame count for non-PCM", () => {
    const header = buildWavHeader({
      sampleRate: 8000,
      channels: 2,
      encoding: "mulaw",
      bitsPerSample: 8,
      dataLength: 1000,
    });
    const v = view(header);
    expect(v.getUint32(16, true)).toBe(18); // fmt size
    expect(v.getUint16(20, true)).toBe(7); // WAVE_FORMAT_MULAW
    expect(v.getUint16(36, true)).toBe(0); // cbSize
    expect(text(header, 38)).toBe("fact");
    expect(v.getUint32(42, true)).toBe(4);
    expect(v.getUint32(46, true)).toBe(500); // frames, not bytes
    expect(text(header, 50)).toBe("data");
    expect(header.length).toBe(58);
  });

  it("writes WAVE_FORMAT_EXTENSIBLE with the KSDATAFORMAT sub-format GUID", () => {
    const header = buildWavHeader({
      sampleRate: 48000,
      channels: 6,
      encoding: "float",
      bitsPerSample: 32,
      dataLength: 0,
      extensible: true,
    });
    const v = view(header);
    expect(v.getUint32(16, true)).toBe(40);
    expect(v.getUint16(20, true)).toBe(0xfffe);
    expect(v.getUint16(36, true)).toBe(22); // cbSize
    expect(v.getUint16(38, true)).toBe(32); // valid bits
    expect(v.getUint32(40, true)).toBe(0x3f); // 5.1 channel mask
    // KSDATAFORMAT_SUBTYPE_IEEE_FLOAT = {00000003-0000-0010-8000-00AA00389B71}
    expect(Array.from(header.subarray(44, 60))).toEqual([
      0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71,
    ]);
    expect(text(header, 60)).toBe("fact");
  });

  it("pads odd extra chunks and counts data padding in the RIFF size", () => {
    const file = encodeWav({
      channels: [new Float32Array(7)],
      sampleRate: 8000,
      bitsPerSample: 8,
      extraChunks: [{ id: "LIST", data: Uint8Array.from([73, 78, 70, 79, 1]) }],
    });
    // 12 + 24 (fmt) + 8 + 5 + 1 pad (LIST) + 8 + 7 + 1 pad (data)
    expect(file.length).toBe(66);
    expect(view(file).getUint32(4, true)).toBe(file.length - 8);
    expect(file[36 + 8 + 5]).toBe(0); // pad byte
    expect(text(file, 50)).toBe("data");
    expect(view(file).getUint32(54, true)).toBe(7); // the size excludes the pad byte
  });

  it("writes RF64 with ds64 first and -1 in the 32-bit size fields", () => {
    const header = buildWavHeader({
      sampleRate: 8000,
      channels: 1,
      encoding: "pcm",
      bitsPerSample: 16,
      dataLength: 5_000_000_000,
      rf64: true,
    });
    const v = view(header);
    expect(text(header, 0)).toBe("RF64");
    expect(v.getUint32(4, true)).toBe(0xffffffff);
    expect(text(header, 12)).toBe("ds64");
    expect(v.getUint32(20, true) + v.getUint32(24, true) * 2 ** 32).toBe(header.length - 8 + 5_000_000_000);
    expect(v.getUint32(28, true) + v.getUint32(32, true) * 2 ** 32).toBe(5_000_000_000);
    expect(v.getUint32(header.length - 4, true)).toBe(0xffffffff);
  });

  it("claims what dataChunkSize says, for lying and streamed files", () => {
    const lying = buildWavHeader({
      sampleRate: 8000,
      channels: 1,
      encoding: "pcm",
      bitsPerSample: 16,
      dataLength: 100,
      dataChunkSize: 1_000_000,
    });
    expect(view(lying).getUint32(40, true)).toBe(1_000_000);
    expect(view(lying).getUint32(4, true)).toBe(36 + 1_000_000);
    const streamed = buildWavHeader({
      sampleRate: 8000,
      channels: 1,
      encoding: "pcm",
      bitsPerSample: 16,
      dataLength: 100,
      dataChunkSize: 0xffffffff,
    });
    expect(view(streamed).getUint32(4, true)).toBe(0xffffffff);
    expect(view(streamed).getUint32(40, true)).toBe(0xffffffff);
  });

  it("rejects impossible formats with INPUT_INVALID", () => {
    const base = {
      sampleRate: 8000,
      channels: 1,
      encoding: "pcm" as const,
      bitsPerSample: 16,
      dataLength: 0,
    };
    expect(codeOf(() => buildWavHeader({ ...base, bitsPerSample: 12 }))).toBe("INPUT_INVALID");
    expect(codeOf(() => buildWavHeader({ ...base, channels: 0 }))).toBe("INPUT_INVALID");
    expect(codeOf(() => buildWavHeader({ ...base, sampleRate: 0 }))).toBe("INPUT_INVALID");
    expect(codeOf(() => buildWavHeader({ ...base, dataLength: 2 ** 32 }))).toBe("INPUT_INVALID");
    expect(
      codeOf(() => buildWavHeader({ ...base, extraChunks: [{ id: "TOOLONG", data: new Uint8Array(0) }] })),
    ).toBe("INPUT_INVALID");
  });
});

describe("encodeWav", () => {
  it("writes a file whose samples decode back", () => {
    // Integer sample values (and no -0, which toEqual tells apart from 0) survive PCM-16 exactly.
    const ints = Int16Array.from({ length: 200 }, (_, i) => Math.round(Math.sin(i / 5) * 20000));
    const left = Float32Array.from(ints, (v) => v / 32768);
    const right = Float32Array.from(ints, (v) => (0 - v) / 32768);
    const file = encodeWav({ channels: [left, right], sampleRate: 8000 });
    const info = parseWavHeader(file);
    const decoded = decodeFrames(file.subarray(info.dataOffset, info.dataOffset + info.dataLength), info);
    expect(decoded).toEqual([left, right]);
  });
});

describe("WavFileWriter", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "cvk-wav-writer-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes 8 kHz mono PCM-16 whole on close", async () => {
    const path = join(dir, "nested", "out.wav");
    const writer = await WavFileWriter.create(path);
    expect(existsSync(`${path}.partial`)).toBe(true);
    expect(existsSync(path)).toBe(false);
    const chunks = [
      Int16Array.from([1, -2, 3]),
      new Int16Array(0),
      Int16Array.from({ length: 8001 }, (_, i) => i - 4000),
    ];
    for (const samples of chunks) await writer.write(samples);
    expect(writer.frames).toBe(8004);
    await writer.close();

    expect(existsSync(`${path}.partial`)).toBe(false);
    const file = new Uint8Array(await readFile(path));
    expect(file.length).toBe(44 + 8004 * 2);
    const info = parseWavHeader(file);
    expect(info).toMatchObject({
      encoding: "pcm",
      extensible: false,
      sampleRate: 8000,
      channels: 1,
      bitsPerSample: 16,
      frames: 8004,
      truncated: false,
      streamed: false,
    });
    expect(view(file).getUint32(4, true)).toBe(file.length - 8);
    const samples = new Int16Array(file.buffer.slice(file.byteOffset + 44, file.byteOffset + file.length));
    expect(Array.from(samples.subarray(0, 4))).toEqual([1, -2, 3, -4000]);
    expect(samples[8003]).toBe(4000);
  });

  it("writes an empty but valid file when nothing was written", async () => {
    const path = join(dir, "empty.wav");
    const writer = await WavFileWriter.create(path);
    await writer.close();
    expect((await stat(path)).size).toBe(44);
    expect(parseWavHeader(new Uint8Array(await readFile(path))).frames).toBe(0);
  });

  it("leaves no file behind on abort", async () => {
    const path = join(dir, "aborted.wav");
    const writer = await WavFileWriter.create(path);
    await writer.write(new Int16Array(1000));
    await writer.abort();
    await writer.abort(); // idempotent
    expect(existsSync(path)).toBe(false);
    expect(existsSync(`${path}.partial`)).toBe(false);
  });

  it("refuses writes after close and keeps the file when abort follows close", async () => {
    const path = join(dir, "closed.wav");
    const writer = await WavFileWriter.create(path);
    await writer.write(Int16Array.from([5]));
    await writer.close();
    const error = await writer.write(Int16Array.from([1])).catch((e: unknown) => e);
    expect(isCvkError(error) && error.code).toBe("INTERNAL");
    await writer.abort();
    expect(existsSync(path)).toBe(true);
  });

  it("fails with IO_FAILED when the folder cannot be created", async () => {
    const blocker = join(dir, "a-file");
    const first = await WavFileWriter.create(blocker);
    await first.close();
    const error = await WavFileWriter.create(join(blocker, "out.wav")).catch((e: unknown) => e);
    expect(isCvkError(error) && error.code).toBe("IO_FAILED");
  });
});
