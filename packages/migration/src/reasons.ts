import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { CountByReason, HistogramBin } from "./types.ts";

/** What each reason a caller is not enrolled means, and what to do about it. */
const EXPLANATIONS: Record<string, string> = {
  TOO_LITTLE_SPEECH:
    "Less net speech than Voice ID needs to enroll; add recordings of the caller (prepare cannot add speech).",
  FRAUDSTER_MATCH:
    "The voice matches a known fraudster in the watchlist, so fraud detection (action FAIL) refused the enrollment. Review the caller.",
  TRUNCATED: "The file is cut off (the header promises more audio than there is); re-export the recording.",
  EMPTY: "The file holds no audio.",
  NOT_FOUND: "The recording listed does not exist.",
  NOT_WAV: "Not a WAV file.",
  SAMPLE_RATE: "Not 8 kHz; `prepare` converts it (the migration does this itself).",
  UNSUPPORTED_ENCODING:
    "Not PCM-16 mono/stereo (e.g. μ-law, or more than 2 channels); `prepare` converts it.",
  BIT_DEPTH: "Not 16-bit; `prepare` converts it.",
  TOO_LARGE: "Larger than 20 MB; `prepare` splits it.",
  CHANNEL_MISSING: "The channel named in the list does not exist in the file.",
  INVALID_SPEAKER_ID: "The CustomerSpeakerId has characters Voice ID does not allow.",
  OPTED_OUT: "The speaker has opted out of Voice ID; delete the speaker before enrolling again.",
  QUOTA: "A Voice ID quota was reached (speakers per domain).",
  TRANSIENT: "A transient Voice ID failure; re-running the migration retries it.",
};

/** A FAILED or EXCLUDED_IN_PLAN report row's reason, as a stable name. */
export function classifyReason(row: {
  status: string;
  error_code: string;
  reason: string;
}): Omit<CountByReason, "count"> {
  const stage = row.status === "EXCLUDED_IN_PLAN" ? "plan" : "job";
  let reason: string;
  if (stage === "plan") reason = row.error_code || "EXCLUDED";
  else if (/fraud/i.test(row.reason)) reason = "FRAUDSTER_MATCH";
  else if (/not enough speech/i.test(row.reason)) reason = "TOO_LITTLE_SPEECH";
  else if (row.error_code === "409") reason = "OPTED_OUT";
  else if (row.error_code === "402") reason = "QUOTA";
  else if (Number(row.error_code) >= 500 || row.error_code === "429") reason = "TRANSIENT";
  else reason = row.error_code ? `ERROR_${row.error_code}` : "FAILED";
  return {
    reason,
    stage,
    explanation: EXPLANATIONS[reason] ?? row.reason.split(/(?<=\.)\s/)[0] ?? row.reason,
  };
}

const SPEECH_IN_MESSAGE = /hold (\d+(?:\.\d+)?) s of net speech/;

/**
 * Net speech per caller, binned by 2 s: the planned callers from `speakers.jsonl` (their recordings'
 * measured speech added up) and the callers the plan excluded for too little speech (the figure in
 * the plan's message for them).
 */
export function speechHistogram(
  planDir: string,
  minSeconds: number,
): {
  minSeconds: number;
  bins: HistogramBin[];
  measured: number;
} {
  const totals: number[] = [];
  const speakers = join(planDir, "speakers.jsonl");
  if (existsSync(speakers)) {
    for (const line of readFileSync(speakers, "utf8").split("\n")) {
      if (line.trim() === "") continue;
      const speaker = JSON.parse(line) as { recordings: { speechSeconds?: number }[] };
      if (speaker.recordings.every((r) => r.speechSeconds !== undefined))
        totals.push(speaker.recordings.reduce((sum, r) => sum + (r.speechSeconds ?? 0), 0));
    }
  }
  const problems = join(planDir, "problems.jsonl");
  if (existsSync(problems)) {
    for (const line of readFileSync(problems, "utf8").split("\n")) {
      if (line.trim() === "") continue;
      const problem = JSON.parse(line) as { reason: string; message: string };
      const match = problem.reason === "TOO_LITTLE_SPEECH" ? SPEECH_IN_MESSAGE.exec(problem.message) : null;
      if (match?.[1]) totals.push(Number(match[1]));
    }
  }
  const width = 2;
  const top = Math.max(minSeconds + 5 * width, ...totals.map((t) => t + width));
  const binCount = Math.ceil(top / width);
  const bins: HistogramBin[] = Array.from({ length: binCount }, (_, i) => ({
    from: i * width,
    to: (i + 1) * width,
    count: 0,
  }));
  for (const total of totals) {
    const bin = bins[Math.min(binCount - 1, Math.floor(total / width))];
    if (bin) bin.count++;
  }
  return { minSeconds, bins, measured: totals.length };
}
