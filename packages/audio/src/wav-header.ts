/**
 * RIFF/WAVE header parsing from the first bytes of a file (or an S3 ranged read).
 *
 * References:
 * - Microsoft/IBM "Multimedia Programming Interface and Data Specifications 1.0" (1991): RIFF
 *   chunks, word alignment, the `fmt `, `fact` and `data` chunks.
 * - Microsoft docs, WAVEFORMATEX and WAVEFORMATEXTENSIBLE (mmreg.h / ksmedia.h): format tags,
 *   cbSize, the SubFormat GUID `{XXXXXXXX-0000-0010-8000-00AA00389B71}`.
 * - EBU Tech 3306 (RF64): `RF64` form, `ds64` chunk with 64-bit RIFF and data sizes, 32-bit size
 *   fields set to 0xFFFFFFFF.
 *
 * Only the header is read; the samples themselves are never needed, so a 64 KiB probe is enough
 * for any file whose `data` chunk starts inside it.
 */

import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { open } from "node:fs/promises";
import { CvkError, type CvkErrorCode, isCvkError } from "@cvk/core";
import { isSupportedSampleFormat } from "./codecs.ts";

/** How many leading bytes readWavInfo reads: enough for the header of any sane WAV file. */
export const HEADER_PROBE_BYTES = 65536;

export type WavEncoding = "pcm" | "float" | "mulaw" | "alaw";

export interface WavInfo {
  container: "RIFF" | "RF64";
  encoding: WavEncoding;
  /** The resolved format tag: the SubFormat's tag for WAVE_FORMAT_EXTENSIBLE. */
  formatTag: number;
  extensible: boolean;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  blockAlign: number;
  /** Offset of the first sample byte in the file. */
  dataOffset: number;
  /** Bytes of sample data actually available, clamped to the file. */
  dataLength: number;
  /** The data size the header claims (the raw 0 or 0xFFFFFFFF for streamed files). */
  declaredDataLength: number;
  frames: number;
  durationSeconds: number;
  fileSize: number | undefined;
  /** The declared data extends past the end of the file. */
  truncated: boolean;
  /** The data size was 0 or 0xFFFFFFFF (never patched by a streaming writer) and the file size was used. */
  streamed: boolean;
  /** Every chunk up to and including `data`, in file order (`offset` is the chunk header's). */
  chunks: { id: string; offset: number; size: number }[];
}

/** `details.reason` of the CvkErrors thrown here, so callers can map them to check reasons. */
export type WavHeaderErrorReason =
  | "EMPTY_FILE"
  | "NOT_WAV"
  | "BAD_CHUNK"
  | "BAD_CHUNK_SIZE"
  | "NO_FMT"
  | "BAD_FMT"
  | "NO_DATA"
  | "DATA_NOT_IN_PROBE"
  | "UNSUPPORTED_FORMAT"
  | "HEADER_TRUNCATED"
  | "NOT_FOUND"
  | "NOT_A_FILE"
  | "READ_FAILED";

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_ALAW = 0x0006;
const WAVE_FORMAT_MULAW = 0x0007;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/** Bytes 2..15 of every KSDATAFORMAT_SUBTYPE_* GUID derived from a format tag (ksmedia.h). */
const KSDATAFORMAT_SUFFIX = [
  0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71,
];

/** Names of common format tags we cannot decode (mmreg.h), for a helpful message. */
const FORMAT_TAG_NAMES: ReadonlyMap<number, string> = new Map([
  [0x0002, "Microsoft ADPCM"],
  [0x0011, "IMA ADPCM"],
  [0x0022, "DSP Group TrueSpeech"],
  [0x0031, "GSM 6.10"],
  [0x0040, "G.721 ADPCM"],
  [0x0045, "G.726 ADPCM"],
  [0x0050, "MPEG audio"],
  [0x0055, "MPEG Layer 3 (MP3)"],
  [0x00ff, "AAC"],
  [0x0161, "Windows Media Audio"],
  [0x0162, "Windows Media Audio Pro"],
  [0x0163, "Windows Media Audio Lossless"],
  [0x1610, "MPEG-4 AAC"],
  [0x2000, "Dolby AC-3"],
]);

const CONVERT_HINT =
  "Convert it to WAV first, e.g. `ffmpeg -i <file> -ar 8000 -ac 1 -c:a pcm_s16le out.wav`.";
const REEXPORT_HINT = "Re-export or re-download the recording; the file is damaged.";

function headerError(
  code: CvkErrorCode,
  reason: WavHeaderErrorReason,
  message: string,
  hint: string,
  details: Record<string, unknown> = {},
): CvkError {
  return new CvkError(code, message, { hint, details: { reason, ...details } });
}

function fourCC(bytes: Uint8Array, offset: number): string {
  return String.fromCharCode(
    bytes[offset] ?? 0,
    bytes[offset + 1] ?? 0,
    bytes[offset + 2] ?? 0,
    bytes[offset + 3] ?? 0,
  );
}

/** Chunk IDs are four printable ASCII characters; anything else means we are reading garbage. */
function isChunkId(bytes: Uint8Array, offset: number): boolean {
  if (offset + 4 > bytes.length) return false;
  for (let i = offset; i < offset + 4; i++) {
    const c = bytes[i] ?? 0;
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/** Names what a non-WAV file probably is, for the error message. */
function sniff(head: Uint8Array): string | undefined {
  const ascii = fourCC(head, 0);
  if (ascii.startsWith("ID3")) return "an MP3 file (ID3 tag)";
  if ((head[0] ?? 0) === 0xff && ((head[1] ?? 0) & 0xe0) === 0xe0) return "an MPEG audio stream (MP3/AAC)";
  if (ascii === "fLaC") return "a FLAC file";
  if (ascii === "OggS") return "an Ogg file";
  if (ascii === "FORM") return "an AIFF file";
  if (fourCC(head, 4) === "ftyp") return "an MP4/M4A file";
  return undefined;
}

interface FmtChunk {
  formatTag: number;
  extensible: boolean;
  channels: number;
  sampleRate: number;
  blockAlign: number;
  bitsPerSample: number;
}

function encodingOf(tag: number): WavEncoding | undefined {
  switch (tag) {
    case WAVE_FORMAT_PCM:
      return "pcm";
    case WAVE_FORMAT_IEEE_FLOAT:
      return "float";
    case WAVE_FORMAT_MULAW:
      return "mulaw";
    case WAVE_FORMAT_ALAW:
      return "alaw";
    default:
      return undefined;
  }
}

function unsupportedTag(tag: number): CvkError {
  const hex = `0x${tag.toString(16).padStart(4, "0").toUpperCase()}`;
  const name = FORMAT_TAG_NAMES.get(tag);
  return headerError(
    "AUDIO_UNSUPPORTED",
    "UNSUPPORTED_FORMAT",
    `WAV audio is encoded as ${name ?? "an unknown format"} (format tag ${hex}); only PCM, IEEE float, μ-law and A-law can be read.`,
    CONVERT_HINT,
    { formatTag: tag },
  );
}

/** Parses a `fmt ` chunk body (WAVEFORMAT, WAVEFORMATEX or WAVEFORMATEXTENSIBLE). */
function parseFmt(view: DataView, body: number, size: number): FmtChunk & { encoding: WavEncoding } {
  if (size < 16) {
    throw headerError(
      "AUDIO_UNREADABLE",
      "BAD_FMT",
      `WAV 'fmt ' chunk is ${size} bytes; at least 16 are required.`,
      REEXPORT_HINT,
    );
  }
  let formatTag = view.getUint16(body, true);
  const channels = view.getUint16(body + 2, true);
  const sampleRate = view.getUint32(body + 4, true);
  const blockAlign = view.getUint16(body + 12, true);
  const bitsPerSample = view.getUint16(body + 14, true);
  let extensible = false;

  if (formatTag === WAVE_FORMAT_EXTENSIBLE) {
    // WAVEFORMATEXTENSIBLE: cbSize (2) + wValidBitsPerSample (2) + dwChannelMask (4) + SubFormat (16).
    if (size < 40) {
      throw headerError(
        "AUDIO_UNREADABLE",
        "BAD_FMT",
        `WAV 'fmt ' chunk is WAVE_FORMAT_EXTENSIBLE but only ${size} bytes; 40 are required.`,
        REEXPORT_HINT,
      );
    }
    const guid = body + 24;
    // The GUID's Data1 is a little-endian DWORD whose low word is the format tag; its high word and
    // the remaining 12 bytes must match KSDATAFORMAT_SUBTYPE_* (anything else, e.g. Ambisonic
    // B-format, is a different family of formats).
    let isTagGuid = true;
    for (let i = 0; i < KSDATAFORMAT_SUFFIX.length; i++) {
      if (view.getUint8(guid + 2 + i) !== KSDATAFORMAT_SUFFIX[i]) isTagGuid = false;
    }
    if (!isTagGuid) {
      throw headerError(
        "AUDIO_UNSUPPORTED",
        "UNSUPPORTED_FORMAT",
        "WAV audio uses a WAVE_FORMAT_EXTENSIBLE sub-format that is not a standard format tag.",
        CONVERT_HINT,
      );
    }
    formatTag = view.getUint16(guid, true);
    extensible = true;
  }

  const encoding = encodingOf(formatTag);
  if (encoding === undefined) throw unsupportedTag(formatTag);

  if (channels === 0 || sampleRate === 0) {
    throw headerError(
      "AUDIO_UNREADABLE",
      "BAD_FMT",
      `WAV 'fmt ' chunk declares ${channels} channels at ${sampleRate} Hz.`,
      REEXPORT_HINT,
    );
  }
  if (!isSupportedSampleFormat(encoding, bitsPerSample)) {
    throw headerError(
      "AUDIO_UNSUPPORTED",
      "UNSUPPORTED_FORMAT",
      `WAV audio is ${bitsPerSample}-bit ${encoding}; supported: PCM 8/16/24/32-bit, float 32/64-bit, 8-bit μ-law/A-law.`,
      CONVERT_HINT,
      { formatTag, bitsPerSample },
    );
  }
  // Decoders assume packed interleaved frames; a different nBlockAlign would mean a layout we would
  // silently misread, so it is treated as corruption rather than guessed around.
  const expectedAlign = channels * (bitsPerSample / 8);
  if (blockAlign !== expectedAlign) {
    throw headerError(
      "AUDIO_UNREADABLE",
      "BAD_FMT",
      `WAV 'fmt ' chunk declares a block align of ${blockAlign} bytes; ${channels} × ${bitsPerSample}-bit needs ${expectedAlign}.`,
      REEXPORT_HINT,
    );
  }
  return { formatTag, extensible, channels, sampleRate, blockAlign, bitsPerSample, encoding };
}

/** Reads an unsigned 64-bit little-endian integer as a (possibly rounded) JS number. */
function getUint64(view: DataView, offset: number): number {
  return view.getUint32(offset, true) + view.getUint32(offset + 4, true) * 2 ** 32;
}

/**
 * Parses a WAV header. `head` is the start of the file: the whole file, or at least the bytes up to
 * the start of the `data` chunk (HEADER_PROBE_BYTES is plenty). Pass `fileSize` whenever `head` is
 * only a probe; without it `head` is taken to be the whole file.
 *
 * Throws CvkError: AUDIO_UNREADABLE (not a WAV, corrupt), AUDIO_UNSUPPORTED (a format we cannot
 * decode), AUDIO_TRUNCATED (the file ends inside its own header). `details.reason` says which rule.
 */
export function parseWavHeader(head: Uint8Array, options: { fileSize?: number } = {}): WavInfo {
  const { fileSize } = options;
  if (fileSize !== undefined && !(Number.isSafeInteger(fileSize) && fileSize >= head.length)) {
    throw new CvkError(
      "INPUT_INVALID",
      `File size ${fileSize} is smaller than the ${head.length} bytes read.`,
      {
        hint: "Pass the size of the whole file (e.g. from fstat or the S3 Content-Range header).",
        details: { reason: "BAD_FILE_SIZE" },
      },
    );
  }
  /** End of the file; `avail` (≤ end) is how much of it we can see. */
  const end = fileSize ?? head.length;
  const avail = head.length;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);

  if (end === 0) {
    throw headerError("AUDIO_UNREADABLE", "EMPTY_FILE", "The file is empty (0 bytes).", REEXPORT_HINT);
  }

  // --- RIFF header: "RIFF" | "RF64", size, "WAVE" -------------------------------------------------
  const magicBytes = head.subarray(0, 4);
  const magic = fourCC(head, 0);
  if (magic === "RIFX") {
    throw headerError(
      "AUDIO_UNSUPPORTED",
      "UNSUPPORTED_FORMAT",
      "The file is a big-endian RIFX WAV, which cannot be read.",
      CONVERT_HINT,
    );
  }
  const isPrefixOf = (word: string) =>
    magicBytes.every((byte, i) => byte === word.charCodeAt(i)) && magicBytes.length < 4;
  if (magic !== "RIFF" && magic !== "RF64") {
    if (avail === end && (isPrefixOf("RIFF") || isPrefixOf("RF64"))) {
      throw headerError(
        "AUDIO_TRUNCATED",
        "HEADER_TRUNCATED",
        `The file is only ${end} bytes long and ends inside its WAV header.`,
        REEXPORT_HINT,
      );
    }
    const what = sniff(head);
    throw headerError(
      "AUDIO_UNREADABLE",
      "NOT_WAV",
      what === undefined
        ? "The file is not a WAV file (no RIFF header)."
        : `The file is ${what}, not a WAV file.`,
      CONVERT_HINT,
    );
  }
  const container: "RIFF" | "RF64" = magic === "RF64" ? "RF64" : "RIFF";
  if (avail < 12) {
    if (avail < end) {
      throw headerError(
        "AUDIO_UNREADABLE",
        "DATA_NOT_IN_PROBE",
        `Only ${avail} bytes of the file were given; the WAV header needs at least 12.`,
        "Read more of the file before parsing its header.",
      );
    }
    throw headerError(
      "AUDIO_TRUNCATED",
      "HEADER_TRUNCATED",
      `The file is only ${end} bytes long and ends inside its WAV header.`,
      REEXPORT_HINT,
    );
  }
  const form = fourCC(head, 8);
  if (form !== "WAVE") {
    throw headerError(
      "AUDIO_UNREADABLE",
      "NOT_WAV",
      `The file is a RIFF '${form.replace(/[^\x20-\x7e]/g, "?")}' file, not a WAV file.`,
      CONVERT_HINT,
    );
  }
  const riffSize32 = view.getUint32(4, true);
  /**
   * Where the RIFF header says the file ends, if it says anything (streaming writers leave 0 or
   * 0xFFFFFFFF; RF64 puts the real size in ds64). Used only to tell a truncated file (the header
   * promised more) from a lying chunk size (the header is consistent with the file).
   */
  let riffEnd: number | undefined =
    riffSize32 === 0 || riffSize32 === 0xffffffff ? undefined : riffSize32 + 8;

  // --- Chunk walk, up to `data` -------------------------------------------------------------------
  const chunks: WavInfo["chunks"] = [];
  let fmt: (FmtChunk & { encoding: WavEncoding }) | undefined;
  let ds64DataSize: number | undefined;
  let pos = 12;

  /** The walk needs bytes from `pos` it cannot see: decide which failure that is. */
  const ranOut = (what: string): CvkError => {
    if (avail < end) {
      return headerError(
        "AUDIO_UNREADABLE",
        "DATA_NOT_IN_PROBE",
        `No WAV 'data' chunk in the first ${avail} bytes: ${what} lies beyond them.`,
        "The file has very large metadata chunks before its audio; re-save it without them (e.g. with `cvk enroll prepare` or ffmpeg).",
        { offset: pos },
      );
    }
    if (riffEnd !== undefined && riffEnd > end) {
      return headerError(
        "AUDIO_TRUNCATED",
        "HEADER_TRUNCATED",
        `The WAV file is cut off at ${end} bytes, before its audio data (the header says ${riffEnd}).`,
        REEXPORT_HINT,
        { offset: pos },
      );
    }
    return fmt === undefined
      ? headerError("AUDIO_UNREADABLE", "NO_FMT", "The WAV file has no 'fmt ' chunk.", REEXPORT_HINT)
      : headerError("AUDIO_UNREADABLE", "NO_DATA", "The WAV file has no 'data' chunk.", REEXPORT_HINT);
  };

  for (;;) {
    if (pos + 8 > avail) throw ranOut("the next chunk header");
    if (!isChunkId(head, pos)) {
      throw headerError(
        "AUDIO_UNREADABLE",
        "BAD_CHUNK",
        `The WAV file has garbage where a chunk should start (offset ${pos}).`,
        REEXPORT_HINT,
        { offset: pos },
      );
    }
    const id = fourCC(head, pos);
    const size32 = view.getUint32(pos + 4, true);
    const body = pos + 8;

    if (id === "data") {
      if (fmt === undefined) {
        throw headerError(
          "AUDIO_UNREADABLE",
          "NO_FMT",
          "The WAV file has no 'fmt ' chunk before its 'data' chunk.",
          REEXPORT_HINT,
        );
      }
      // RF64 (EBU Tech 3306 §2): a 32-bit size of 0xFFFFFFFF means "see ds64".
      const useDs64 = container === "RF64" && size32 === 0xffffffff && ds64DataSize !== undefined;
      const declared = useDs64 ? (ds64DataSize ?? 0) : size32;
      chunks.push({ id, offset: pos, size: declared });
      // A streaming writer that never seeked back leaves 0 (or -1); the audio runs to the end of the file.
      const streamed = declared === 0 || (!useDs64 && size32 === 0xffffffff);
      const inFile = end - body;
      const dataLength = streamed ? inFile : Math.min(declared, inFile);
      const frames = Math.floor(dataLength / fmt.blockAlign);
      return {
        container,
        encoding: fmt.encoding,
        formatTag: fmt.formatTag,
        extensible: fmt.extensible,
        channels: fmt.channels,
        sampleRate: fmt.sampleRate,
        bitsPerSample: fmt.bitsPerSample,
        blockAlign: fmt.blockAlign,
        dataOffset: body,
        dataLength,
        declaredDataLength: declared,
        frames,
        durationSeconds: frames / fmt.sampleRate,
        fileSize,
        truncated: !streamed && declared > inFile,
        streamed,
        chunks,
      };
    }

    chunks.push({ id, offset: pos, size: size32 });
    const bodyEnd = body + size32;
    const needBody = (id === "fmt " && fmt === undefined) || (id === "ds64" && container === "RF64");

    if (bodyEnd > end) {
      // The chunk claims more bytes than the file has. If the RIFF size also promised more, the file
      // was cut short; if the RIFF size fits the file, this chunk's size is lying. Without a RIFF
      // size, a cut-off fmt/ds64 is the header itself being cut.
      const cut = riffEnd === undefined ? needBody : riffEnd > end;
      if (cut) {
        throw headerError(
          "AUDIO_TRUNCATED",
          "HEADER_TRUNCATED",
          `The WAV file is cut off at ${end} bytes, inside its '${id}' chunk.`,
          REEXPORT_HINT,
          { offset: pos },
        );
      }
      throw headerError(
        "AUDIO_UNREADABLE",
        "BAD_CHUNK_SIZE",
        `The WAV '${id}' chunk at offset ${pos} claims ${size32} bytes, past the end of the file.`,
        REEXPORT_HINT,
        { offset: pos, chunk: id },
      );
    }

    if (needBody) {
      if (bodyEnd > avail) throw ranOut(`the '${id}' chunk`);
      if (id === "fmt ") {
        fmt = parseFmt(view, body, size32);
      } else {
        // ds64: riffSize (8), dataSize (8), sampleCount (8), table length (4), table...
        if (size32 < 24) {
          throw headerError(
            "AUDIO_UNREADABLE",
            "BAD_CHUNK_SIZE",
            `The RF64 'ds64' chunk is ${size32} bytes; at least 24 are required.`,
            REEXPORT_HINT,
          );
        }
        const riffSize64 = getUint64(view, body);
        if (riffSize32 === 0xffffffff) riffEnd = riffSize64 === 0 ? undefined : riffSize64 + 8;
        ds64DataSize = getUint64(view, body + 8);
      }
    }

    // Chunks are word-aligned: an odd-sized chunk is followed by one pad byte that its size omits.
    let next = bodyEnd + (size32 & 1);
    // Some writers forget the pad byte. If the aligned position holds no chunk ID but the unpadded
    // one does, follow the writer (libsndfile is similarly forgiving).
    if (next !== bodyEnd && !isChunkId(head, next) && isChunkId(head, bodyEnd)) next = bodyEnd;
    pos = next;
  }
}

/**
 * Reads the WAV header of a local file: one read of at most HEADER_PROBE_BYTES plus an fstat.
 * Throws INPUT_NOT_FOUND for a missing file, and parseWavHeader's errors for bad contents.
 */
function openError(path: string, error: unknown): CvkError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT" || code === "ENOTDIR") {
    return new CvkError("INPUT_NOT_FOUND", `Audio file not found: ${path}`, {
      hint: "Check the path (it is relative to the current directory).",
      cause: error,
      details: { reason: "NOT_FOUND", path },
    });
  }
  return new CvkError("IO_FAILED", `Could not open ${path}: ${(error as Error).message}`, {
    hint: "Check the file's permissions.",
    cause: error,
    details: { reason: "READ_FAILED", path },
  });
}

function notAFile(path: string): CvkError {
  return new CvkError("INPUT_INVALID", `Not a regular file: ${path}`, {
    hint: "Pass the path of a .wav file.",
    details: { reason: "NOT_A_FILE", path },
  });
}

function readError(path: string, error: unknown): CvkError {
  if (isCvkError(error)) return error;
  return new CvkError("IO_FAILED", `Could not read ${path}: ${(error as Error).message}`, {
    hint: "Check that the file is readable.",
    cause: error,
    details: { reason: "READ_FAILED", path },
  });
}

export async function readWavInfo(path: string): Promise<WavInfo> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, "r");
  } catch (error) {
    throw openError(path, error);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw notAFile(path);
    const length = Math.min(HEADER_PROBE_BYTES, stats.size);
    const buffer = new Uint8Array(length);
    const { bytesRead } = length === 0 ? { bytesRead: 0 } : await handle.read(buffer, 0, length, 0);
    // A file that shrank between fstat and read is seen as truncated, which it effectively is.
    return parseWavHeader(buffer.subarray(0, bytesRead), { fileSize: Math.max(stats.size, bytesRead) });
  } catch (error) {
    throw readError(path, error);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

let probeBuffer: Uint8Array | undefined;

/**
 * Synchronous twin of readWavInfo for batch header checks on worker threads: the same single read
 * of ≤ 64 KiB, into one reused buffer, without a thread-pool round trip per system call (which
 * halves the files checked per second).
 */
export function readWavInfoSync(path: string): WavInfo {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (error) {
    throw openError(path, error);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw notAFile(path);
    probeBuffer ??= new Uint8Array(HEADER_PROBE_BYTES);
    const length = Math.min(HEADER_PROBE_BYTES, stats.size);
    const bytesRead = length === 0 ? 0 : readSync(fd, probeBuffer, 0, length, 0);
    // parseWavHeader keeps no reference to the bytes, so the buffer can be reused.
    return parseWavHeader(probeBuffer.subarray(0, bytesRead), { fileSize: Math.max(stats.size, bytesRead) });
  } catch (error) {
    throw readError(path, error);
  } finally {
    closeSync(fd);
  }
}
