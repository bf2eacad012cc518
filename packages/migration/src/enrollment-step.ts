import { existsSync, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { CvkError, writeFileAtomic } from "@cvk/core";
import { parse as parseCsvText } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import { requireKey, type StepContext } from "./context.ts";
import { classifyReason, speechHistogram } from "./reasons.ts";
import { ensureBuckets, jobTimings, readJournalFile, requestsByShard } from "./runs.ts";
import type { CountByReason, DomainOutcome, EnrollmentOutcome, PrepareOutcome } from "./types.ts";

/** Plan problems `cvk enroll prepare` fixes: it converts the file (the plan's hint names prepare). */
const FIXABLE_REASONS = new Set(["SAMPLE_RATE", "BIT_DEPTH", "UNSUPPORTED_ENCODING", "TOO_LARGE"]);

interface Problem {
  line: number;
  customerSpeakerId?: string;
  audio?: string;
  reason: string;
  message: string;
  hint?: string;
  excluded: boolean;
}

function readJsonl<T>(path: string): T[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as T);
}

/** The CSVs prepare writes, as records by header (csv-parse, as the caller-list reader uses). */
export function parseCsv(text: string): Record<string, string>[] {
  return parseCsvText(text, { columns: true, skip_empty_lines: true, bom: true, relax_column_count: true });
}

export interface CheckResult {
  rows: number;
  /** Caller-list lines whose recording prepare can convert. */
  fixableLines: number[];
  fixableByReason: Record<string, number>;
}

function callersList(context: StepContext): string {
  return resolve(context.baseDir, requireKey<string>(context, "enrollment.callers", "enrollment"));
}

function enrollmentDir(context: StepContext): string {
  return context.plan ? join(context.dir, "dry-run", "enrollment") : join(context.dir, "enrollment");
}

/** Header checks only (no speech measured): which recordings `prepare` has to convert first. */
export async function checkStep(context: StepContext): Promise<{ outcome: CheckResult; summary: string }> {
  const inputS3Uri = requireKey<string>(context, "enrollment.inputS3Uri", "enrollment");
  const { planEnrollment } = await import("@cvk/enrollment");
  const outDir = join(enrollmentDir(context), "check");
  const plan = await planEnrollment({
    list: callersList(context),
    outDir,
    inputS3Uri,
    measureSpeech: false,
    pool: await context.pool(),
    s3: context.clients.s3,
    onEvent: context.events("enrollment"),
  });
  const fixable = readJsonl<Problem>(join(outDir, "problems.jsonl")).filter(
    (p) =>
      p.excluded &&
      FIXABLE_REASONS.has(p.reason) &&
      p.audio !== undefined &&
      !p.audio.startsWith("s3://") &&
      (p.hint ?? "").includes("enroll prepare"),
  );
  const fixableByReason: Record<string, number> = {};
  for (const p of fixable) fixableByReason[p.reason] = (fixableByReason[p.reason] ?? 0) + 1;
  const lines = [...new Set(fixable.map((p) => p.line))].sort((a, b) => a - b);
  return {
    outcome: { rows: plan.counts.rows, fixableLines: lines, fixableByReason },
    summary: `${plan.counts.rows} recording(s) checked; ${lines.length} need converting${
      lines.length > 0
        ? ` (${Object.entries(fixableByReason)
            .map(([reason, n]) => `${reason} ${n}`)
            .join(", ")})`
        : ""
    }`,
  };
}

export interface PrepareResult extends PrepareOutcome {
  /** The caller list to plan: the original, or one with the converted recordings in place of the originals. */
  list: string;
  merged: boolean;
}

/**
 * Converts the recordings the check found (and only those) with @cvk/enrollment's prepare — outputs
 * newer than their sources are reused, so a resumed prepare does not convert again — then writes the
 * caller list to plan: every original row, with each converted recording replaced by its output(s).
 * A recording prepare cannot fix keeps its original row, so the plan reports it with its reason.
 */
export async function prepareStep(
  context: StepContext,
  check: CheckResult,
): Promise<{ outcome: PrepareResult; summary: string }> {
  const original = callersList(context);
  if (check.fixableLines.length === 0) {
    return {
      outcome: { list: original, merged: false, converted: 0, unfixable: 0, fixedByReason: {} },
      summary: "nothing to convert",
    };
  }
  const { prepareRecordings, readCallerList } = await import("@cvk/enrollment");
  const base = join(context.dir, "enrollment");
  const lines = new Set(check.fixableLines);
  const all: {
    customerSpeakerId: string;
    audio: string;
    channel: number | string;
    requestId?: string;
    line: number;
  }[] = [];
  // Rows the list reader cannot use (no audio, a channel that is no number) go into the merged
  // list as written, so the plan reports each with its reason and no caller drops out of the report.
  const invalid: typeof all = [];
  const reader = readCallerList(original, {
    onInvalidRow: (problem, raw) => invalid.push({ ...raw, line: problem.line }),
  });
  for await (const row of reader) {
    for (const earlier of invalid.splice(0)) all.push(earlier);
    all.push(row);
  }
  all.push(...invalid);
  const toConvert = all.filter((row) => lines.has(row.line));
  const columns = ["customer_speaker_id", "audio", "channel", "request_id"];
  const toRecord = (row: (typeof all)[number]) => [
    row.customerSpeakerId,
    row.audio,
    String(row.channel),
    row.requestId ?? "",
  ];
  const inputList = join(base, "prepare", "to-convert.csv");
  await mkdir(dirname(inputList), { recursive: true });
  await writeFileAtomic(inputList, stringify(toConvert.map(toRecord), { header: true, columns }));
  const outDir = join(base, "prepared");
  const result = await prepareRecordings({
    list: inputList,
    outDir,
    allowOutside: true,
    // Speech is judged per caller over all their recordings, by the plan: not over the converted few.
    minNetSpeechSeconds: 0,
    pool: await context.pool(),
    onEvent: context.events("enrollment"),
  });
  const unfixable = parseCsv(readFileSync(result.unfixable, "utf8"));
  const unfixableAudio = new Set(unfixable.map((row) => `${row.customer_speaker_id}\n${row.audio}`));
  const converted = parseCsv(readFileSync(result.callers, "utf8")).map((row) => [
    row.customer_speaker_id ?? "",
    resolve(outDir, row.audio ?? ""),
    row.channel ?? "0",
    row.request_id ?? "",
  ]);
  const kept = all
    .filter((row) => !lines.has(row.line) || unfixableAudio.has(`${row.customerSpeakerId}\n${row.audio}`))
    .map(toRecord);
  const list = join(base, "callers.csv");
  await writeFileAtomic(list, stringify([...kept, ...converted], { header: true, columns }));
  const fixedByReason = { ...check.fixableByReason };
  return {
    outcome: {
      list,
      merged: true,
      converted: result.converted + result.reused,
      unfixable: result.unfixableRows,
      fixedByReason,
      callers: list,
    },
    summary: `${result.converted + result.reused} recording(s) converted to 8 kHz mono PCM-16${
      result.unfixableRows > 0 ? `, ${result.unfixableRows} could not be` : ""
    }`,
  };
}

export interface PlanResult {
  planDir: string;
  planId: string;
  plannedSpeakers: number;
  excludedSpeakers: number;
  shards: number;
  plannedRecordings: number;
}

export async function planStep(
  context: StepContext,
  prepared: Pick<PrepareResult, "list" | "merged">,
): Promise<{ outcome: PlanResult; summary: string }> {
  const inputS3Uri = requireKey<string>(context, "enrollment.inputS3Uri", "enrollment");
  const { planEnrollment, planIdOf } = await import("@cvk/enrollment");
  const planDir = join(enrollmentDir(context), "plan");
  const minSpeech = context.config.enrollment?.minNetSpeechSeconds;
  const plan = await planEnrollment({
    list: prepared.list,
    outDir: planDir,
    inputS3Uri,
    // The merged list is cvk's own, pointing at the original list's files and the converted ones.
    allowOutside: prepared.merged,
    ...(minSpeech === undefined ? {} : { minNetSpeechSeconds: minSpeech }),
    pool: await context.pool(),
    s3: context.clients.s3,
    onEvent: context.events("enrollment"),
  });
  const { counts } = plan;
  return {
    outcome: {
      planDir,
      planId: planIdOf(plan),
      plannedSpeakers: counts.plannedSpeakers,
      excludedSpeakers: counts.excludedSpeakers,
      shards: plan.shards.length,
      plannedRecordings: counts.plannedRecordings,
    },
    summary: `${counts.plannedSpeakers} caller(s) planned in ${plan.shards.length} job(s), ${counts.excludedSpeakers} excluded`,
  };
}

/** Excluded and failed callers by reason, from the enrollment report's rows. */
export function reasonsOf(rows: { status: string; error_code: string; reason: string }[]): CountByReason[] {
  const byReason = new Map<string, CountByReason>();
  for (const row of rows) {
    if (row.status !== "FAILED" && row.status !== "EXCLUDED_IN_PLAN") continue;
    const classified = classifyReason(row);
    const key = `${classified.stage}:${classified.reason}`;
    const entry = byReason.get(key) ?? { ...classified, count: 0 };
    entry.count++;
    byReason.set(key, entry);
  }
  return [...byReason.values()].sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
}

function enrolledOf(counts: Record<string, number>): number {
  return (counts.NEW_ENROLLMENT ?? 0) + (counts.ENROLLMENT_OVERWRITE ?? 0) + (counts.DUPLICATE_SKIPPED ?? 0);
}

/** Upload, jobs and collect: @cvk/enrollment's resumable run, in `<dir>/enrollment/runs/<plan id>`. */
export async function runStep(
  context: StepContext,
  domain: DomainOutcome,
  plan: PlanResult,
  prepare: PrepareOutcome | undefined,
  earlier: EnrollmentOutcome | undefined,
): Promise<{ outcome: EnrollmentOutcome; summary: string }> {
  const enrollment = context.config.enrollment ?? {};
  const inputS3Uri = requireKey<string>(context, "enrollment.inputS3Uri", "enrollment");
  const outputS3Uri = requireKey<string>(context, "enrollment.outputS3Uri", "enrollment");
  const dataAccessRoleArn = requireKey<string>(context, "enrollment.dataAccessRoleArn", "enrollment");
  const speech = speechHistogram(plan.planDir, enrollment.minNetSpeechSeconds ?? 30);

  if (context.plan) {
    // `earlier` is what the latest migration with these very settings and lists did: its run is done,
    // and a migration now would find every upload and job in its run journal.
    const unchanged = earlier?.paths.run !== undefined;
    await ensureBuckets(context, "enrollment.run", [inputS3Uri, outputS3Uri]);
    if (!unchanged && plan.shards > 0) {
      context.writes.push({
        step: "enrollment.run",
        service: "s3",
        operation: "PutObject",
        count: plan.plannedRecordings + plan.shards,
        summary: `upload ${plan.plannedRecordings} recording(s) and ${plan.shards} manifest(s) to ${inputS3Uri}${
          prepare && prepare.converted > 0
            ? `, plus the ${prepare.converted} recording(s) prepare converts first`
            : ""
        } (objects already there with the same SHA-256 are skipped)`,
      });
      context.writes.push({
        step: "enrollment.run",
        service: "voiceid",
        operation: "StartSpeakerEnrollmentJob",
        count: plan.shards,
        summary: `start ${plan.shards} speaker enrollment job(s) for ${plan.plannedSpeakers} caller(s) in domain ${domain.name}`,
      });
    }
    // The plan is of the list as it is: callers whose only problems prepare fixes are counted apart.
    const reasons = planReasons(plan.planDir);
    const toPrepare = prepare ? preparableSpeakers(plan.planDir) : 0;
    const excluded = plan.excludedSpeakers - toPrepare;
    return {
      outcome: {
        callers: plan.plannedSpeakers + plan.excludedSpeakers,
        counts: { PLANNED: plan.plannedSpeakers, AFTER_PREPARE: toPrepare, EXCLUDED_IN_PLAN: excluded },
        enrolled: 0,
        failed: 0,
        excluded,
        byReason: prepare ? reasons.filter((r) => !FIXABLE_REASONS.has(r.reason)) : reasons,
        ...(prepare ? { prepare } : {}),
        speech,
        jobs: [],
        paths: { plan: plan.planDir },
      },
      summary: unchanged
        ? `${plan.plannedSpeakers} caller(s): enrolled by an earlier migration of the same list, nothing to do`
        : `${plan.plannedSpeakers} caller(s) would be enrolled${toPrepare > 0 ? ` (and ${toPrepare} more once prepare converts their recordings)` : ""} in ${plan.shards} job(s), ${excluded} excluded`,
    };
  }

  const runDir = join(context.dir, "enrollment", "runs", plan.planId);
  const { runEnrollment } = await import("@cvk/enrollment");
  if (plan.shards > 0) await ensureBuckets(context, "enrollment.run", [inputS3Uri, outputS3Uri]);
  const fraud = enrollment.fraudDetection;
  const watchlistName = fraud?.watchlist ?? context.config.voiceId?.watchlist?.name;
  const result = await runEnrollment({
    planDir: plan.planDir,
    runDir,
    clients: context.clients,
    domain: { id: domain.domainId },
    ...(watchlistName ? { watchlist: { name: watchlistName } } : {}),
    dataAccessRoleArn,
    outputS3Uri,
    ...(enrollment.outputKmsKeyId ? { outputKmsKeyId: enrollment.outputKmsKeyId } : {}),
    ...(enrollment.existingEnrollmentAction
      ? { existingEnrollmentAction: enrollment.existingEnrollmentAction }
      : {}),
    ...(fraud
      ? {
          fraudDetection: {
            ...(fraud.action ? { action: fraud.action } : {}),
            ...(fraud.riskThreshold === undefined ? {} : { riskThreshold: fraud.riskThreshold }),
            ...(watchlistName ? { watchlist: watchlistName } : {}),
          },
        }
      : {}),
    ...((context.options.concurrency ?? enrollment.concurrency)
      ? { concurrency: context.options.concurrency ?? enrollment.concurrency }
      : {}),
    ...(context.options.pollIntervalMs === undefined
      ? {}
      : { pollIntervalMs: context.options.pollIntervalMs }),
    ...(context.options.clock ? { clock: context.options.clock } : {}),
    ...(context.signal ? { signal: context.signal } : {}),
    onEvent: context.events("enrollment"),
  });
  const failedJobs = result.shards.filter((shard) => shard.status === "FAILED");
  if (failedJobs.length > 0) {
    throw new CvkError(
      "JOB_FAILED",
      `${failedJobs.length} of ${result.shards.length} enrollment job(s) FAILED: ${failedJobs[0]?.failure?.explanation ?? ""}`,
      {
        hint: "Fix what the report says, then re-run the same `cvk migrate`: a shard that failed transiently is retried.",
        details: { report: result.paths.csv },
      },
    );
  }
  const report = JSON.parse(readFileSync(result.paths.json, "utf8")) as {
    rows: { status: string; error_code: string; reason: string }[];
  };
  const counts: Record<string, number> = { ...result.counts };
  const enrolled = enrolledOf(counts);
  const planJson = JSON.parse(readFileSync(join(plan.planDir, "plan.json"), "utf8")) as {
    shards: { index: number; requests: number }[];
  };
  const jobs = jobTimings(runDir, "enrollment", requestsByShard(planJson));
  if (result.uploads.uploaded > 0) {
    context.writes.push({
      step: "enrollment.run",
      service: "s3",
      operation: "PutObject",
      count: result.uploads.uploaded,
      summary: `uploaded ${result.uploads.uploaded} file(s) to ${inputS3Uri}`,
    });
  }
  const started = readJournalFile(join(runDir, "journal.jsonl")).filter(
    (e) => e.type === "job-started",
  ).length;
  if (started > 0) {
    context.writes.push({
      step: "enrollment.run",
      service: "voiceid",
      operation: "StartSpeakerEnrollmentJob",
      count: started,
      summary: `ran ${started} speaker enrollment job(s)`,
    });
  }
  return {
    outcome: {
      callers: result.callers,
      counts,
      enrolled,
      failed: counts.FAILED ?? 0,
      excluded: counts.EXCLUDED_IN_PLAN ?? 0,
      byReason: reasonsOf(report.rows),
      ...(prepare ? { prepare } : {}),
      speech,
      jobs,
      uploads: result.uploads,
      paths: { plan: plan.planDir, run: runDir, reportCsv: result.paths.csv, reportJson: result.paths.json },
    },
    summary: `${result.callers} caller(s): ${enrolled} enrolled, ${counts.FAILED ?? 0} failed, ${counts.EXCLUDED_IN_PLAN ?? 0} excluded`,
  };
}

/** Callers a plan excluded only for problems prepare fixes. */
function preparableSpeakers(planDir: string): number {
  const bySpeaker = new Map<string, boolean>();
  for (const p of readJsonl<Problem>(join(planDir, "problems.jsonl"))) {
    if (!p.excluded || p.customerSpeakerId === undefined) continue;
    const fixable = FIXABLE_REASONS.has(p.reason) && (p.hint ?? "").includes("enroll prepare");
    bySpeaker.set(p.customerSpeakerId, (bySpeaker.get(p.customerSpeakerId) ?? true) && fixable);
  }
  return [...bySpeaker.values()].filter(Boolean).length;
}

/** Excluded callers by reason, straight from a plan's problems (plan mode has no run report). */
function planReasons(planDir: string): CountByReason[] {
  // One row per caller and reason, as the run's report counts them.
  const seen = new Set<string>();
  const rows = readJsonl<Problem>(join(planDir, "problems.jsonl"))
    .filter((p) => {
      const key = `${p.customerSpeakerId ?? `line ${p.line}`}\n${p.reason}`;
      if (!p.excluded || seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map((p) => ({ status: "EXCLUDED_IN_PLAN", error_code: p.reason, reason: `${p.reason}: ${p.message}` }));
  return reasonsOf(rows);
}
