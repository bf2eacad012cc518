/**
 * The Voice ID audio rules, checked against a parsed WAV header (and optionally a net-speech
 * measurement), with a precise reason per broken rule and what `cvk enroll prepare` does about it.
 */

import { toCvkError } from "@cvk/core";
import type { WavEncoding, WavInfo } from "./wav-header.ts";

/**
 * What Voice ID accepts for batch enrollment and fraudster registration: "a .wav ≤ 20 MB, 8 kHz,
 * PCM-16", ChannelId 0 or 1 (so at most 2 channels), and 30 s of net speech to enroll.
 * Sources: aws-facts.md §3 (the team's reference notes); the enrollment schema page
 * https://docs.aws.amazon.com/connect/latest/adminguide/speaker-enrollment-job-schema.html
 * and the Voice ID admin guide (net speech).
 *
 * maxBytes: AWS does not say whether "20 MB" means 20 × 10^6 or 20 × 2^20 bytes. We use the
 * decimal 20,000,000 because it is the stricter reading: a file that passes it passes either, while
 * a file between 20,000,000 and 20,971,520 bytes could be rejected mid-job by the service.
 */
export const VOICE_ID_AUDIO_RULES = {
  maxBytes: 20_000_000,
  sampleRate: 8000,
  bitsPerSample: 16,
  encoding: "pcm",
  maxChannels: 2,
  minNetSpeechSeconds: 30,
} as const;

/** The rules' shape with widened types, so that `rules` overrides can take any value. */
export interface VoiceIdAudioRules {
  maxBytes: number;
  sampleRate: number;
  bitsPerSample: number;
  encoding: WavEncoding;
  maxChannels: number;
  minNetSpeechSeconds: number;
}

export type AudioIssueReason =
  | "NOT_WAV"
  | "UNSUPPORTED_ENCODING"
  | "SAMPLE_RATE"
  | "BIT_DEPTH"
  | "CHANNEL_MISSING"
  | "TOO_LARGE"
  | "TOO_LITTLE_SPEECH"
  | "TRUNCATED"
  | "EMPTY"
  | "NOT_FOUND";

export interface AudioIssue {
  reason: AudioIssueReason;
  message: string;
  /** What `cvk enroll prepare` would do about it, or why it can't. */
  hint: string;
  fixable: boolean;
}

const ENCODING_NAMES: Record<string, string> = {
  pcm: "PCM",
  float: "IEEE float",
  mulaw: "G.711 μ-law",
  alaw: "G.711 A-law",
};

function megabytes(bytes: number): string {
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

function seconds(value: number): string {
  return `${Math.round(value * 10) / 10} s`;
}

/**
 * Checks a parsed header against the Voice ID rules. `channel` is the ChannelId the manifest will
 * name (default 0); `speechSeconds` is the measured net speech in that channel, if known (without
 * it, only a recording shorter than the minimum is reported, since speech cannot exceed duration).
 * Returns no issues when the file can be submitted as is.
 */
export function checkWavInfo(
  info: WavInfo,
  options: { channel?: number; speechSeconds?: number; rules?: Partial<VoiceIdAudioRules> } = {},
): AudioIssue[] {
  const o = options.rules ?? {};
  // Field by field, so an override given as `undefined` keeps the default.
  const rules: VoiceIdAudioRules = {
    maxBytes: o.maxBytes ?? VOICE_ID_AUDIO_RULES.maxBytes,
    sampleRate: o.sampleRate ?? VOICE_ID_AUDIO_RULES.sampleRate,
    bitsPerSample: o.bitsPerSample ?? VOICE_ID_AUDIO_RULES.bitsPerSample,
    encoding: o.encoding ?? VOICE_ID_AUDIO_RULES.encoding,
    maxChannels: o.maxChannels ?? VOICE_ID_AUDIO_RULES.maxChannels,
    minNetSpeechSeconds: o.minNetSpeechSeconds ?? VOICE_ID_AUDIO_RULES.minNetSpeechSeconds,
  };
  const channel = options.channel ?? 0;
  const issues: AudioIssue[] = [];

  if (info.truncated) {
    issues.push({
      reason: "TRUNCATED",
      message: `The recording is cut off: the header promises ${info.declaredDataLength} bytes of audio but the file has ${info.dataLength}.`,
      hint: "prepare cannot restore missing audio; re-export or re-download the recording.",
      fixable: false,
    });
  }
  if (info.frames === 0) {
    // Nothing else matters for a file without audio.
    issues.push({
      reason: "EMPTY",
      message: "The recording contains no audio samples.",
      hint: "prepare cannot create speech; use a different recording.",
      fixable: false,
    });
    return issues;
  }

  // --- Channel -----------------------------------------------------------------------------------
  if (!Number.isInteger(channel) || channel < 0 || channel >= info.channels) {
    issues.push({
      reason: "CHANNEL_MISSING",
      message: `Channel ${channel} does not exist: the recording has ${info.channels} channel${info.channels === 1 ? "" : "s"} (numbered from 0).`,
      hint: `prepare cannot invent a channel; use channel ${info.channels === 1 ? "0" : `0–${info.channels - 1}`}.`,
      fixable: false,
    });
  } else if (info.channels > rules.maxChannels || channel > rules.maxChannels - 1) {
    // Voice ID's ChannelId is 0 or 1; a 6-channel file or channel 4 cannot be named in a manifest.
    issues.push({
      reason: "UNSUPPORTED_ENCODING",
      message: `The recording has ${info.channels} channels; Voice ID reads at most ${rules.maxChannels} (ChannelId 0 or 1).`,
      hint: `prepare extracts channel ${channel} into a mono file.`,
      fixable: true,
    });
  }

  // --- Encoding and container --------------------------------------------------------------------
  const encodingName = ENCODING_NAMES[info.encoding] ?? info.encoding;
  if (info.encoding !== rules.encoding) {
    issues.push({
      reason: "UNSUPPORTED_ENCODING",
      message: `The audio is ${info.bitsPerSample}-bit ${encodingName}; Voice ID needs PCM-${rules.bitsPerSample}.`,
      hint:
        info.encoding === "float"
          ? `prepare converts ${info.bitsPerSample}-bit float to PCM-${rules.bitsPerSample}.`
          : `prepare decodes ${encodingName} to PCM-${rules.bitsPerSample}.`,
      fixable: true,
    });
  } else if (info.bitsPerSample !== rules.bitsPerSample) {
    issues.push({
      reason: "BIT_DEPTH",
      message: `The audio is ${info.bitsPerSample}-bit PCM; Voice ID needs ${rules.bitsPerSample}-bit.`,
      hint: `prepare converts ${info.bitsPerSample}-bit PCM to ${rules.bitsPerSample}-bit.`,
      fixable: true,
    });
  }
  // AWS documents only "PCM-16 .wav"; the plainest header is the safest bet for the service's
  // parser, so an otherwise valid file in an unusual container is still flagged (prepare rewrites it).
  const headerQuirk = info.extensible
    ? "uses a WAVE_FORMAT_EXTENSIBLE header"
    : info.container === "RF64"
      ? "is an RF64 file"
      : info.streamed
        ? "has no data size in its header (written by a streaming recorder)"
        : undefined;
  if (headerQuirk !== undefined) {
    issues.push({
      reason: "UNSUPPORTED_ENCODING",
      message: `The recording ${headerQuirk}; Voice ID documents plain RIFF/WAVE PCM-16.`,
      hint: "prepare rewrites it as a plain 44-byte-header PCM-16 WAV.",
      fixable: true,
    });
  }

  // --- Sample rate -------------------------------------------------------------------------------
  if (info.sampleRate !== rules.sampleRate) {
    issues.push({
      reason: "SAMPLE_RATE",
      message: `The audio is sampled at ${info.sampleRate} Hz; Voice ID needs ${rules.sampleRate} Hz.`,
      hint:
        info.sampleRate > rules.sampleRate
          ? `prepare resamples to ${rules.sampleRate / 1000} kHz.`
          : `prepare resamples to ${rules.sampleRate / 1000} kHz, but cannot restore the bandwidth a ${info.sampleRate} Hz recording lacks; accuracy may suffer.`,
      fixable: true,
    });
  }

  // --- Size --------------------------------------------------------------------------------------
  const size = info.fileSize ?? info.dataOffset + info.dataLength;
  if (size > rules.maxBytes) {
    // prepare writes one channel at the target rate and depth: if that alone fits, no audio is lost.
    const preparedBytes =
      44 + Math.ceil((info.frames * rules.sampleRate) / info.sampleRate) * (rules.bitsPerSample / 8);
    issues.push({
      reason: "TOO_LARGE",
      message: `The file is ${megabytes(size)}; Voice ID accepts at most ${megabytes(rules.maxBytes)}.`,
      hint:
        preparedBytes <= rules.maxBytes
          ? `prepare's conversion to ${rules.sampleRate / 1000} kHz mono PCM-${rules.bitsPerSample} brings it to about ${megabytes(preparedBytes)}.`
          : "prepare splits/trims, keeping the segments with most speech.",
      fixable: true,
    });
  }

  // --- Speech ------------------------------------------------------------------------------------
  const minimum = rules.minNetSpeechSeconds;
  if (options.speechSeconds !== undefined && options.speechSeconds < minimum) {
    issues.push({
      reason: "TOO_LITTLE_SPEECH",
      message: `The recording has ${seconds(options.speechSeconds)} of net speech; Voice ID needs ${minimum} s to enroll.`,
      hint: "prepare cannot add speech; use a longer recording of the same caller.",
      fixable: false,
    });
  } else if (options.speechSeconds === undefined && info.durationSeconds < minimum) {
    issues.push({
      reason: "TOO_LITTLE_SPEECH",
      message: `The recording is only ${seconds(info.durationSeconds)} long; Voice ID needs ${minimum} s of net speech to enroll.`,
      hint: "prepare cannot add speech; use a longer recording of the same caller.",
      fixable: false,
    });
  }
  return issues;
}

/**
 * Turns an error met while reading a file into the issue it means for that file, so a batch reports
 * its bad recordings instead of stopping at the first. Only cancellation (INTERRUPTED) is rethrown.
 * Errors from parseWavHeader/readWavInfo map by code; any other failure becomes NOT_WAV with its
 * own message, so it stays visible.
 */
export function issueFromError(error: unknown): AudioIssue {
  const cvkError = toCvkError(error);
  const reason = cvkError.details?.reason;
  const { message } = cvkError;
  const hint = cvkError.hint ?? "";
  switch (cvkError.code) {
    case "INTERRUPTED":
      throw cvkError;
    case "AUDIO_UNSUPPORTED":
      return {
        reason: "UNSUPPORTED_ENCODING",
        message,
        hint: `prepare cannot decode it. ${hint}`,
        fixable: false,
      };
    case "AUDIO_TRUNCATED":
      return {
        reason: "TRUNCATED",
        message,
        hint: "prepare cannot restore missing audio; re-export or re-download the recording.",
        fixable: false,
      };
    case "INPUT_NOT_FOUND":
      return { reason: "NOT_FOUND", message, hint, fixable: false };
    default:
      if (reason === "EMPTY_FILE") {
        return {
          reason: "EMPTY",
          message,
          hint: "prepare cannot create audio; use a different recording.",
          fixable: false,
        };
      }
      // readWavInfo's "cannot open this path" failures (permissions, a directory).
      if (reason === "READ_FAILED" || reason === "NOT_A_FILE") {
        return { reason: "NOT_FOUND", message, hint, fixable: false };
      }
      return {
        reason: "NOT_WAV",
        message,
        hint: hint === "" ? "prepare cannot read it." : `prepare cannot read it. ${hint}`,
        fixable: false,
      };
  }
}

/** True when no rule is broken: the file can go into a Voice ID manifest as is. */
export function meetsVoiceIdRules(issues: AudioIssue[]): boolean {
  return issues.length === 0;
}
