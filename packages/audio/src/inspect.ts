import type { AudioIssue } from "./check.ts";
import { checkWavInfo, issueFromError, type VOICE_ID_AUDIO_RULES } from "./check.ts";
import { decodedChunks } from "./pcm-stream.ts";
import { SpeechMeter } from "./vad.ts";
import { readWavInfo, type WavInfo } from "./wav-header.ts";

export interface InspectOptions {
  /** The channel Voice ID would use (ChannelId, 0 or 1); default 0. */
  channel?: number;
  /** Decode the whole file and measure net speech per channel (default true). Header-only otherwise. */
  measureSpeech?: boolean;
  /** Override rules (e.g. minNetSpeechSeconds from the config). */
  rules?: Partial<typeof VOICE_ID_AUDIO_RULES>;
  signal?: AbortSignal;
}

export interface RecordingInspection {
  path: string;
  /** Absent when the header could not be read (see issues). */
  info?: WavInfo;
  /** Net speech seconds per channel, when measured. */
  speechSecondsByChannel?: number[];
  issues: AudioIssue[];
  /** True when Voice ID would accept the file as it is. */
  ok: boolean;
}

/**
 * Reads a recording's header and (optionally) measures its net speech, then checks it against the
 * Voice ID rules. Unreadable files are reported as issues, never thrown: a batch of ten thousand
 * recordings should list its bad ones, not stop at the first.
 */
export async function inspectRecording(
  path: string,
  options: InspectOptions = {},
): Promise<RecordingInspection> {
  const channel = options.channel ?? 0;
  let info: WavInfo;
  try {
    info = await readWavInfo(path);
  } catch (error) {
    return { path, issues: [issueFromError(error)], ok: false };
  }
  let speechSecondsByChannel: number[] | undefined;
  if (options.measureSpeech !== false && !info.truncated && info.frames > 0) {
    try {
      const meters = Array.from({ length: info.channels }, () => new SpeechMeter(info.sampleRate));
      for await (const frames of decodedChunks(path, info, options.signal)) {
        for (const [index, samples] of frames.entries()) meters[index]?.push(samples);
      }
      speechSecondsByChannel = meters.map((meter) => meter.result().speechSeconds);
    } catch (error) {
      return { path, info, issues: [issueFromError(error)], ok: false };
    }
  }
  const speechSeconds = speechSecondsByChannel?.[channel];
  const issues = checkWavInfo(info, {
    channel,
    ...(speechSeconds === undefined ? {} : { speechSeconds }),
    ...(options.rules ? { rules: options.rules } : {}),
  });
  return {
    path,
    info,
    ...(speechSecondsByChannel ? { speechSecondsByChannel } : {}),
    issues,
    ok: issues.length === 0,
  };
}
