import { isCvkError, toCvkError } from "@cvk/core";
import { type AudioIssue, checkWavInfo, issueFromError } from "./check.ts";
import { type ConvertOptions, type ConvertResult, convertRecording } from "./convert.ts";
import { type InspectOptions, inspectRecording, type RecordingInspection } from "./inspect.ts";
import { readWavInfoSync, type WavInfo } from "./wav-header.ts";

/** A unit of work for a pool thread. Options exclude `signal`: cancellation is the pool's job. */
export type AudioTask =
  | { kind: "inspect"; path: string; options: Omit<InspectOptions, "signal"> }
  | { kind: "convert"; input: string; output: string; options: Omit<ConvertOptions, "signal"> }
  | { kind: "headers"; items: { path: string; channel?: number }[] };

/** A header-only check of one file: its info (when readable) and the rule violations seen so far. */
export interface HeaderCheck {
  path: string;
  info?: WavInfo;
  issues: AudioIssue[];
}

/**
 * What comes back across the thread boundary. Errors travel as plain data: structured cloning keeps
 * an Error's message but drops `code` and `hint`.
 */
export type AudioTaskOutcome =
  | { ok: true; inspection: RecordingInspection }
  | { ok: true; conversion: ConvertResult }
  | { ok: true; headers: HeaderCheck[] }
  | { ok: false; error: { code: string; message: string; hint?: string; details?: Record<string, unknown> } };

export default async function runAudioTask(task: AudioTask): Promise<AudioTaskOutcome> {
  try {
    if (task.kind === "inspect")
      return { ok: true, inspection: await inspectRecording(task.path, task.options) };
    if (task.kind === "headers") return { ok: true, headers: task.items.map(checkHeader) };
    return { ok: true, conversion: await convertRecording(task.input, task.output, task.options) };
  } catch (error) {
    const failure = isCvkError(error) ? error : toCvkError(error);
    return { ok: false, error: failure.toJSON() as Extract<AudioTaskOutcome, { ok: false }>["error"] };
  }
}

/** Header rules only (no speech measurement): one synchronous ≤ 64 KiB read per file. */
export function checkHeader(item: { path: string; channel?: number }): HeaderCheck {
  try {
    const info = readWavInfoSync(item.path);
    return { path: item.path, info, issues: checkWavInfo(info, { channel: item.channel ?? 0 }) };
  } catch (error) {
    return { path: item.path, issues: [issueFromError(error)] };
  }
}
