import { rm } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import { CvkError } from "@cvk/core";
import { VOICE_ID_AUDIO_RULES } from "./check.ts";
import { encodePcm16 } from "./codecs.ts";
import { decodedChunks } from "./pcm-stream.ts";
import { Resampler } from "./resample.ts";
import { SpeechMeter } from "./vad.ts";
import { readWavInfo, type WavInfo } from "./wav-header.ts";
import { WavFileWriter } from "./wav-writer.ts";

const WAV_HEADER_BYTES = 44;
const OUTPUT_RATE = VOICE_ID_AUDIO_RULES.sampleRate;

export interface ConvertOptions {
  /** Which channel to keep (the caller's), or "mix" to average all channels. Default 0. */
  channel?: number | "mix";
  /** Largest output file; longer recordings are split into parts. Default: the Voice ID limit. */
  maxBytes?: number;
  /** Keep at most this many parts, those with the most net speech; the rest are deleted. */
  maxParts?: number;
  /** TPDF dither before rounding to 16 bits (default off: plain rounding is already ≥ 90 dB SNR). */
  dither?: boolean;
  /**
   * Measure each part's net speech (default: only when the recording is split, to rank the parts).
   * It costs about as much as the resampling itself.
   */
  measureSpeech?: boolean;
  signal?: AbortSignal;
}

export interface ConvertedPart {
  path: string;
  frames: number;
  durationSeconds: number;
  /** Net speech, when measured (see ConvertOptions.measureSpeech). */
  speechSeconds?: number;
  bytes: number;
}

export interface ConvertResult {
  source: WavInfo;
  channel: number | "mix";
  /** What was done, in words, for reports ("resampled 16000 Hz → 8000 Hz", …). */
  actions: string[];
  /** The files written, in time order. */
  parts: ConvertedPart[];
  /** Parts removed by `maxParts` (they had the least speech). */
  droppedParts: ConvertedPart[];
}

function describeActions(info: WavInfo, channel: number | "mix", partCount: number): string[] {
  const actions: string[] = [];
  if (info.encoding === "mulaw") actions.push("decoded G.711 μ-law");
  else if (info.encoding === "alaw") actions.push("decoded G.711 A-law");
  else if (info.encoding === "float") actions.push(`converted ${info.bitsPerSample}-bit float`);
  else if (info.bitsPerSample !== 16) actions.push(`converted ${info.bitsPerSample}-bit PCM`);
  if (info.channels > 1)
    actions.push(
      channel === "mix" ? `mixed ${info.channels} channels` : `kept channel ${channel} of ${info.channels}`,
    );
  if (info.sampleRate !== OUTPUT_RATE) actions.push(`resampled ${info.sampleRate} Hz → ${OUTPUT_RATE} Hz`);
  if (partCount > 1) actions.push(`split into ${partCount} parts of at most 20 MB`);
  return actions;
}

function partPath(outputPath: string, index: number, count: number): string {
  if (count === 1) return outputPath;
  const extension = extname(outputPath) || ".wav";
  const stem = basename(outputPath, extname(outputPath));
  return join(dirname(outputPath), `${stem}.part-${String(index + 1).padStart(2, "0")}${extension}`);
}

/**
 * Converts a recording to what Voice ID enrolls from: 8 kHz, mono PCM-16, a canonical 44-byte
 * header, at most `maxBytes` per file. Streams from disk to disk: decode → pick or mix the channel
 * → polyphase anti-aliasing resampler → round to 16 bits → write, so memory stays flat for
 * multi-hour files. Each output is written whole or not at all.
 */
export async function convertRecording(
  inputPath: string,
  outputPath: string,
  options: ConvertOptions = {},
): Promise<ConvertResult> {
  const info = await readWavInfo(inputPath);
  const channel = options.channel ?? 0;
  if (info.truncated) {
    throw new CvkError(
      "AUDIO_TRUNCATED",
      `${inputPath} is truncated: its header promises more audio than the file holds`,
      {
        hint: "Re-export the recording from its source; a cut-off file may be missing the caller's speech.",
      },
    );
  }
  if (channel !== "mix" && (channel < 0 || channel >= info.channels || !Number.isInteger(channel))) {
    throw new CvkError(
      "INPUT_INVALID",
      `${inputPath} has ${info.channels} channel(s); channel ${channel} does not exist`,
      {
        hint: `Use a channel from 0 to ${info.channels - 1}, or "mix".`,
      },
    );
  }
  const maxBytes = options.maxBytes ?? VOICE_ID_AUDIO_RULES.maxBytes;
  const framesPerPart = Math.floor((maxBytes - WAV_HEADER_BYTES) / 2);
  if (framesPerPart < OUTPUT_RATE) {
    throw new CvkError("USAGE", `maxBytes ${maxBytes} leaves less than one second of audio per file`, {
      hint: "Use a limit of at least 16 KB.",
    });
  }
  const expectedFrames = Math.round((info.frames * OUTPUT_RATE) / info.sampleRate);
  const partCount = Math.max(1, Math.ceil(expectedFrames / framesPerPart));

  const resampler =
    info.sampleRate === OUTPUT_RATE
      ? undefined
      : new Resampler(info.sampleRate, OUTPUT_RATE, { reuseOutput: true });
  const parts: ConvertedPart[] = [];
  const writers: WavFileWriter[] = [];
  let writer: WavFileWriter | undefined;
  const measure = options.measureSpeech ?? (partCount > 1 || options.maxParts !== undefined);
  let meter = measure ? new SpeechMeter(OUTPUT_RATE) : undefined;
  let ditherSeed = 1;
  // Reused for every chunk: each write completes before the next chunk is encoded.
  let pcm = new Int16Array(0);

  const finishPart = async (): Promise<void> => {
    if (!writer) return;
    const frames = writer.frames;
    await writer.close();
    parts.push({
      path: writer.path,
      frames,
      durationSeconds: frames / OUTPUT_RATE,
      ...(meter ? { speechSeconds: meter.result().speechSeconds } : {}),
      bytes: WAV_HEADER_BYTES + frames * 2,
    });
    writer = undefined;
    meter = measure ? new SpeechMeter(OUTPUT_RATE) : undefined;
  };

  const emit = async (samples: Float32Array): Promise<void> => {
    let offset = 0;
    while (offset < samples.length) {
      if (!writer) {
        writer = await WavFileWriter.create(partPath(outputPath, parts.length, partCount));
        writers.push(writer);
      }
      const room = framesPerPart - writer.frames;
      const take = samples.subarray(offset, offset + Math.min(room, samples.length - offset));
      meter?.push(take);
      if (pcm.length < take.length) pcm = new Int16Array(take.length);
      await writer.write(
        encodePcm16(take, { out: pcm, ...(options.dither ? { dither: "tpdf", seed: ditherSeed++ } : {}) }),
      );
      offset += take.length;
      if (writer.frames >= framesPerPart) await finishPart();
    }
  };

  try {
    let mixed: Float32Array | undefined;
    for await (const frames of decodedChunks(inputPath, info, options.signal)) {
      let mono: Float32Array;
      if (channel === "mix" && frames.length > 1) {
        const length = frames[0]?.length ?? 0;
        if (!mixed || mixed.length < length) mixed = new Float32Array(length);
        mono = mixed.subarray(0, length);
        mono.fill(0);
        const weight = 1 / frames.length;
        for (const samples of frames)
          for (let i = 0; i < length; i++) mono[i] = (mono[i] ?? 0) + (samples[i] ?? 0) * weight;
      } else {
        mono = frames[channel === "mix" ? 0 : channel] ?? new Float32Array(0);
      }
      await emit(resampler ? resampler.process(mono) : mono);
    }
    if (resampler) await emit(resampler.flush());
    if (!writer && parts.length === 0) {
      // A file with no samples still yields a valid (empty) WAV, so callers see "too little speech".
      writer = await WavFileWriter.create(outputPath);
      writers.push(writer);
    }
    await finishPart();
  } catch (error) {
    await Promise.all(writers.map((w) => w.abort().catch(() => undefined)));
    await Promise.all(parts.map((part) => rm(part.path, { force: true })));
    throw error;
  }

  let droppedParts: ConvertedPart[] = [];
  if (options.maxParts !== undefined && parts.length > options.maxParts) {
    const keep = new Set(
      [...parts].sort((a, b) => (b.speechSeconds ?? 0) - (a.speechSeconds ?? 0)).slice(0, options.maxParts),
    );
    droppedParts = parts.filter((part) => !keep.has(part));
    await Promise.all(droppedParts.map((part) => rm(part.path, { force: true })));
  }
  const kept = parts.filter((part) => !droppedParts.includes(part));
  const actions = describeActions(info, channel, parts.length);
  if (droppedParts.length > 0) actions.push(`kept the ${kept.length} part(s) with the most speech`);
  return { source: info, channel, actions, parts: kept, droppedParts };
}
