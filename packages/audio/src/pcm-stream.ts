import { open } from "node:fs/promises";
import { CvkError } from "@cvk/core";
import { decodeFrames } from "./codecs.ts";
import type { WavInfo } from "./wav-header.ts";

/** Sample bytes read per step: large enough to amortise I/O, small enough to keep memory flat. */
export const STREAM_CHUNK_BYTES = 256 * 1024;

/**
 * Streams a WAV file's sample data as decoded float channels, one chunk at a time.
 *
 * Memory stays flat whatever the file's length: one read buffer and one set of channel arrays are
 * reused for every chunk (a fresh buffer per chunk made a 2-hour conversion's heap balloon between
 * garbage collections). Reads are whole frames, so no partial frame is carried. The yielded arrays
 * are overwritten by the next iteration: consume or copy them before asking for more.
 */
export async function* decodedChunks(
  path: string,
  info: WavInfo,
  signal?: AbortSignal,
): AsyncGenerator<Float32Array[]> {
  if (info.dataLength === 0) return;
  const frameBytes = info.blockAlign > 0 ? info.blockAlign : (info.channels * info.bitsPerSample) / 8;
  const framesPerChunk = Math.max(1, Math.floor(STREAM_CHUNK_BYTES / frameBytes));
  const buffer = new Uint8Array(framesPerChunk * frameBytes);
  const channels = Array.from({ length: info.channels }, () => new Float32Array(framesPerChunk));
  const end = info.dataOffset + Math.floor(info.dataLength / frameBytes) * frameBytes;
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, "r");
    let position = info.dataOffset;
    while (position < end) {
      if (signal?.aborted) throw new CvkError("INTERRUPTED", `Reading ${path} was cancelled`);
      const want = Math.min(buffer.length, end - position);
      const { bytesRead } = await handle.read(buffer, 0, want, position);
      if (bytesRead === 0) break;
      const frames = Math.floor(bytesRead / frameBytes);
      if (frames === 0) break;
      position += frames * frameBytes;
      const out =
        frames === framesPerChunk ? channels : channels.map((channel) => channel.subarray(0, frames));
      yield decodeFrames(buffer.subarray(0, frames * frameBytes), info, out);
    }
  } catch (error) {
    if (error instanceof CvkError) throw error;
    throw new CvkError("AUDIO_UNREADABLE", `Could not read ${path}: ${(error as Error).message}`, {
      hint: "Check that the file is readable and was not moved while cvk ran.",
      cause: error,
    });
  } finally {
    await handle?.close();
  }
}
