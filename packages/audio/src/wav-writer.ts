/**
 * WAV writing: headers (canonical, extensible, RF64, with extra chunks or deliberately wrong sizes
 * for tests), whole files in memory, and a streaming writer for prepared 8 kHz PCM-16 output.
 *
 * References: the RIFF spec (Microsoft/IBM Multimedia Programming Interface and Data Specifications
 * 1.0, 1991) and its 1994 update (Multimedia Standards Update, rev 3.0) for the `fact` chunk;
 * Microsoft WAVEFORMATEXTENSIBLE docs; EBU Tech 3306 for RF64.
 */

import { mkdir, open, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { CvkError } from "@cvk/core";
import { encodeSamples, isSupportedSampleFormat } from "./codecs.ts";
import type { WavEncoding } from "./wav-header.ts";

const FORMAT_TAGS: Record<WavEncoding, number> = { pcm: 0x0001, float: 0x0003, alaw: 0x0006, mulaw: 0x0007 };
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
const UINT32_MAX = 0xffffffff;

/** Bytes 2..15 of KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT / ...: {XXXXXXXX-0000-0010-8000-00AA00389B71}. */
const KSDATAFORMAT_SUFFIX = [
  0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71,
];

/** Default dwChannelMask per channel count (ksmedia.h KSAUDIO_SPEAKER_*); 0 = no speaker assignment. */
const CHANNEL_MASKS: Readonly<Record<number, number>> = {
  1: 0x4, // front centre
  2: 0x3, // front left, front right
  4: 0x33, // quad
  6: 0x3f, // 5.1
  8: 0x63f, // 7.1 (surround)
};

export interface WavHeaderOptions {
  sampleRate: number;
  channels: number;
  encoding: WavEncoding;
  bitsPerSample: number;
  /** Bytes of sample data that will follow the header. */
  dataLength: number;
  /** Write WAVE_FORMAT_EXTENSIBLE (a 40-byte `fmt `) instead of the plain format tag. */
  extensible?: boolean;
  /** Chunks written after `fmt `/`fact` and before `data`, each padded to an even size. */
  extraChunks?: { id: string; data: Uint8Array }[];
  /** What the `data` chunk claims (default: dataLength), to build lying or streamed (0, 0xFFFFFFFF) files. */
  dataChunkSize?: number;
  /** Write an RF64 file (EBU Tech 3306) with a `ds64` chunk. */
  rf64?: boolean;
}

function invalid(message: string): CvkError {
  return new CvkError("INPUT_INVALID", message, { hint: "Check the WAV format options." });
}

class ByteWriter {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  offset = 0;
  constructor(length: number) {
    this.bytes = new Uint8Array(length);
    this.view = new DataView(this.bytes.buffer);
  }
  id(value: string): void {
    for (let i = 0; i < 4; i++) this.bytes[this.offset + i] = value.charCodeAt(i);
    this.offset += 4;
  }
  u16(value: number): void {
    this.view.setUint16(this.offset, value, true);
    this.offset += 2;
  }
  u32(value: number): void {
    this.view.setUint32(this.offset, value, true);
    this.offset += 4;
  }
  u64(value: number): void {
    this.u32(value % 2 ** 32);
    this.u32(Math.floor(value / 2 ** 32));
  }
  raw(data: Uint8Array): void {
    this.bytes.set(data, this.offset);
    this.offset += data.length;
  }
}

/**
 * Builds everything up to and including the `data` chunk header. Plain PCM without extras gives the
 * canonical 44-byte header. Non-PCM encodings get a WAVEFORMATEX `fmt ` (cbSize 0) and a `fact`
 * chunk with the frame count, which the RIFF spec requires for every format other than PCM.
 * The RIFF size counts the data as `dataChunkSize` claims, plus its pad byte when odd.
 */
export function buildWavHeader(o: WavHeaderOptions): Uint8Array {
  const { sampleRate, channels, encoding, bitsPerSample, dataLength } = o;
  if (!isSupportedSampleFormat(encoding, bitsPerSample)) {
    throw invalid(`Cannot write ${bitsPerSample}-bit ${encoding} WAV audio.`);
  }
  if (!Number.isInteger(channels) || channels < 1 || channels > 0xffff) {
    throw invalid(`Invalid channel count ${channels}.`);
  }
  if (!Number.isInteger(sampleRate) || sampleRate < 1 || sampleRate > UINT32_MAX) {
    throw invalid(`Invalid sample rate ${sampleRate}.`);
  }
  if (!Number.isSafeInteger(dataLength) || dataLength < 0)
    throw invalid(`Invalid data length ${dataLength}.`);
  const claimed = o.dataChunkSize ?? dataLength;
  if (!Number.isSafeInteger(claimed) || claimed < 0 || (!o.rf64 && claimed > UINT32_MAX)) {
    throw invalid(`Invalid data chunk size ${claimed}.`);
  }
  const extras = o.extraChunks ?? [];
  for (const chunk of extras) {
    if (!/^[\x20-\x7e]{4}$/.test(chunk.id)) throw invalid(`Invalid chunk ID '${chunk.id}'.`);
  }

  const blockAlign = channels * (bitsPerSample / 8);
  const frames = Math.floor(dataLength / blockAlign);
  const extensible = o.extensible ?? false;
  // WAVEFORMAT (16 bytes) for PCM, WAVEFORMATEX with cbSize = 0 (18) for other tags,
  // WAVEFORMATEXTENSIBLE (18 + 22) when asked.
  const fmtSize = extensible ? 40 : encoding === "pcm" ? 16 : 18;
  const hasFact = encoding !== "pcm";
  const extrasSize = extras.reduce((sum, chunk) => sum + 8 + chunk.data.length + (chunk.data.length & 1), 0);
  const headerLength = 12 + (o.rf64 ? 8 + 28 : 0) + 8 + fmtSize + (hasFact ? 12 : 0) + extrasSize + 8;
  const riffSize = headerLength - 8 + claimed + (claimed & 1);

  const w = new ByteWriter(headerLength);
  if (o.rf64) {
    // EBU Tech 3306: RIFF and data sizes are -1 and live in ds64, which comes first.
    w.id("RF64");
    w.u32(UINT32_MAX);
    w.id("WAVE");
    w.id("ds64");
    w.u32(28);
    w.u64(riffSize);
    w.u64(claimed);
    w.u64(frames); // sample count (of the fact chunk)
    w.u32(0); // no table entries
  } else {
    w.id("RIFF");
    // A streaming writer that never patched its sizes leaves -1 in both places (0 for data gives a
    // RIFF size covering just the header, as such writers do).
    w.u32(claimed === UINT32_MAX ? UINT32_MAX : Math.min(riffSize, UINT32_MAX));
    w.id("WAVE");
  }

  w.id("fmt ");
  w.u32(fmtSize);
  w.u16(extensible ? WAVE_FORMAT_EXTENSIBLE : FORMAT_TAGS[encoding]);
  w.u16(channels);
  w.u32(sampleRate);
  w.u32(sampleRate * blockAlign);
  w.u16(blockAlign);
  w.u16(bitsPerSample);
  if (extensible) {
    w.u16(22); // cbSize
    w.u16(bitsPerSample); // wValidBitsPerSample: every container bit is used
    w.u32(CHANNEL_MASKS[channels] ?? 0);
    w.u16(FORMAT_TAGS[encoding]);
    w.raw(Uint8Array.from(KSDATAFORMAT_SUFFIX));
  } else if (fmtSize === 18) {
    w.u16(0); // cbSize
  }

  if (hasFact) {
    w.id("fact");
    w.u32(4);
    w.u32(o.rf64 && frames > UINT32_MAX ? UINT32_MAX : frames);
  }

  for (const chunk of extras) {
    w.id(chunk.id);
    w.u32(chunk.data.length);
    w.raw(chunk.data);
    if (chunk.data.length & 1) w.offset += 1; // pad byte (already zero)
  }

  w.id("data");
  w.u32(o.rf64 ? UINT32_MAX : claimed);
  return w.bytes;
}

function defaultBits(encoding: WavEncoding): number {
  return encoding === "pcm" ? 16 : encoding === "float" ? 32 : 8;
}

/** Encodes a whole WAV file in memory (tests and fixtures). Defaults: PCM, 16-bit (float: 32-bit). */
export function encodeWav(o: {
  channels: Float32Array[];
  sampleRate: number;
  encoding?: WavEncoding;
  bitsPerSample?: number;
  extensible?: boolean;
  extraChunks?: { id: string; data: Uint8Array }[];
  dataChunkSize?: number;
  rf64?: boolean;
}): Uint8Array {
  const encoding = o.encoding ?? "pcm";
  const bitsPerSample = o.bitsPerSample ?? defaultBits(encoding);
  const data = encodeSamples(o.channels, encoding, bitsPerSample);
  const header = buildWavHeader({
    sampleRate: o.sampleRate,
    channels: o.channels.length,
    encoding,
    bitsPerSample,
    dataLength: data.length,
    extensible: o.extensible,
    extraChunks: o.extraChunks,
    dataChunkSize: o.dataChunkSize,
    rf64: o.rf64,
  });
  const file = new Uint8Array(header.length + data.length + (data.length & 1));
  file.set(header, 0);
  file.set(data, header.length);
  return file;
}

const PCM16_HEADER_BYTES = 44;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const OUTPUT_RATE = 8000;

type FileHandle = Awaited<ReturnType<typeof open>>;

function ioError(action: string, path: string, error: unknown): CvkError {
  return new CvkError("IO_FAILED", `Could not ${action} ${path}: ${(error as Error).message}`, {
    hint: "Check that the folder is writable and the disk is not full.",
    cause: error,
  });
}

/**
 * Streams 8 kHz mono PCM-16 to `path + ".partial"`, then `close()` patches the RIFF and data sizes
 * and renames it into place; `abort()` deletes it. So the target is written whole or not at all.
 * Await each `write` before changing the array passed to it.
 */
export class WavFileWriter {
  readonly path: string;
  readonly partialPath: string;
  #handle: FileHandle | undefined;
  #dataBytes = 0;
  #state: "open" | "closed" | "aborted" = "open";

  private constructor(path: string, handle: FileHandle) {
    this.path = path;
    this.partialPath = `${path}.partial`;
    this.#handle = handle;
  }

  static async create(path: string): Promise<WavFileWriter> {
    const partial = `${path}.partial`;
    let handle: FileHandle;
    try {
      await mkdir(dirname(path), { recursive: true });
      // "w" truncates a .partial left behind by an earlier crash.
      handle = await open(partial, "w");
    } catch (error) {
      throw ioError("create", partial, error);
    }
    const writer = new WavFileWriter(path, handle);
    try {
      await handle.write(writer.#header(), 0, PCM16_HEADER_BYTES, 0);
    } catch (error) {
      await writer.abort();
      throw ioError("write", partial, error);
    }
    return writer;
  }

  /** Sample frames written so far. */
  get frames(): number {
    return this.#dataBytes / 2;
  }

  #header(): Uint8Array {
    return buildWavHeader({
      sampleRate: OUTPUT_RATE,
      channels: 1,
      encoding: "pcm",
      bitsPerSample: 16,
      dataLength: this.#dataBytes,
    });
  }

  #openHandle(action: string): FileHandle {
    if (this.#state !== "open" || this.#handle === undefined) {
      throw new CvkError("INTERNAL", `Cannot ${action} ${this.path}: the writer is already ${this.#state}.`, {
        hint: "This is a bug in cvk; please report it.",
      });
    }
    return this.#handle;
  }

  async write(samples: Int16Array): Promise<void> {
    const handle = this.#openHandle("write to");
    if (samples.length === 0) return;
    if (PCM16_HEADER_BYTES + this.#dataBytes + samples.byteLength > UINT32_MAX) {
      throw new CvkError("INPUT_INVALID", `${this.path} would exceed the 4 GiB limit of a WAV file.`, {
        hint: "Split the audio into shorter files.",
      });
    }
    // WAV samples are little-endian: on a little-endian host the array's bytes are already right.
    let bytes = new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
    if (!LITTLE_ENDIAN_HOST) {
      bytes = new Uint8Array(samples.byteLength);
      const view = new DataView(bytes.buffer);
      for (let i = 0; i < samples.length; i++) view.setInt16(i * 2, samples[i] ?? 0, true);
    }
    // The position is reserved synchronously, so even un-awaited writes land in order.
    const position = PCM16_HEADER_BYTES + this.#dataBytes;
    this.#dataBytes += bytes.length;
    try {
      await handle.write(bytes, 0, bytes.length, position);
    } catch (error) {
      await this.abort();
      throw ioError("write", this.partialPath, error);
    }
  }

  /** Patches the header with the final sizes, flushes, and renames the file into place. */
  async close(): Promise<void> {
    const handle = this.#openHandle("close");
    this.#state = "closed";
    try {
      await handle.write(this.#header(), 0, PCM16_HEADER_BYTES, 0);
      await handle.sync();
      await handle.close();
      this.#handle = undefined;
      await rename(this.partialPath, this.path);
    } catch (error) {
      await handle.close().catch(() => undefined);
      this.#handle = undefined;
      await rm(this.partialPath, { force: true }).catch(() => undefined);
      throw ioError("finish", this.path, error);
    }
  }

  /** Discards the partial file. Safe to call more than once; does nothing after close(). */
  async abort(): Promise<void> {
    if (this.#state === "closed") return;
    this.#state = "aborted";
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close().catch(() => undefined);
    await rm(this.partialPath, { force: true });
  }
}
