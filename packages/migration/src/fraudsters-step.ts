import { createHash } from "node:crypto";
import { join, resolve } from "node:path";
import { fromAwsError } from "@cvk/core";
import { requireKey, type StepContext } from "./context.ts";
import { ensureBuckets, jobTimings, requestsByShard } from "./runs.ts";
import type { DomainOutcome, FraudstersOutcome } from "./types.ts";

/** Whether the environment configures a watchlist or a fraudster list (the step is optional). */
export function fraudstersConfigured(context: StepContext): boolean {
  return Boolean(context.config.voiceId?.watchlist?.name || context.config.fraudsters?.list);
}

/** The watchlist named `name` in the domain, created when missing (CreateWatchlist with a ClientToken). */
async function ensureWatchlist(
  context: StepContext,
  domain: DomainOutcome,
  name: string,
): Promise<{ watchlistId: string; name: string; created: boolean }> {
  const sdk = await import("@aws-sdk/client-voice-id");
  const { voiceId } = context.clients;
  if (domain.domainId) {
    let nextToken: string | undefined;
    try {
      do {
        const page = await voiceId.send(
          new sdk.ListWatchlistsCommand({
            DomainId: domain.domainId,
            ...(nextToken ? { NextToken: nextToken } : {}),
          }),
        );
        const match = page.WatchlistSummaries?.find((w) => w.Name === name);
        if (match?.WatchlistId) return { watchlistId: match.WatchlistId, name, created: false };
        nextToken = page.NextToken;
      } while (nextToken);
    } catch (error) {
      throw fromAwsError(error, {
        operation: "VoiceID.ListWatchlists",
        resource: `domain ${domain.domainId}`,
      });
    }
  }
  if (context.plan) {
    context.writes.push({
      step: "fraudsters",
      service: "voiceid",
      operation: "CreateWatchlist",
      summary: `create watchlist ${name} in domain ${domain.name}`,
    });
    return { watchlistId: "", name, created: true };
  }
  try {
    const { Watchlist } = await voiceId.send(
      new sdk.CreateWatchlistCommand({
        DomainId: domain.domainId,
        Name: name,
        ...(context.config.voiceId?.watchlist?.description
          ? { Description: context.config.voiceId.watchlist.description }
          : {}),
        // The same one the enrollment run would send, so either creates it once.
        ClientToken: `cvk-${createHash("sha256").update(`watchlist:${domain.domainId}:${name}`).digest("hex").slice(0, 40)}`,
      }),
    );
    context.writes.push({
      step: "fraudsters",
      service: "voiceid",
      operation: "CreateWatchlist",
      summary: `created watchlist ${name} (${Watchlist?.WatchlistId ?? "?"})`,
    });
    return { watchlistId: Watchlist?.WatchlistId ?? "", name, created: true };
  } catch (error) {
    throw fromAwsError(error, {
      operation: "VoiceID.CreateWatchlist",
      resource: `domain ${domain.domainId}`,
    });
  }
}

/**
 * Watchlist and fraudster registration, when configured: `voiceId.watchlist.name` is ensured; the
 * recordings in `fraudsters.list` are planned (≤ 500 per job) and registered in it — or in the
 * domain's default watchlist — through @cvk/enrollment's resumable job runner.
 */
export async function fraudstersStep(
  context: StepContext,
  domain: DomainOutcome,
  earlier: FraudstersOutcome | undefined,
): Promise<{ outcome: FraudstersOutcome; summary: string }> {
  const watchlistName = context.config.voiceId?.watchlist?.name;
  const watchlist = watchlistName ? await ensureWatchlist(context, domain, watchlistName) : undefined;
  const list = context.config.fraudsters?.list;
  if (!list) {
    return {
      outcome: { ...(watchlist ? { watchlist } : {}), fraudsters: 0, counts: {}, jobs: [], paths: {} },
      summary: watchlist
        ? `watchlist ${watchlist.name} ${watchlist.created ? (context.plan ? "would be created" : "created") : "exists"}; no fraudsters.list`
        : "nothing configured",
    };
  }
  const inputS3Uri = requireKey<string>(context, "enrollment.inputS3Uri", "fraudsters");
  const outputS3Uri = requireKey<string>(context, "enrollment.outputS3Uri", "fraudsters");
  const dataAccessRoleArn = requireKey<string>(context, "enrollment.dataAccessRoleArn", "fraudsters");
  const { planEnrollment, planIdOf, registerFraudsters } = await import("@cvk/enrollment");
  const base = context.plan ? join(context.dir, "dry-run", "fraudsters") : join(context.dir, "fraudsters");
  const planDir = join(base, "plan");
  const plan = await planEnrollment({
    list: resolve(context.baseDir, list),
    outDir: planDir,
    inputS3Uri,
    kind: "fraudster-registration",
    ...(context.config.enrollment?.minNetSpeechSeconds === undefined
      ? {}
      : { minNetSpeechSeconds: context.config.enrollment.minNetSpeechSeconds }),
    pool: await context.pool(),
    s3: context.clients.s3,
    onEvent: context.events("fraudsters"),
  });
  const planId = planIdOf(plan);
  const fraudsters = context.config.fraudsters ?? {};

  if (context.plan) {
    const unchanged = earlier?.paths.run?.endsWith(planId) === true;
    await ensureBuckets(context, "fraudsters", [inputS3Uri, outputS3Uri]);
    if (!unchanged && plan.shards.length > 0) {
      context.writes.push({
        step: "fraudsters",
        service: "s3",
        operation: "PutObject",
        count: plan.counts.plannedRecordings + plan.shards.length,
        summary: `upload ${plan.counts.plannedRecordings} fraudster recording(s) and ${plan.shards.length} manifest(s) to ${inputS3Uri} (objects already there with the same SHA-256 are skipped)`,
      });
      context.writes.push({
        step: "fraudsters",
        service: "voiceid",
        operation: "StartFraudsterRegistrationJob",
        count: plan.shards.length,
        summary: `start ${plan.shards.length} fraudster registration job(s) for ${plan.counts.plannedSpeakers} voice(s) into ${watchlistName ?? "the default watchlist"}`,
      });
    }
    return {
      outcome: {
        ...(watchlist ? { watchlist } : {}),
        fraudsters: plan.counts.plannedSpeakers,
        counts: { PLANNED: plan.counts.plannedSpeakers, EXCLUDED_IN_PLAN: plan.counts.excludedSpeakers },
        jobs: [],
        paths: { plan: planDir },
      },
      summary: unchanged
        ? `${plan.counts.plannedSpeakers} fraudster voice(s): registered by an earlier migration, nothing to do`
        : `${plan.counts.plannedSpeakers} fraudster voice(s) would be registered, ${plan.counts.excludedSpeakers} excluded`,
    };
  }

  const runDir = join(base, "runs", planId);
  await ensureBuckets(context, "fraudsters", [inputS3Uri, outputS3Uri]);
  const result = await registerFraudsters({
    planDir,
    runDir,
    clients: context.clients,
    domain: { id: domain.domainId },
    ...(watchlistName ? { watchlist: { name: watchlistName } } : {}),
    dataAccessRoleArn,
    outputS3Uri,
    ...(context.config.enrollment?.outputKmsKeyId
      ? { outputKmsKeyId: context.config.enrollment.outputKmsKeyId }
      : {}),
    ...(fraudsters.duplicateRegistrationAction
      ? { duplicateRegistrationAction: fraudsters.duplicateRegistrationAction }
      : {}),
    ...(fraudsters.similarityThreshold === undefined
      ? {}
      : { similarityThreshold: fraudsters.similarityThreshold }),
    ...(context.options.concurrency ? { concurrency: context.options.concurrency } : {}),
    ...(context.options.pollIntervalMs === undefined
      ? {}
      : { pollIntervalMs: context.options.pollIntervalMs }),
    ...(context.options.clock ? { clock: context.options.clock } : {}),
    ...(context.signal ? { signal: context.signal } : {}),
    onEvent: context.events("fraudsters"),
  });
  const { CvkError } = await import("@cvk/core");
  const failedJobs = result.shards.filter((shard) => shard.status === "FAILED");
  if (failedJobs.length > 0) {
    throw new CvkError(
      "JOB_FAILED",
      `${failedJobs.length} of ${result.shards.length} fraudster registration job(s) FAILED: ${failedJobs[0]?.failure?.explanation ?? ""}`,
      {
        hint: "Fix what the report says, then re-run the same `cvk migrate`: a shard that failed transiently is retried.",
        details: { report: result.paths.csv },
      },
    );
  }
  if (result.uploads.uploaded > 0) {
    context.writes.push({
      step: "fraudsters",
      service: "s3",
      operation: "PutObject",
      count: result.uploads.uploaded,
      summary: `uploaded ${result.uploads.uploaded} file(s) to ${inputS3Uri}`,
    });
  }
  const jobs = jobTimings(runDir, "fraudster registration", requestsByShard(plan));
  if (jobs.length > 0) {
    context.writes.push({
      step: "fraudsters",
      service: "voiceid",
      operation: "StartFraudsterRegistrationJob",
      count: jobs.length,
      summary: `ran ${jobs.length} fraudster registration job(s)`,
    });
  }
  const registered = (result.counts.NEW_REGISTRATION ?? 0) + (result.counts.DUPLICATE_SKIPPED ?? 0);
  return {
    outcome: {
      watchlist: {
        watchlistId: result.watchlistId,
        name: watchlistName ?? "(default watchlist)",
        created: watchlist?.created ?? false,
      },
      fraudsters: result.fraudsters,
      counts: { ...result.counts },
      jobs,
      paths: { plan: planDir, run: runDir, reportCsv: result.paths.csv },
    },
    summary: `${result.fraudsters} fraudster voice(s): ${Object.entries(result.counts)
      .filter(([, n]) => n > 0)
      .map(([status, n]) => `${status} ${n}`)
      .join(", ")} (${registered} in the watchlist)`,
  };
}
