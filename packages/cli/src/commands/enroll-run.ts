import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  CvkError,
  type EnvironmentConfig,
  type EnvironmentSelection,
  fromAwsError,
  parseS3Uri,
  requireSetting,
} from "@cvk/core";
import { openAwsSession } from "../aws-session.ts";
import type { CommandDefinition } from "../command.ts";
import type { CommandContext } from "../context.ts";

/** Runs live here by default: `.cvk/runs/<plan id>`, so re-running the same plan resumes its run. */
export const DEFAULT_RUNS_DIR = ".cvk/runs";

interface RunArgs {
  planDir: string;
  runDir?: string;
  concurrency?: number;
  pollInterval?: number;
  existingEnrollmentAction?: "SKIP" | "OVERWRITE";
  fraudAction?: "IGNORE" | "FAIL";
  riskThreshold?: number;
  fraudWatchlist?: string;
}

export function environmentOf(context: CommandContext, command: string): EnvironmentSelection {
  const environment = context.settings().environment;
  if (!environment) {
    throw new CvkError("CONFIG_NOT_FOUND", `${command} needs cvk.config.yaml (domain, role, output URI)`, {
      hint: "Create ./cvk.config.yaml with voiceId.domain and enrollment.dataAccessRoleArn / outputS3Uri, or pass --config FILE.",
    });
  }
  return environment;
}

export function planIdIn(planDir: string): Promise<string> {
  return import("@cvk/enrollment").then(({ planIdOf }) => {
    const path = join(planDir, "plan.json");
    if (!existsSync(path)) {
      throw new CvkError("INPUT_NOT_FOUND", `${path} does not exist`, {
        hint: "Pass a plan directory written by `cvk enroll plan <caller-list>`.",
      });
    }
    try {
      return planIdOf(JSON.parse(readFileSync(path, "utf8")));
    } catch (error) {
      throw new CvkError("INPUT_INVALID", `${path} is not a readable plan`, {
        hint: "Re-create it with `cvk enroll plan`.",
        cause: error,
      });
    }
  });
}

/** In --sandbox mode the buckets are cvk's own: create them when missing. */
export async function ensureSandboxBuckets(
  s3: import("@aws-sdk/client-s3").S3Client,
  uris: string[],
): Promise<void> {
  const { CreateBucketCommand, HeadBucketCommand } = await import("@aws-sdk/client-s3");
  for (const bucket of new Set(uris.map((uri) => parseS3Uri(uri).bucket))) {
    try {
      await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    } catch {
      try {
        await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      } catch (error) {
        throw fromAwsError(error, { operation: "S3.CreateBucket", resource: bucket });
      }
    }
  }
}

async function runCommand(context: CommandContext, args: RunArgs): Promise<number> {
  const { output } = context;
  const command = "cvk enroll run";
  const { config, domain, dataAccessRoleArn, outputS3Uri } = runEnvironment(context, command);
  const enrollment = config.enrollment ?? {};
  const fraud = enrollment.fraudDetection;
  const fraudDetection =
    fraud || args.fraudAction || args.riskThreshold !== undefined || args.fraudWatchlist
      ? {
          ...((args.fraudAction ?? fraud?.action) ? { action: args.fraudAction ?? fraud?.action } : {}),
          ...((args.riskThreshold ?? fraud?.riskThreshold) === undefined
            ? {}
            : { riskThreshold: args.riskThreshold ?? fraud?.riskThreshold }),
          ...((args.fraudWatchlist ?? fraud?.watchlist)
            ? { watchlist: args.fraudWatchlist ?? fraud?.watchlist }
            : {}),
        }
      : undefined;
  const existingEnrollmentAction = args.existingEnrollmentAction ?? enrollment.existingEnrollmentAction;

  const planDir = resolve(context.cwd, args.planDir);
  const planId = await planIdIn(planDir);
  const runDir = resolve(context.cwd, args.runDir ?? join(DEFAULT_RUNS_DIR, planId));
  const { runEnrollment } = await import("@cvk/enrollment");
  return await withRunSession(context, async (session, signal) => {
    if (session.sandbox) {
      const plan = JSON.parse(readFileSync(join(planDir, "plan.json"), "utf8")) as { inputS3Uri: string };
      await ensureSandboxBuckets(session.clients.s3, [plan.inputS3Uri, outputS3Uri]);
    }
    output.line(`run directory ${runDir}`);
    const result = await runEnrollment({
      planDir,
      runDir,
      clients: session.clients,
      domain,
      ...(config.voiceId?.watchlist && !fraudDetection?.watchlist
        ? { watchlist: { name: config.voiceId.watchlist.name } }
        : {}),
      dataAccessRoleArn,
      outputS3Uri,
      ...(enrollment.outputKmsKeyId ? { outputKmsKeyId: enrollment.outputKmsKeyId } : {}),
      ...(existingEnrollmentAction ? { existingEnrollmentAction } : {}),
      ...(fraudDetection ? { fraudDetection } : {}),
      ...((args.concurrency ?? enrollment.concurrency)
        ? { concurrency: args.concurrency ?? enrollment.concurrency }
        : {}),
      ...(args.pollInterval === undefined ? {} : { pollIntervalMs: args.pollInterval }),
      signal,
      onEvent: output.event,
    });
    output.data("enrollment-run", { ...result });
    output.line(`${result.callers} callers: ${formatCounts(result.counts)}`);
    for (const shard of result.shards) {
      output.line(
        `  shard ${shard.shard}: job ${shard.jobId ?? "-"} ${shard.status}${shard.failure ? ` — ${shard.failure.explanation}` : ""}`,
      );
    }
    output.line(`report ${result.paths.csv}`);
    if (result.retryCallers > 0) output.line(`retry ${result.paths.retry} (${result.retryCallers} callers)`);
    failIfJobsFailed(result.shards, "enrollment", "callers", `cvk enroll run ${args.planDir}`);
    return 0;
  });
}

/**
 * What both job kinds' runs take from the environment: the config, voiceId.domain (as the run
 * options take it), enrollment.dataAccessRoleArn and enrollment.outputS3Uri.
 */
export function runEnvironment(context: CommandContext, command: string) {
  const environment = environmentOf(context, command);
  const config: EnvironmentConfig = environment.config;
  const domain = requireSetting<NonNullable<EnvironmentConfig["voiceId"]>["domain"]>(
    environment,
    "voiceId.domain",
    command,
  );
  return {
    config,
    domain: {
      ...(domain.id ? { id: domain.id } : {}),
      ...(domain.name ? { name: domain.name } : {}),
      ...(domain.create ? { create: domain.create } : {}),
      ...(domain.kmsKeyId ? { kmsKeyId: domain.kmsKeyId } : {}),
      ...(domain.description ? { description: domain.description } : {}),
    },
    dataAccessRoleArn: requireSetting<string>(environment, "enrollment.dataAccessRoleArn", command),
    outputS3Uri: requireSetting<string>(environment, "enrollment.outputS3Uri", command),
  };
}

/**
 * Opens the AWS session (the embedded sandbox's state in .cvk/sandbox) and turns Ctrl-C / SIGTERM
 * into the run's AbortSignal for the duration of `work`.
 */
export async function withRunSession<T>(
  context: CommandContext,
  work: (session: Awaited<ReturnType<typeof openAwsSession>>, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const session = await openAwsSession(context.settings(), {
    sandboxDir: resolve(context.cwd, ".cvk/sandbox"),
  });
  const controller = new AbortController();
  const onSignal = () => {
    context.output.warn(
      "stopping after the current step (Ctrl-C again to kill; the run journal stays consistent)",
    );
    controller.abort();
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    return await work(session, controller.signal);
  } finally {
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
    await session.close();
  }
}

/** Exit 1 (JOB_FAILED) when any shard's job FAILED; the report already lists its rows as FAILED. */
export function failIfJobsFailed(
  shards: { status: string }[],
  noun: string,
  rows: string,
  rerun: string,
): void {
  const failedJobs = shards.filter((shard) => shard.status === "FAILED");
  if (failedJobs.length > 0) {
    throw new CvkError(
      "JOB_FAILED",
      `${failedJobs.length} of ${shards.length} ${noun} job(s) FAILED (their ${rows} are FAILED in the report)`,
      {
        hint: `Fix what the report says, then re-run \`${rerun}\`: shards that failed transiently are retried.`,
      },
    );
  }
}

export function formatCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${status} ${n}`)
    .join(", ");
}

/** The run directory named, or the most recently active one under .cvk/runs. */
function locateRunDir(context: CommandContext, given: string | undefined): string {
  if (given) return resolve(context.cwd, given);
  const root = resolve(context.cwd, DEFAULT_RUNS_DIR);
  const candidates = existsSync(root)
    ? readdirSync(root)
        .map((name) => join(root, name, "journal.jsonl"))
        .filter((path) => existsSync(path))
        .map((path) => ({ path, mtime: statSync(path).mtimeMs }))
        .sort((a, b) => b.mtime - a.mtime)
    : [];
  const latest = candidates[0];
  if (!latest) {
    throw new CvkError("INPUT_NOT_FOUND", `No enrollment run found under ${root}`, {
      hint: "Pass the run directory, or start a run with `cvk enroll run <plan-dir>`.",
    });
  }
  return resolve(latest.path, "..");
}

async function statusCommand(context: CommandContext, args: { runDir?: string }): Promise<number> {
  const { output } = context;
  const { enrollmentStatus } = await import("@cvk/enrollment");
  const status = enrollmentStatus(locateRunDir(context, args.runDir));
  output.data("enrollment-status", { ...status });
  output.line(`run        ${status.runDir}`);
  output.line(`plan       ${status.planDir ?? "?"} (id ${status.planId ?? "?"})`);
  output.line(
    `state      ${status.finished ? "finished" : status.interrupted ? `interrupted during ${status.interrupted.step}` : "in progress or stopped"}`,
  );
  output.line(
    `domain     ${status.domain ? `${status.domain.name} (${status.domain.domainId})` : "not yet"}`,
  );
  if (status.watchlist) output.line(`watchlist  ${status.watchlist.name} (${status.watchlist.watchlistId})`);
  output.line(
    `uploads    ${status.steps.uploads ? "done" : "not done"} (${status.steps.uploadedFiles} files recorded)`,
  );
  output.line(
    `jobs       ${status.steps.jobs.ended}/${status.steps.jobs.total} ended, ${status.steps.jobs.outputsSaved} outputs saved`,
  );
  for (const shard of status.shards) {
    output.line(
      `  shard ${shard.shard}: ${shard.status}${shard.jobId ? ` job ${shard.jobId}` : ""}${shard.attempt > 1 ? ` (attempt ${shard.attempt})` : ""}`,
    );
  }
  if (status.current) {
    output.line(
      `current    shard ${status.current.shard} of ${status.current.of}${status.current.jobId ? `, job ${status.current.jobId} ${status.current.status ?? ""} ${status.current.percent ?? 0}%` : ""}`,
    );
  }
  output.line(`report     ${status.steps.report ? "written" : "not yet"}`);
  return 0;
}

async function reportCommand(context: CommandContext, args: { runDir: string }): Promise<number> {
  const { output } = context;
  const { renderReport } = await import("@cvk/enrollment");
  const { report, paths } = await renderReport(resolve(context.cwd, args.runDir));
  output.data("enrollment-report", {
    callers: report.callers,
    counts: report.counts,
    retryCallers: report.retryCallers,
    shards: report.shards,
    paths,
  });
  output.line(`${report.callers} callers: ${formatCounts(report.counts)}`);
  output.line(`report ${paths.csv}`);
  output.line(`       ${paths.json}`);
  output.line(`retry  ${paths.retry} (${report.retryCallers} callers)`);
  return 0;
}

export const enrollRunCommand: CommandDefinition = {
  command: "run <plan-dir>",
  describe: "Upload, run the plan's enrollment jobs one at a time, and write the report (resumable)",
  examples: [
    [
      "$0 enroll run plan/ --env prod",
      "Run the plan; re-run the same command to resume after Ctrl-C or a crash",
    ],
    ["$0 enroll run plan/ --sandbox", "Against the embedded sandbox"],
  ],
  builder: (yargs) =>
    yargs
      .positional("plan-dir", { type: "string", describe: "Plan directory from `cvk enroll plan`" })
      .option("run-dir", {
        type: "string",
        describe: `Run directory (default ${DEFAULT_RUNS_DIR}/<plan id>: the same plan resumes the same run)`,
      })
      .option("concurrency", { type: "number", describe: "Uploads in flight (default 64)" })
      .option("poll-interval", {
        type: "number",
        describe: "First wait between job status checks, in ms (default 2000, then backing off)",
      })
      .option("existing-enrollment-action", {
        choices: ["SKIP", "OVERWRITE"],
        describe: "For callers already enrolled (default: the config's, else SKIP)",
      })
      .option("fraud-action", { choices: ["IGNORE", "FAIL"], describe: "Fraud detection action" })
      .option("risk-threshold", { type: "number", describe: "Fraud risk threshold 0–100" })
      .option("fraud-watchlist", { type: "string", describe: "Watchlist name for fraud detection" }),
  run: (context, args) => runCommand(context, args as unknown as RunArgs),
};

export const enrollStatusCommand: CommandDefinition = {
  command: "status [run-dir]",
  describe: "Show where an enrollment run stands (default: the latest under .cvk/runs)",
  examples: [["$0 enroll status", "The latest run"]],
  builder: (yargs) => yargs.positional("run-dir", { type: "string", describe: "Run directory" }),
  run: (context, args) => statusCommand(context, args as { runDir?: string }),
};

export const enrollReportCommand: CommandDefinition = {
  command: "report <run-dir>",
  describe: "Re-render report.json, report.csv and retry.csv from a run's journal and outputs",
  examples: [["$0 enroll report .cvk/runs/0123456789abcdef", "Re-render that run's report"]],
  builder: (yargs) => yargs.positional("run-dir", { type: "string", describe: "Run directory" }),
  run: (context, args) => reportCommand(context, args as { runDir: string }),
};
