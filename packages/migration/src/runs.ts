import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fromAwsError, type JournalEntry, parseS3Uri } from "@cvk/core";
import type { StepContext } from "./context.ts";
import type { JobTiming, MigrationStepId } from "./types.ts";

/**
 * Reads a JSONL journal without locking it; a torn last line (a crash mid-append) is ignored, as
 * RunJournal itself does when it opens the file.
 */
export function readJournalFile(path: string): JournalEntry[] {
  if (!existsSync(path)) return [];
  const entries: JournalEntry[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    try {
      entries.push(JSON.parse(line) as JournalEntry);
    } catch {}
  }
  return entries;
}

/** When each batch job of a run started and ended, from the run's own journal (`journal.jsonl`). */
export function jobTimings(
  runDir: string,
  kind: JobTiming["kind"],
  requestsByShard: Map<number, number>,
): JobTiming[] {
  const jobs = new Map<number, JobTiming>();
  for (const entry of readJournalFile(join(runDir, "journal.jsonl"))) {
    const data = (entry.data ?? {}) as { shard?: number; jobId?: string; status?: string };
    if (data.shard === undefined) continue;
    const job = jobs.get(data.shard) ?? {
      kind,
      shard: data.shard,
      status: "NOT_STARTED",
      requests: requestsByShard.get(data.shard) ?? 0,
    };
    switch (entry.type) {
      case "job-starting":
        // A new attempt starts the job's bar again.
        job.startedAt = entry.at;
        delete job.endedAt;
        job.status = "SUBMITTED";
        break;
      case "job-started":
        if (data.jobId) job.jobId = data.jobId;
        break;
      case "job-status":
        if (data.status) job.status = data.status;
        break;
      case "job-ended":
        job.endedAt = entry.at;
        if (data.status) job.status = data.status;
        break;
    }
    jobs.set(data.shard, job);
  }
  return [...jobs.values()].sort((a, b) => a.shard - b.shard);
}

/** With `createBuckets` (the embedded sandbox), the input and output buckets are created when missing. */
export async function ensureBuckets(
  context: StepContext,
  step: MigrationStepId,
  uris: string[],
): Promise<void> {
  if (!context.options.createBuckets) return;
  const { CreateBucketCommand, HeadBucketCommand } = await import("@aws-sdk/client-s3");
  const s3 = context.clients.s3;
  for (const bucket of new Set(uris.map((uri) => parseS3Uri(uri).bucket))) {
    try {
      await s3.send(new HeadBucketCommand({ Bucket: bucket }));
      continue;
    } catch {}
    if (context.plan) {
      const summary = `create bucket ${bucket} (sandbox)`;
      if (!context.writes.some((w) => w.operation === "CreateBucket" && w.summary === summary))
        context.writes.push({ step, service: "s3", operation: "CreateBucket", summary });
      continue;
    }
    try {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    } catch (error) {
      const failure = fromAwsError(error, { operation: "S3.CreateBucket", resource: bucket });
      if (failure.details?.awsErrorName !== "BucketAlreadyOwnedByYou") throw failure;
    }
  }
}

/** Requests per shard of a plan, for the job timeline. */
export function requestsByShard(plan: {
  shards: { index: number; requests: number }[];
}): Map<number, number> {
  return new Map(plan.shards.map((shard) => [shard.index, shard.requests]));
}
