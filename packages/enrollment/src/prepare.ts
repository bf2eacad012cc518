/**
 * `cvk enroll prepare`: converts the recordings Voice ID would refuse (sample rate, encoding,
 * channel count, size) into what it enrolls from — 8 kHz mono PCM-16, ≤ 20 MB per file
 * (aws-facts.md §3, the speaker-enrollment schema page) — and writes a new caller list pointing at
 * the results. What cannot be fixed (too little speech, unreadable, truncated) is listed with reasons.
 */

import { createHash } from "node:crypto";
import { readdir, realpath, stat } from "node:fs/promises";
import { basename, dirname, extname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { type AudioIssue, AudioWorkerPool, VOICE_ID_AUDIO_RULES } from "@cvk/audio";
import {
  CvkError,
  type CvkEventListener,
  forEachConcurrently,
  stepReporter,
  toCvkError,
  writeFileAtomic,
} from "@cvk/core";
import { stringify } from "csv-stringify/sync";
import { readCallerList } from "./caller-list.ts";
import { MAX_RECORDINGS_PER_REQUEST, type PlanProblem } from "./plan-types.ts";

export interface PrepareOptions {
  list: string;
  outDir: string;
  allowOutside?: boolean;
  pool?: AudioWorkerPool;
  onEvent?: CvkEventListener;
  /** Net speech a caller needs across its recordings (default 30 s). */
  minNetSpeechSeconds?: number;
  /** Largest output file (default: Voice ID's 20 MB); tests lower it to force a split. */
  maxBytes?: number;
}

export interface PrepareResult {
  /** The new caller list (CSV). */
  callers: string;
  /** Recordings that cannot be fixed, with reasons (CSV). */
  unfixable: string;
  rows: number;
  /** Recordings converted in this run. */
  converted: number;
  /** Converted earlier (output newer than the source): left as they were. */
  reused: number;
  /** Already conforming: referenced in place. */
  conforming: number;
  /** Rows listed in unfixable.csv. */
  unfixableRows: number;
  /** Rows written to callers.csv. */
  outputRows: number;
}

interface Row {
  line: number;
  customerSpeakerId: string;
  audio: string;
  channel: number;
  requestId?: string;
  /** The files to list for this row: [path, channel, speech seconds]. */
  outputs: { path: string; channel: number; speech?: number }[];
  problem?: { reason: string; message: string };
  state?: "converted" | "reused" | "conforming";
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== "" && rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/** outDir mirrors the list's folder; files from elsewhere go under external/<sha256 of the path>/. */
function outputPath(root: string, outDir: string, audio: string): string {
  const name = `${basename(audio, extname(audio))}.wav`;
  if (!isInside(root, audio)) {
    return join(outDir, "external", createHash("sha256").update(audio).digest("hex"), name);
  }
  return join(outDir, dirname(relative(root, audio)), name);
}

/** The files a finished conversion left: the output itself, or its `.part-NN.wav` pieces. */
async function existingOutputs(path: string, sourceMtime: number): Promise<string[] | undefined> {
  const stem = basename(path, ".wav");
  let names: string[];
  try {
    names = await readdir(dirname(path));
  } catch {
    return undefined;
  }
  const candidates = names
    .filter(
      (n) =>
        n === `${stem}.wav` ||
        new RegExp(`^${stem.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\.part-\\d+\\.wav$`).test(n),
    )
    .sort()
    .map((n) => join(dirname(path), n));
  if (candidates.length === 0) return undefined;
  for (const candidate of candidates) {
    if ((await stat(candidate)).mtimeMs <= sourceMtime) return undefined;
  }
  return candidates;
}

const describeIssues = (issues: AudioIssue[]) => issues.map((i) => i.message).join(" ");

/**
 * Converts every non-conforming local recording with the pool (in parallel), writes
 * `outDir/callers.csv` (converted files on channel 0; conforming ones and S3 objects referenced in
 * place, by a path relative to outDir) and `outDir/unfixable.csv`. Re-running reuses outputs newer
 * than their sources, so an interrupted prepare resumes.
 */
export async function prepareRecordings(options: PrepareOptions): Promise<PrepareResult> {
  const listPath = resolve(options.list);
  const outDir = resolve(options.outDir);
  const minSpeech = options.minNetSpeechSeconds ?? VOICE_ID_AUDIO_RULES.minNetSpeechSeconds;
  const report = stepReporter("enroll-prepare", options.onEvent);
  const rows: Row[] = [];
  const invalid: PlanProblem[] = [];
  for await (const row of readCallerList(listPath, {
    allowOutside: options.allowOutside === true,
    onInvalidRow: (problem) => invalid.push(problem),
  })) {
    rows.push({ ...row, outputs: [] });
  }
  const root = await realpath(dirname(listPath));
  if (outDir === root || isInside(outDir, root)) {
    throw new CvkError("USAGE", `--out ${outDir} would overwrite the recordings next to ${listPath}`, {
      hint: "Choose an empty folder, e.g. --out prepared/.",
    });
  }
  const ownPool = options.pool === undefined;
  const pool = options.pool ?? new AudioWorkerPool();
  let converted = 0;
  let reused = 0;
  let conforming = 0;
  try {
    const locals = rows.filter((r) => !r.audio.startsWith("s3://"));
    for (const row of rows)
      if (row.audio.startsWith("s3://")) row.outputs.push({ path: row.audio, channel: row.channel });
    const checks = await pool.checkHeaders(locals.map((r) => ({ path: r.audio, channel: r.channel })));
    report.started(locals.length, `preparing ${locals.length} local recordings`);
    let done = 0;
    await forEachConcurrently(locals.entries(), pool.threads * 2, async ([index, row]) => {
      const check = checks[index];
      const issues = (check?.issues ?? []).filter((i) => i.reason !== "TOO_LITTLE_SPEECH");
      // The header check knows only Voice ID's own size limit; a lower maxBytes is ours to apply.
      const size = check?.info?.fileSize ?? 0;
      if (
        options.maxBytes !== undefined &&
        size > options.maxBytes &&
        !issues.some((i) => i.reason === "TOO_LARGE")
      ) {
        issues.push({
          reason: "TOO_LARGE",
          message: `larger than ${options.maxBytes} bytes`,
          hint: "",
          fixable: true,
        });
      }
      const unfixable = issues.filter((i) => !i.fixable);
      if (!check?.info || unfixable.length > 0) {
        row.problem = {
          reason: (unfixable[0] ?? issues[0])?.reason ?? "NOT_WAV",
          message: describeIssues(unfixable),
        };
      } else if (issues.length === 0) {
        const inspection = await pool.inspect(row.audio, { channel: row.channel });
        row.outputs.push({
          path: row.audio,
          channel: row.channel,
          speech: inspection.speechSecondsByChannel?.[row.channel],
        });
        row.state = "conforming";
        conforming++;
      } else {
        const target = outputPath(root, outDir, row.audio);
        const sourceMtime = (await stat(row.audio)).mtimeMs;
        const previous = await existingOutputs(target, sourceMtime);
        if (previous) {
          for (const path of previous) {
            const inspection = await pool.inspect(path, { channel: 0 });
            row.outputs.push({ path, channel: 0, speech: inspection.speechSecondsByChannel?.[0] });
          }
          row.state = "reused";
          reused++;
        } else {
          try {
            const result = await pool.convert(row.audio, target, {
              channel: row.channel,
              measureSpeech: true,
              maxParts: MAX_RECORDINGS_PER_REQUEST,
              ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
            });
            for (const part of result.parts)
              row.outputs.push({ path: part.path, channel: 0, speech: part.speechSeconds });
            row.state = "converted";
            converted++;
          } catch (error) {
            const failure = toCvkError(error);
            if (failure.code === "IO_FAILED" || failure.code === "INTERNAL") throw failure;
            row.problem = { reason: failure.code, message: failure.message };
          }
        }
      }
      done++;
      report.progress(done, locals.length);
    });
  } finally {
    if (ownPool) await pool.destroy();
  }

  // Speech adds up across a caller's recordings (as in plan): judge callers, not files.
  const speechBySpeaker = new Map<string, { total: number; unknown: boolean }>();
  for (const row of rows) {
    const entry = speechBySpeaker.get(row.customerSpeakerId) ?? { total: 0, unknown: false };
    for (const output of row.outputs) {
      if (output.speech === undefined) entry.unknown = true;
      else entry.total += output.speech;
    }
    speechBySpeaker.set(row.customerSpeakerId, entry);
  }
  const callerRows: string[][] = [];
  const unfixableRows: string[][] = invalid.map((p) => [
    String(p.line),
    p.customerSpeakerId ?? "",
    p.audio ?? "",
    p.reason,
    p.message,
  ]);
  const relativeToOut = (path: string) =>
    path.startsWith("s3://") ? path : relative(outDir, path).split(sep).join("/");
  for (const row of rows) {
    const speech = speechBySpeaker.get(row.customerSpeakerId);
    if (row.problem) {
      unfixableRows.push([
        String(row.line),
        row.customerSpeakerId,
        row.audio,
        row.problem.reason,
        row.problem.message,
      ]);
      continue;
    }
    if (speech && !speech.unknown && speech.total < minSpeech) {
      unfixableRows.push([
        String(row.line),
        row.customerSpeakerId,
        row.audio,
        "TOO_LITTLE_SPEECH",
        `The caller's recordings hold ${Math.round(speech.total * 10) / 10} s of net speech together; Voice ID needs ${minSpeech} s.`,
      ]);
      continue;
    }
    for (const output of row.outputs) {
      callerRows.push([
        row.customerSpeakerId,
        relativeToOut(output.path),
        String(output.channel),
        row.requestId ?? "",
      ]);
    }
  }
  const callers = join(outDir, "callers.csv");
  const unfixable = join(outDir, "unfixable.csv");
  await writeFileAtomic(
    unfixable,
    stringify(unfixableRows, {
      header: true,
      columns: ["line", "customer_speaker_id", "audio", "reason", "message"],
    }),
  );
  // Last: the new list is the result; unfixable.csv beside it is already complete.
  await writeFileAtomic(
    callers,
    stringify(callerRows, {
      header: true,
      columns: ["customer_speaker_id", "audio", "channel", "request_id"],
    }),
  );
  const result: PrepareResult = {
    callers,
    unfixable,
    rows: rows.length + invalid.length,
    converted,
    reused,
    conforming,
    unfixableRows: unfixableRows.length,
    outputRows: callerRows.length,
  };
  report.finished(
    `${converted} converted, ${reused} reused, ${conforming} already conforming, ${unfixableRows.length} unfixable`,
    { ...result },
  );
  return result;
}
