/**
 * Who should be enrolled: the expected speakers, read from whatever the user has at hand after a
 * migration —
 *
 * - an enrollment **run directory** (`cvk enroll run`): its `report.json` rows, or, before a report
 *   was written, the raw Voice ID output files it saved in `outputs/*.out`. Only callers the run
 *   enrolled (NEW_ENROLLMENT, ENROLLMENT_OVERWRITE, DUPLICATE_SKIPPED) are expected, each with the
 *   GeneratedSpeakerId Voice ID gave it; FAILED, EXCLUDED_IN_PLAN and PENDING callers are counted,
 *   not expected.
 * - a **plan directory** (`cvk enroll plan`): every planned speaker in `speakers.jsonl`.
 * - a Voice ID **output file** (`….out`, schema at
 *   https://docs.aws.amazon.com/connect/latest/adminguide/speaker-enrollment-job-schema.html):
 *   its SuccessfulEnrollments, with their GeneratedSpeakerIds.
 * - a **caller list** (CSV or JSONL, as `cvk enroll plan` reads it) or a speaker-enrollment
 *   **manifest**: every distinct CustomerSpeakerId.
 */
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { createInterface } from "node:readline";
import { CvkError } from "@cvk/core";
import { detectCallerListFormat, isValidCustomerSpeakerId, readCallerList } from "@cvk/enrollment";

export type ExpectedSourceKind =
  | "run-directory"
  | "plan-directory"
  | "output-file"
  | "caller-list"
  | "manifest";

export interface ExpectedSpeaker {
  customerSpeakerId: string;
  /** What the enrollment output recorded; absent for lists, manifests and plans. */
  generatedSpeakerId?: string;
}

export interface ExpectedSpeakers {
  source: { kind: ExpectedSourceKind; path: string };
  speakers: ExpectedSpeaker[];
  /** The domain an enrollment run used (run directories whose journal or report names it). */
  domainId?: string;
  /** Callers the source names but did not enroll, by reason (FAILED, EXCLUDED_IN_PLAN, …): not expected. */
  notExpected: Record<string, number>;
}

const SOURCE_HINT =
  "Pass an enrollment run directory (.cvk/runs/<plan id>), a plan directory, a Voice ID output file (.out), a caller list (CSV/JSONL) or a speaker-enrollment manifest (.json).";

const ENROLLED_STATUSES = new Set(["NEW_ENROLLMENT", "ENROLLMENT_OVERWRITE", "DUPLICATE_SKIPPED"]);

function invalid(path: string, message: string, cause?: unknown): CvkError {
  return new CvkError("INPUT_INVALID", `${path}: ${message}`, {
    hint: SOURCE_HINT,
    ...(cause === undefined ? {} : { cause }),
  });
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8").replace(/^\uFEFF/, "");
  } catch (error) {
    throw new CvkError("INPUT_NOT_FOUND", `Cannot read ${path}: ${(error as Error).message}`, {
      hint: SOURCE_HINT,
      cause: error,
    });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalid(path, `not valid JSON: ${(error as Error).message}`, error);
  }
}

/** Keeps the first entry per CustomerSpeakerId (a caller list has one row per recording). */
class SpeakerSet {
  readonly #byId = new Map<string, ExpectedSpeaker>();
  readonly notExpected: Record<string, number> = {};

  add(speaker: ExpectedSpeaker): void {
    const existing = this.#byId.get(speaker.customerSpeakerId);
    if (!existing) this.#byId.set(speaker.customerSpeakerId, speaker);
    else if (!existing.generatedSpeakerId && speaker.generatedSpeakerId)
      existing.generatedSpeakerId = speaker.generatedSpeakerId;
  }

  skip(reason: string): void {
    this.notExpected[reason] = (this.notExpected[reason] ?? 0) + 1;
  }

  get speakers(): ExpectedSpeaker[] {
    return [...this.#byId.values()];
  }
}

interface OutputFile {
  Version?: unknown;
  SuccessfulEnrollments?: { CustomerSpeakerId?: unknown; GeneratedSpeakerId?: unknown }[];
  SuccessfulRegistrations?: unknown;
  Errors?: unknown[];
}

function addOutputFile(path: string, set: SpeakerSet): void {
  const document = readJson(path) as OutputFile;
  if (typeof document !== "object" || document === null || Array.isArray(document)) {
    throw invalid(path, "not a Voice ID output file (a JSON object with SuccessfulEnrollments and Errors)");
  }
  if (document.SuccessfulRegistrations !== undefined) {
    throw invalid(path, "is a fraudster registration output, not a speaker enrollment output");
  }
  if (!Array.isArray(document.SuccessfulEnrollments) && !Array.isArray(document.Errors)) {
    throw invalid(path, "not a Voice ID output file (no SuccessfulEnrollments or Errors)");
  }
  for (const success of document.SuccessfulEnrollments ?? []) {
    const id = typeof success?.CustomerSpeakerId === "string" ? success.CustomerSpeakerId : "";
    if (id === "") {
      set.skip("NO_CUSTOMER_SPEAKER_ID");
      continue;
    }
    set.add({
      customerSpeakerId: id,
      ...(typeof success.GeneratedSpeakerId === "string"
        ? { generatedSpeakerId: success.GeneratedSpeakerId }
        : {}),
    });
  }
  for (const _error of document.Errors ?? []) set.skip("FAILED");
}

interface RunReport {
  domainId?: unknown;
  rows?: { customer_speaker_id?: unknown; status?: unknown; generated_speaker_id?: unknown }[];
}

/** The domain the run's journal recorded (`domain` entries; the last one wins). */
function journalDomainId(runDir: string): string | undefined {
  const path = join(runDir, "journal.jsonl");
  if (!existsSync(path)) return undefined;
  let domainId: string | undefined;
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (!line.includes('"domain"')) continue;
    try {
      const entry = JSON.parse(line) as { type?: string; data?: { domainId?: unknown } };
      if (entry.type === "domain" && typeof entry.data?.domainId === "string") domainId = entry.data.domainId;
    } catch {
      // A torn last line of a journal being written: ignore it, as `cvk enroll status` does.
    }
  }
  return domainId;
}

function readRunDirectory(dir: string): ExpectedSpeakers {
  const set = new SpeakerSet();
  const reportPath = join(dir, "report.json");
  let domainId = journalDomainId(dir);
  if (existsSync(reportPath)) {
    const report = readJson(reportPath) as RunReport;
    if (!Array.isArray(report?.rows)) throw invalid(reportPath, "has no rows: not an enrollment report");
    if (typeof report.domainId === "string") domainId = report.domainId;
    for (const row of report.rows) {
      const id = typeof row?.customer_speaker_id === "string" ? row.customer_speaker_id : "";
      const status = typeof row?.status === "string" ? row.status : "UNKNOWN";
      if (id === "" || !ENROLLED_STATUSES.has(status)) {
        set.skip(id === "" ? "NO_CUSTOMER_SPEAKER_ID" : status);
        continue;
      }
      const generated = typeof row.generated_speaker_id === "string" ? row.generated_speaker_id : "";
      set.add({ customerSpeakerId: id, ...(generated ? { generatedSpeakerId: generated } : {}) });
    }
  } else {
    const outputs = join(dir, "outputs");
    const files = existsSync(outputs)
      ? readdirSync(outputs)
          .filter((name) => name.endsWith(".out"))
          .sort()
      : [];
    if (files.length === 0) {
      throw new CvkError("INPUT_INVALID", `${dir} has neither report.json nor outputs/*.out`, {
        hint: "The run has not finished a job yet: wait for `cvk enroll run` (see `cvk enroll status`), or pass another source.",
      });
    }
    for (const file of files) addOutputFile(join(outputs, file), set);
  }
  return {
    source: { kind: "run-directory", path: dir },
    speakers: set.speakers,
    ...(domainId ? { domainId } : {}),
    notExpected: set.notExpected,
  };
}

async function readPlanDirectory(dir: string): Promise<ExpectedSpeakers> {
  const set = new SpeakerSet();
  const lines = createInterface({
    input: createReadStream(join(dir, "speakers.jsonl"), "utf8"),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === "") continue;
    let planned: { customerSpeakerId?: unknown };
    try {
      planned = JSON.parse(text) as { customerSpeakerId?: unknown };
    } catch (error) {
      throw invalid(`${join(dir, "speakers.jsonl")}:${line}`, "not valid JSON", error);
    }
    if (typeof planned.customerSpeakerId === "string")
      set.add({ customerSpeakerId: planned.customerSpeakerId });
    else set.skip("NO_CUSTOMER_SPEAKER_ID");
  }
  return {
    source: { kind: "plan-directory", path: dir },
    speakers: set.speakers,
    notExpected: set.notExpected,
  };
}

async function readList(path: string): Promise<ExpectedSpeakers> {
  const format = await detectCallerListFormat(path);
  if (format === "manifest") {
    const head = (await readFile(path, "utf8")).slice(0, 4096);
    if (!head.includes("SpeakerEnrollmentRequests")) {
      throw invalid(path, "is not a speaker-enrollment manifest (fraudster manifests name no speakers)");
    }
  }
  const set = new SpeakerSet();
  // Only the ids matter here: recordings are neither opened nor confined to the list's folder.
  for await (const recording of readCallerList(path, {
    allowOutside: true,
    onInvalidRow: (problem) => set.skip(problem.reason),
  })) {
    if (!isValidCustomerSpeakerId(recording.customerSpeakerId)) {
      set.skip("SPEAKER_ID_INVALID");
      continue;
    }
    set.add({ customerSpeakerId: recording.customerSpeakerId });
  }
  return {
    source: { kind: format === "manifest" ? "manifest" : "caller-list", path },
    speakers: set.speakers,
    notExpected: set.notExpected,
  };
}

/** Reads the expected speakers from a run or plan directory, an output file, a caller list or a manifest. */
export async function readExpectedSpeakers(path: string): Promise<ExpectedSpeakers> {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch (error) {
    throw new CvkError("INPUT_NOT_FOUND", `${path} does not exist`, { hint: SOURCE_HINT, cause: error });
  }
  if (isDirectory) {
    if (
      existsSync(join(path, "report.json")) ||
      existsSync(join(path, "journal.jsonl")) ||
      existsSync(join(path, "outputs"))
    ) {
      return readRunDirectory(path);
    }
    if (existsSync(join(path, "speakers.jsonl"))) return await readPlanDirectory(path);
    throw new CvkError(
      "INPUT_INVALID",
      `${path} is neither an enrollment run directory nor a plan directory`,
      {
        hint: SOURCE_HINT,
      },
    );
  }
  if (basename(path).endsWith(".out")) {
    const set = new SpeakerSet();
    addOutputFile(path, set);
    return { source: { kind: "output-file", path }, speakers: set.speakers, notExpected: set.notExpected };
  }
  return await readList(path);
}
