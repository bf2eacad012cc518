/**
 * Where an enrollment run stands, and its report, both derived from the run journal
 * (`runDir/journal.jsonl`) and the raw Voice ID output files kept in `runDir/outputs/`: the journal
 * is the one source of truth, so `renderReport` re-creates exactly what `runEnrollment` wrote.
 */
import { createReadStream, existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { CvkError, type JournalEntry, writeFileAtomic } from "@cvk/core";
import { stringify } from "csv-stringify/sync";
import type { EnrollmentPlan, PlannedSpeaker, PlanProblem } from "./plan-types.ts";

// --- Journal vocabulary ------------------------------------------------------------------------

/** Entry types `runEnrollment` appends to `journal.jsonl`, in the order a run reaches them. */
export const JOURNAL = {
  runStarted: "run-started",
  domain: "domain",
  watchlist: "watchlist",
  uploaded: "uploaded",
  uploadsDone: "uploads-done",
  jobStarting: "job-starting",
  jobStarted: "job-started",
  jobStatus: "job-status",
  jobEnded: "job-ended",
  outputSaved: "output-saved",
  reportWritten: "report-written",
  interrupted: "interrupted",
  runFinished: "run-finished",
} as const;

export interface RunStartedData {
  planId: string;
  planDir: string;
  shards: number;
  resumed: boolean;
}
export interface DomainData {
  domainId: string;
  arn: string;
  name: string;
  created: boolean;
}
export interface WatchlistData {
  watchlistId: string;
  name: string;
  created: boolean;
  /** The domain's default watchlist, used because no watchlist name was configured. */
  default?: boolean;
}
export interface UploadedData {
  /** S3 URIs now known to hold the local file (uploaded, or found with the same size and SHA-256). */
  uris: string[];
}
export interface UploadsDoneData {
  files: number;
  uploaded: number;
  skipped: number;
  bytes: number;
}
export interface JobStartingData {
  shard: number;
  attempt: number;
  /** The exact Start…Job input: replayed unchanged after a crash (same ClientToken). */
  request: Record<string, unknown>;
}
export interface JobStartedData {
  shard: number;
  attempt: number;
  jobId: string;
  clientToken: string;
}
export interface JobStatusData {
  shard: number;
  jobId: string;
  status: string;
  percent: number;
}
export interface JobFailure {
  StatusCode?: number;
  Message?: string;
}
export interface JobEndedData {
  shard: number;
  attempt: number;
  jobId: string;
  status: "COMPLETED" | "COMPLETED_WITH_ERRORS" | "FAILED";
  failure?: JobFailure;
  /** Where the output file is (for COMPLETED / COMPLETED_WITH_ERRORS). */
  outputS3Uri?: string;
}
export interface OutputSavedData {
  shard: number;
  jobId: string;
  /** Relative to the run directory. */
  file: string;
  errors: number;
  successes: number;
}

/** Reads a journal without locking it (a run may be writing it); a torn last line is ignored. */
export function readJournalEntries(path: string): JournalEntry[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, "utf8").split("\n");
  const entries: JournalEntry[] = [];
  lines.forEach((line, index) => {
    if (line === "") return;
    try {
      entries.push(JSON.parse(line) as JournalEntry);
    } catch (error) {
      if (index < lines.length - 1) {
        throw new CvkError("JOURNAL_CORRUPT", `${path}:${index + 1}: unreadable journal entry`, {
          hint: "The run journal was edited or damaged; restore it or start a new run directory.",
          cause: error,
        });
      }
    }
  });
  return entries;
}

// --- Run state -----------------------------------------------------------------------------------

export interface ShardState {
  shard: number;
  attempt: number;
  /** The latest attempt's request, journaled before it was sent. */
  starting?: JobStartingData;
  jobId?: string;
  status?: string;
  percent?: number;
  ended?: JobEndedData;
  /** Journal seq of the job-ended entry (to tell jobs that ended in an earlier invocation). */
  endedSeq?: number;
  output?: OutputSavedData;
}

export interface RunState {
  started?: RunStartedData;
  /** Seq of the latest run-started entry. */
  invocationSeq: number;
  invocations: number;
  domain?: DomainData;
  watchlist?: WatchlistData;
  uploaded: Set<string>;
  uploadsDone?: UploadsDoneData;
  shards: Map<number, ShardState>;
  reportWritten: boolean;
  finished: boolean;
  interrupted?: { step: string; at: string };
  lastEntryAt?: string;
}

export function deriveRunState(entries: readonly JournalEntry[]): RunState {
  const state: RunState = {
    invocationSeq: 0,
    invocations: 0,
    uploaded: new Set(),
    shards: new Map(),
    reportWritten: false,
    finished: false,
  };
  const shard = (index: number): ShardState => {
    let found = state.shards.get(index);
    if (!found) {
      found = { shard: index, attempt: 0 };
      state.shards.set(index, found);
    }
    return found;
  };
  for (const entry of entries) {
    state.lastEntryAt = entry.at;
    const data = entry.data as never;
    switch (entry.type) {
      case JOURNAL.runStarted:
        state.started = data as RunStartedData;
        state.invocationSeq = entry.seq;
        state.invocations++;
        state.finished = false;
        state.interrupted = undefined;
        break;
      case JOURNAL.domain:
        state.domain = data as DomainData;
        break;
      case JOURNAL.watchlist:
        state.watchlist = data as WatchlistData;
        break;
      case JOURNAL.uploaded:
        for (const uri of (data as UploadedData).uris) state.uploaded.add(uri);
        break;
      case JOURNAL.uploadsDone:
        state.uploadsDone = data as UploadsDoneData;
        break;
      case JOURNAL.jobStarting: {
        const d = data as JobStartingData;
        const s = shard(d.shard);
        if (d.attempt > s.attempt) {
          // A new attempt replaces everything known about the previous one.
          state.shards.set(d.shard, { shard: d.shard, attempt: d.attempt, starting: d });
        } else s.starting = d;
        break;
      }
      case JOURNAL.jobStarted: {
        const d = data as JobStartedData;
        const s = shard(d.shard);
        if (d.attempt === s.attempt) {
          s.jobId = d.jobId;
          s.status ??= "SUBMITTED";
        }
        break;
      }
      case JOURNAL.jobStatus: {
        const d = data as JobStatusData;
        const s = shard(d.shard);
        if (d.jobId === s.jobId) {
          s.status = d.status;
          s.percent = d.percent;
        }
        break;
      }
      case JOURNAL.jobEnded: {
        const d = data as JobEndedData;
        const s = shard(d.shard);
        if (d.jobId === s.jobId) {
          s.ended = d;
          s.endedSeq = entry.seq;
          s.status = d.status;
          if (d.status !== "FAILED") s.percent = 100;
        }
        break;
      }
      case JOURNAL.outputSaved: {
        const d = data as OutputSavedData;
        const s = shard(d.shard);
        if (d.jobId === s.jobId) s.output = d;
        break;
      }
      case JOURNAL.reportWritten:
        state.reportWritten = true;
        break;
      case JOURNAL.interrupted:
        state.interrupted = { step: (data as { step: string }).step, at: entry.at };
        break;
      case JOURNAL.runFinished:
        state.finished = true;
        break;
    }
  }
  return state;
}

// --- Plain-words explanations ----------------------------------------------------------------------

/** HTTP status codes worth retrying as they are (Voice ID's "500: internal failure", throttling). */
export function isTransientCode(code: number | undefined): boolean {
  return code !== undefined && (code >= 500 || code === 429);
}

/** A whole job's FailureDetails, in plain words. */
export function explainJobFailure(failure: JobFailure | undefined): string {
  const code = failure?.StatusCode;
  const message = failure?.Message ?? "no details given";
  if (isTransientCode(code)) {
    return `Voice ID ended the whole job with an internal error (${code}: ${message}). This is transient: re-run \`cvk enroll run\` to retry the shard.`;
  }
  if (code === 400) {
    return `Voice ID could not use the job's input or output (${message}). Check that the manifest was uploaded, that the data-access role can read the input prefix and write the output prefix (\`cvk iam policy\`), and that the KMS keys allow it.`;
  }
  if (code === 403) {
    return `Voice ID was denied access with the data-access role (${message}). Check the role's policy and trust policy (\`cvk iam policy\`) and the KMS key policies.`;
  }
  if (code === 402) return `A Voice ID quota was exceeded (${message}).`;
  return `The job failed${code === undefined ? "" : ` with status ${code}`}: ${message}`;
}

/** A per-request ErrorCode from the output file, with the documented meaning added. */
export function explainRequestError(code: number | undefined, message: string | undefined): string {
  const text = message ?? "no message";
  switch (code) {
    case 400:
      return text;
    case 402:
      return `Quota reached (speakers per domain): ${text}`;
    case 409:
      return `The speaker has opted out; delete the speaker before enrolling again: ${text}`;
    default:
      return isTransientCode(code) ? `Transient Voice ID failure, worth retrying: ${text}` : text;
  }
}

// --- Report ---------------------------------------------------------------------------------------

export const REPORT_STATUSES = [
  "NEW_ENROLLMENT",
  "ENROLLMENT_OVERWRITE",
  "DUPLICATE_SKIPPED",
  "FAILED",
  "EXCLUDED_IN_PLAN",
  /** Only in a report rendered while the run is unfinished: the caller's shard has no result yet. */
  "PENDING",
] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

export interface ReportRow {
  customer_speaker_id: string;
  request_id: string;
  status: ReportStatus;
  generated_speaker_id: string;
  error_code: string;
  reason: string;
}

export interface ReportShard {
  shard: number;
  attempt: number;
  jobId?: string;
  status: string;
  failure?: JobFailure;
  outputFile?: string;
}

export interface EnrollmentReport {
  planId: string;
  planDir: string;
  domainId?: string;
  callers: number;
  counts: Record<ReportStatus, number>;
  /** Callers written to retry.csv (transient failures). */
  retryCallers: number;
  shards: ReportShard[];
  rows: ReportRow[];
}

export const REPORT_COLUMNS = [
  "customer_speaker_id",
  "request_id",
  "status",
  "generated_speaker_id",
  "error_code",
  "reason",
] as const;

/** retry.csv uses the caller-list CSV input format: one row per recording. */
export const RETRY_COLUMNS = ["customer_speaker_id", "audio", "channel"] as const;

async function* jsonLines<T>(path: string): AsyncGenerator<T> {
  if (!existsSync(path)) return;
  const lines = createInterface({
    input: createReadStream(path, "utf8"),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  for await (const line of lines) if (line.trim() !== "") yield JSON.parse(line) as T;
}

/** The planned speakers, streamed from `speakers.jsonl`. */
export function plannedSpeakers(planDir: string): AsyncGenerator<PlannedSpeaker> {
  return jsonLines<PlannedSpeaker>(join(planDir, "speakers.jsonl"));
}

export function planProblems(planDir: string): AsyncGenerator<PlanProblem> {
  return jsonLines<PlanProblem>(join(planDir, "problems.jsonl"));
}

export function readPlan(planDir: string): EnrollmentPlan {
  const path = join(planDir, "plan.json");
  if (!existsSync(path)) {
    throw new CvkError("INPUT_NOT_FOUND", `${path} does not exist`, {
      hint: "Pass a plan directory written by `cvk enroll plan <caller-list>`.",
    });
  }
  let plan: EnrollmentPlan;
  try {
    plan = JSON.parse(readFileSync(path, "utf8")) as EnrollmentPlan;
  } catch (error) {
    throw new CvkError("INPUT_INVALID", `${path} is not valid JSON`, {
      hint: "Re-create the plan with `cvk enroll plan`.",
      cause: error,
    });
  }
  if (plan.version !== 1 || !Array.isArray(plan.shards)) {
    throw new CvkError("INPUT_INVALID", `${path} is not a version 1 enrollment plan`, {
      hint: "Re-create the plan with this version of `cvk enroll plan`.",
    });
  }
  return plan;
}

/** A successful request in a job's output file (SuccessfulEnrollments or SuccessfulRegistrations). */
export type OutputSuccess = { RequestId?: string } & Record<string, unknown>;

interface OutputFile {
  Errors?: { RequestId?: string; ErrorCode?: number; ErrorMessage?: string }[];
  [section: string]: unknown;
}

/** The fields every report row has, whatever the job kind. */
export interface CommonRow {
  /** The caller's CustomerSpeakerId, or the fraudster row's label from the list. */
  id: string;
  request_id: string;
  status: string;
  error_code: string;
  reason: string;
}

/** What a report is made of, before a job kind shapes it into its report.json document. */
export interface ReportParts<Row> {
  planId: string;
  planDir: string;
  domainId?: string;
  rows: Row[];
  counts: Record<string, number>;
  /** Rows written to retry.csv (transient failures). */
  retryRows: number;
  shards: ReportShard[];
}

/** What differs between the reports of the two job kinds (speaker enrollment, fraudster registration). */
export interface ReportKind<Row, Report> {
  /** Every status a row can have; "FAILED", "EXCLUDED_IN_PLAN" and "PENDING" among them. */
  statuses: readonly string[];
  columns: readonly (keyof Row & string)[];
  /** The output file's list of successful requests. */
  successSection: "SuccessfulEnrollments" | "SuccessfulRegistrations";
  /** The status of a successful request, from its output entry. */
  successStatus(success: OutputSuccess): string;
  /** A per-request ErrorCode from the output file, in plain words. */
  explainError(code: number | undefined, message: string | undefined): string;
  /** The report row: the common fields plus, for a success, what its output entry says. */
  row(common: CommonRow, success?: OutputSuccess): Row;
  /** report.json. */
  document(parts: ReportParts<Row>): Report;
}

/** The speaker enrollment report (the columns of REPORT_COLUMNS). */
export const ENROLLMENT_REPORT: ReportKind<ReportRow, EnrollmentReport> = {
  statuses: REPORT_STATUSES,
  columns: REPORT_COLUMNS,
  successSection: "SuccessfulEnrollments",
  successStatus: (success) => {
    const status = success.EnrollmentStatus as ReportStatus;
    return REPORT_STATUSES.includes(status) ? status : "NEW_ENROLLMENT";
  },
  explainError: explainRequestError,
  row: (common, success) => ({
    customer_speaker_id: common.id,
    request_id: common.request_id,
    status: common.status as ReportStatus,
    generated_speaker_id: (success?.GeneratedSpeakerId as string | undefined) ?? "",
    error_code: common.error_code,
    reason: common.reason,
  }),
  document: (parts) => reportDocument(parts, "callers", "retryCallers") as unknown as EnrollmentReport,
};

/** report.json: the parts, with the row count and retry count under the kind's names. */
export function reportDocument<Row>(
  parts: ReportParts<Row>,
  rowsName: string,
  retryName: string,
): Record<string, unknown> {
  return {
    planId: parts.planId,
    planDir: parts.planDir,
    ...(parts.domainId ? { domainId: parts.domainId } : {}),
    [rowsName]: parts.rows.length,
    counts: parts.counts,
    [retryName]: parts.retryRows,
    shards: parts.shards,
    rows: parts.rows,
  };
}

/**
 * Builds the report: every caller in the plan exactly once — the planned speakers from their
 * shard's result, and the speakers the plan excluded (problems.jsonl) as EXCLUDED_IN_PLAN.
 */
export async function buildReport<Row = ReportRow, Report = EnrollmentReport>(
  runDir: string,
  planDir: string,
  state: RunState,
  kind: ReportKind<Row, Report> = ENROLLMENT_REPORT as unknown as ReportKind<Row, Report>,
): Promise<{ report: Report; parts: ReportParts<Row>; retryCsv: string }> {
  const plan = readPlan(planDir);
  interface Result {
    common: CommonRow;
    success?: OutputSuccess;
  }
  const results = new Map<number, { byRequest: Map<string, Result>; shard: ShardState | undefined }>();
  for (const planned of plan.shards) {
    const s = state.shards.get(planned.index);
    const byRequest = new Map<string, Result>();
    if (s?.output) {
      const output = JSON.parse(readFileSync(join(runDir, s.output.file), "utf8")) as OutputFile;
      for (const success of (output[kind.successSection] as OutputSuccess[] | undefined) ?? []) {
        if (!success.RequestId) continue;
        byRequest.set(success.RequestId, {
          common: {
            id: (success.CustomerSpeakerId as string | undefined) ?? "",
            request_id: success.RequestId,
            status: kind.successStatus(success),
            error_code: "",
            reason: "",
          },
          success,
        });
      }
      for (const error of output.Errors ?? []) {
        if (!error.RequestId) continue;
        byRequest.set(error.RequestId, {
          common: {
            id: "",
            request_id: error.RequestId,
            status: "FAILED",
            error_code: error.ErrorCode === undefined ? "" : String(error.ErrorCode),
            reason: kind.explainError(error.ErrorCode, error.ErrorMessage),
          },
        });
      }
    }
    results.set(planned.index, { byRequest, shard: s });
  }

  const rows: Row[] = [];
  const counts: Record<string, number> = Object.fromEntries(kind.statuses.map((status) => [status, 0]));
  const count = (common: CommonRow, success?: OutputSuccess) => {
    rows.push(kind.row(common, success));
    counts[common.status] = (counts[common.status] ?? 0) + 1;
  };
  const retryRecords: string[][] = [];
  const retryCallers = new Set<string>();
  const seen = new Set<string>();
  for await (const speaker of plannedSpeakers(planDir)) {
    seen.add(speaker.customerSpeakerId);
    const result = results.get(speaker.shard);
    const s = result?.shard;
    let row: CommonRow;
    const base = { id: speaker.customerSpeakerId, request_id: speaker.requestId };
    const fromOutput = result?.byRequest.get(speaker.requestId);
    if (fromOutput) {
      row = { ...fromOutput.common, id: speaker.customerSpeakerId };
    } else if (s?.ended?.status === "FAILED") {
      row = {
        ...base,
        status: "FAILED",
        error_code: s.ended.failure?.StatusCode === undefined ? "" : String(s.ended.failure.StatusCode),
        reason: explainJobFailure(s.ended.failure),
      };
    } else if (s?.output) {
      row = {
        ...base,
        status: "FAILED",
        error_code: "",
        reason: `Voice ID's output file for job ${s.jobId} has no result for RequestId ${speaker.requestId}.`,
      };
    } else {
      row = {
        ...base,
        status: "PENDING",
        error_code: "",
        reason: s?.jobId ? `job ${s.jobId} is ${s.status ?? "running"}` : "shard not started yet",
      };
    }
    count(row, fromOutput?.success);
    if (row.status === "FAILED" && isTransientCode(Number(row.error_code) || undefined)) {
      retryCallers.add(speaker.customerSpeakerId);
      for (const recording of speaker.recordings) {
        retryRecords.push([speaker.customerSpeakerId, recording.audio, String(recording.channel)]);
      }
    }
  }

  const excluded = new Map<string, CommonRow>();
  for await (const problem of planProblems(planDir)) {
    if (!problem.excluded) continue;
    const id = problem.customerSpeakerId ?? "";
    if (id !== "" && seen.has(id)) continue;
    const key = id === "" ? `line:${problem.line}` : id;
    const existing = excluded.get(key);
    if (existing) {
      if (!existing.reason.includes(problem.reason))
        existing.reason += `; ${problem.reason}: ${problem.message}`;
      continue;
    }
    excluded.set(key, {
      id,
      request_id: "",
      status: "EXCLUDED_IN_PLAN",
      error_code: problem.reason,
      reason:
        id === "" ? `line ${problem.line}: ${problem.message}` : `${problem.reason}: ${problem.message}`,
    });
  }
  for (const row of excluded.values()) count(row);

  const shards: ReportShard[] = plan.shards.map((planned) => {
    const s = state.shards.get(planned.index);
    return {
      shard: planned.index,
      attempt: s?.attempt ?? 0,
      ...(s?.jobId ? { jobId: s.jobId } : {}),
      status: s?.status ?? "NOT_STARTED",
      ...(s?.ended?.failure ? { failure: s.ended.failure } : {}),
      ...(s?.output ? { outputFile: s.output.file } : {}),
    };
  });
  const parts: ReportParts<Row> = {
    planId: state.started?.planId ?? "",
    planDir,
    ...(state.domain ? { domainId: state.domain.domainId } : {}),
    rows,
    counts,
    retryRows: retryCallers.size,
    shards,
  };
  const retryCsv = stringify(retryRecords, { header: true, columns: [...RETRY_COLUMNS] });
  return { report: kind.document(parts), parts, retryCsv };
}

export interface ReportPaths {
  json: string;
  csv: string;
  retry: string;
}

/** Writes report.json, report.csv and retry.csv, each whole or not at all. */
export async function writeReport<Row = ReportRow, Report = EnrollmentReport>(
  runDir: string,
  planDir: string,
  state: RunState,
  kind: ReportKind<Row, Report> = ENROLLMENT_REPORT as unknown as ReportKind<Row, Report>,
): Promise<{ report: Report; parts: ReportParts<Row>; paths: ReportPaths }> {
  const { report, parts, retryCsv } = await buildReport(runDir, planDir, state, kind);
  const paths: ReportPaths = {
    json: join(runDir, "report.json"),
    csv: join(runDir, "report.csv"),
    retry: join(runDir, "retry.csv"),
  };
  const csv = stringify(
    parts.rows.map((row) => kind.columns.map((column) => row[column])),
    { header: true, columns: [...kind.columns] },
  );
  await writeFileAtomic(paths.json, `${JSON.stringify(report, null, 2)}\n`);
  await writeFileAtomic(paths.csv, csv);
  await writeFileAtomic(paths.retry, retryCsv);
  return { report, parts, paths };
}

// --- Public: status and re-render -----------------------------------------------------------------

export interface EnrollmentStatus {
  runDir: string;
  planId?: string;
  planDir?: string;
  invocations: number;
  finished: boolean;
  interrupted?: { step: string; at: string };
  lastActivityAt?: string;
  steps: {
    domain: boolean;
    watchlist: boolean;
    uploads: boolean;
    uploadedFiles: number;
    jobs: { total: number; ended: number; outputsSaved: number };
    report: boolean;
  };
  domain?: DomainData;
  watchlist?: WatchlistData;
  shards: ReportShard[];
  /** The shard being worked on: the first one without a saved output. */
  current?: { shard: number; of: number; jobId?: string; status?: string; percent?: number };
}

/** Where a run stands, from its journal alone (no AWS calls, no lock: safe while a run is going). */
export function enrollmentStatus(runDir: string): EnrollmentStatus {
  const journalPath = join(runDir, "journal.jsonl");
  if (!existsSync(journalPath)) {
    throw new CvkError("INPUT_NOT_FOUND", `${resolve(runDir)} has no run journal (journal.jsonl)`, {
      hint: "Pass the run directory `cvk enroll run` printed (by default .cvk/runs/<plan id>).",
    });
  }
  const state = deriveRunState(readJournalEntries(journalPath));
  const total = state.started?.shards ?? state.shards.size;
  const shards: ReportShard[] = [];
  for (let index = 1; index <= total; index++) {
    const s = state.shards.get(index);
    shards.push({
      shard: index,
      attempt: s?.attempt ?? 0,
      ...(s?.jobId ? { jobId: s.jobId } : {}),
      status: s?.status ?? "NOT_STARTED",
      ...(s?.ended?.failure ? { failure: s.ended.failure } : {}),
      ...(s?.output ? { outputFile: s.output.file } : {}),
    });
  }
  const pending = shards.find((s) => {
    const full = state.shards.get(s.shard);
    return !full?.output && full?.ended?.status !== "FAILED";
  });
  const currentState = pending ? state.shards.get(pending.shard) : undefined;
  return {
    runDir: resolve(runDir),
    ...(state.started ? { planId: state.started.planId, planDir: state.started.planDir } : {}),
    invocations: state.invocations,
    finished: state.finished,
    ...(state.interrupted ? { interrupted: state.interrupted } : {}),
    ...(state.lastEntryAt ? { lastActivityAt: state.lastEntryAt } : {}),
    steps: {
      domain: state.domain !== undefined,
      watchlist: state.watchlist !== undefined,
      uploads: state.uploadsDone !== undefined,
      uploadedFiles: state.uploaded.size,
      jobs: {
        total,
        ended: [...state.shards.values()].filter((s) => s.ended).length,
        outputsSaved: [...state.shards.values()].filter((s) => s.output).length,
      },
      report: state.reportWritten,
    },
    ...(state.domain ? { domain: state.domain } : {}),
    ...(state.watchlist ? { watchlist: state.watchlist } : {}),
    shards,
    ...(pending
      ? {
          current: {
            shard: pending.shard,
            of: total,
            ...(currentState?.jobId ? { jobId: currentState.jobId } : {}),
            ...(currentState?.status ? { status: currentState.status } : {}),
            ...(currentState?.percent === undefined ? {} : { percent: currentState.percent }),
          },
        }
      : {}),
  };
}

/**
 * Re-renders report.json, report.csv and retry.csv from the journal and the saved output files.
 * `kind` is the report's shape: speaker enrollment by default, FRAUDSTER_REPORT for a run of
 * `registerFraudsters`.
 */
export async function renderReport<Row = ReportRow, Report = EnrollmentReport>(
  runDir: string,
  options: { planDir?: string; kind?: ReportKind<Row, Report> } = {},
): Promise<{ report: Report; paths: ReportPaths }> {
  const status = enrollmentStatus(runDir);
  const planDir = options.planDir ?? status.planDir;
  if (!planDir) {
    throw new CvkError("INPUT_INVALID", `${runDir}: the journal does not name its plan directory`, {
      hint: "Pass the plan directory explicitly.",
    });
  }
  const kind = options.kind ?? (ENROLLMENT_REPORT as unknown as ReportKind<Row, Report>);
  const planKind = readPlan(planDir).kind;
  if ((planKind === "speaker-enrollment") !== (kind.successSection === "SuccessfulEnrollments")) {
    throw new CvkError("INPUT_INVALID", `${runDir} is a ${planKind} run; its report has another shape`, {
      hint: "Render a fraudster registration run's report with its own kind (FRAUDSTER_REPORT).",
    });
  }
  const state = deriveRunState(readJournalEntries(join(runDir, "journal.jsonl")));
  const { report, paths } = await writeReport(runDir, planDir, state, kind);
  return { report, paths };
}
