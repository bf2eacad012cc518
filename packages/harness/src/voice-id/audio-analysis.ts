/**
 * What Voice ID does with a request's audio before it enrolls a speaker or registers a fraudster:
 * each file must exist, be a `.wav` of at most 20 MB, 8 kHz PCM-16, with the named channel; their
 * net speech together must reach the minimum; then a voiceprint is made from them
 * (aws-facts.md §3; https://docs.aws.amazon.com/connect/latest/adminguide/speaker-enrollment-job-schema.html).
 *
 * The checks are `@cvk/audio`'s own (`checkWavInfo`), so `cvk enroll prepare` and the sandbox agree
 * on what Voice ID accepts. The voiceprint is `@cvk/audio`'s spectral-statistics fingerprint: it
 * tells the synthetic voices apart and is not biometric-grade.
 *
 * Decoding and speech measurement stream the file in chunks (each chunk is an `await`), so the
 * server keeps answering while a job analyses audio.
 */

import {
  checkWavInfo,
  computeVoiceprint,
  decodedChunks,
  issueFromError,
  readWavInfo,
  SpeechMeter,
  VOICE_ID_AUDIO_RULES,
  voiceprintSimilarity,
  type WavInfo,
} from "@cvk/audio";
import { isValidS3Uri, parseS3Uri } from "@cvk/core";
import type { S3ObjectAccess } from "../service-context.ts";
import { compactVector, type FraudsterRecord } from "./model.ts";

export interface AudioSpecification {
  S3Uri: string;
  ChannelId: number;
}

export interface AudioAnalysis {
  speechSeconds: number;
  durationSeconds: number;
  voiceprint: number[];
}

/** A per-request failure: the HTTP-style code and message that go into the output file. */
export interface AnalysisFailure {
  code: number;
  message: string;
  /** The message names no file, so the same content gives the same failure in any request. */
  nameless?: boolean;
}

/**
 * The voiceprint is computed from at most this much audio (the start of the request's files): it
 * is CPU work done in one piece, and a minute of speech is plenty for the statistics it keeps.
 */
const VOICEPRINT_MAX_SECONDS = 60;
const RATE = VOICE_ID_AUDIO_RULES.sampleRate;

function failure(message: string): AnalysisFailure {
  return { code: 400, message };
}

/** Reads one channel of a checked WAV file: net speech over all of it, samples up to `room`. */
async function readChannel(
  path: string,
  info: WavInfo,
  channel: number,
  room: number,
  meter: SpeechMeter,
): Promise<Float32Array[]> {
  const kept: Float32Array[] = [];
  let left = room;
  for await (const frames of decodedChunks(path, info)) {
    const samples = frames[channel];
    if (!samples) continue;
    meter.push(samples);
    if (left > 0) {
      const take = samples.subarray(0, Math.min(left, samples.length));
      kept.push(Float32Array.from(take));
      left -= take.length;
    }
  }
  return kept;
}

/**
 * Analyses already made, by the content of a request's files (their ETags and channels) and the
 * speech minimum. Analysis is a pure function of the bytes, so the same recordings in another
 * request (a re-submitted shard, a test corpus of linked files) are not decoded again. Only
 * outcomes that do not name a file are kept: a success, or too little speech. Bounded, oldest out.
 */
export class AudioAnalysisCache {
  readonly #entries = new Map<string, AudioAnalysis | AnalysisFailure>();
  readonly #capacity: number;

  constructor(capacity = 4096) {
    this.#capacity = capacity;
  }

  get(key: string): AudioAnalysis | AnalysisFailure | undefined {
    return this.#entries.get(key);
  }

  set(key: string, value: AudioAnalysis | AnalysisFailure): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.#capacity) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}

/**
 * Checks and analyses the audio of one request. `minSpeechSeconds` is the net speech the request
 * needs across all its files.
 */
export async function analyzeAudio(
  s3: S3ObjectAccess,
  specifications: readonly AudioSpecification[],
  minSpeechSeconds: number,
  cache?: AudioAnalysisCache,
): Promise<AudioAnalysis | AnalysisFailure> {
  // Every file must exist and be small enough before anything is decoded (or found in the cache).
  const objects: { uri: string; channel: number; path: string }[] = [];
  const contentKey: string[] = [String(minSpeechSeconds)];
  for (const spec of specifications) {
    const uri = spec.S3Uri;
    if (!isValidS3Uri(uri)) return failure(`The audio location '${uri}' is not a valid S3 URI.`);
    const { bucket, key } = parseS3Uri(uri);
    if (!key.toLowerCase().endsWith(".wav"))
      return failure(`The audio file ${uri} is not a .wav file: Voice ID accepts WAV files only.`);
    const object = s3.bucketExists(bucket) ? s3.objectFile(bucket, key) : undefined;
    if (!object) return failure(`The audio file ${uri} does not exist or cannot be read.`);
    if (object.size > VOICE_ID_AUDIO_RULES.maxBytes) {
      return failure(
        `The audio file ${uri} is ${(object.size / 1_000_000).toFixed(1)} MB; Voice ID accepts at most 20 MB.`,
      );
    }
    objects.push({ uri, channel: spec.ChannelId, path: object.path });
    contentKey.push(`${object.etag}/${object.size}/${spec.ChannelId}`);
  }
  const cacheKey = contentKey.join("|");
  const cached = cache?.get(cacheKey);
  if (cached) return cached;
  const outcome = await analyzeFiles(objects, minSpeechSeconds);
  if (!isAnalysisFailure(outcome) || outcome.nameless) cache?.set(cacheKey, outcome);
  return outcome;
}

async function analyzeFiles(
  objects: readonly { uri: string; channel: number; path: string }[],
  minSpeechSeconds: number,
): Promise<AudioAnalysis | AnalysisFailure> {
  const meter = new SpeechMeter(RATE);
  const kept: Float32Array[] = [];
  let room = VOICEPRINT_MAX_SECONDS * RATE;
  let duration = 0;
  for (const { uri, channel, path } of objects) {
    let info: WavInfo;
    try {
      info = await readWavInfo(path);
    } catch (error) {
      return failure(`The audio file ${uri} is not a readable WAV file: ${issueFromError(error).message}`);
    }
    // Speech is judged over all files together below, so the per-file minimum is switched off.
    const issues = checkWavInfo(info, { channel, rules: { minNetSpeechSeconds: 0 } });
    const issue = issues[0];
    if (issue) return failure(`The audio file ${uri} cannot be used: ${issue.message}`);
    try {
      const samples = await readChannel(path, info, channel, room, meter);
      for (const chunk of samples) {
        kept.push(chunk);
        room -= chunk.length;
      }
    } catch (error) {
      return failure(`The audio file ${uri} could not be decoded: ${issueFromError(error).message}`);
    }
    duration += info.durationSeconds;
  }
  const { speechSeconds } = meter.result();
  if (speechSeconds < minSpeechSeconds) {
    return {
      ...failure(
        `Not enough speech: the audio has ${Math.round(speechSeconds * 10) / 10} s of net speech; Voice ID needs ${minSpeechSeconds} s.`,
      ),
      nameless: true,
    };
  }
  const voiceprint = voiceprintOf(kept);
  if (!voiceprint)
    return {
      ...failure("Not enough speech: the audio has too little speech for a voiceprint."),
      nameless: true,
    };
  return { speechSeconds, durationSeconds: duration, voiceprint };
}

function voiceprintOf(chunks: readonly Float32Array[]): number[] | undefined {
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  const samples = new Float32Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    samples.set(chunk, offset);
    offset += chunk.length;
  }
  return voiceprintOfSamples(samples, RATE);
}

/** A voiceprint of in-memory samples, or undefined when there is too little speech for one. */
export function voiceprintOfSamples(samples: Float32Array, sampleRate: number): number[] | undefined {
  try {
    return compactVector(
      computeVoiceprint(samples.subarray(0, VOICEPRINT_MAX_SECONDS * sampleRate), sampleRate).vector,
    );
  } catch {
    return undefined;
  }
}

export function isAnalysisFailure(value: AudioAnalysis | AnalysisFailure): value is AnalysisFailure {
  return "code" in value;
}

/** `@cvk/audio` similarity (0–100) of two stored voiceprint vectors. */
export function similarity(a: readonly number[], b: readonly number[]): number {
  return voiceprintSimilarity({ version: 1, vector: [...a] }, { version: 1, vector: [...b] });
}

/** The closest fraudster to a voiceprint among `fraudsters`, with its similarity. */
export function closestFraudster(
  fraudsters: Iterable<FraudsterRecord>,
  voiceprint: readonly number[],
): { fraudster: FraudsterRecord; score: number } | undefined {
  let best: { fraudster: FraudsterRecord; score: number } | undefined;
  for (const fraudster of fraudsters) {
    if (!fraudster.voiceprint) continue;
    const score = similarity(fraudster.voiceprint, voiceprint);
    if (!best || score > best.score) best = { fraudster, score };
  }
  return best;
}
