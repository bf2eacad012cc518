import { join, resolve } from "node:path";
import type { CommandDefinition } from "../command.ts";
import type { CommandContext } from "../context.ts";
import { checkConcurrency, inputS3Uri, sharedOptions } from "./enroll-plan.ts";
import {
  DEFAULT_RUNS_DIR,
  ensureSandboxBuckets,
  failIfJobsFailed,
  formatCounts,
  runEnvironment,
  withRunSession,
} from "./enroll-run.ts";

interface RegisterArgs {
  list: string;
  out?: string;
  runDir?: string;
  inputS3Uri?: string;
  allowOutside: boolean;
  concurrency?: number;
  minSpeech?: number;
  pollInterval?: number;
  watchlist?: string;
  duplicateRegistrationAction?: "SKIP" | "REGISTER_AS_NEW";
  similarityThreshold?: number;
}

/**
 * `cvk fraudsters register <list>`: plans the list as fraudster registration requests (≤ 500 per
 * job; the list's id column only labels the rows in the report), then runs the registration jobs
 * like `cvk enroll run` — resumable: the same list resumes the same run directory.
 */
async function register(context: CommandContext, args: RegisterArgs): Promise<number> {
  const { output } = context;
  const command = "cvk fraudsters register";
  const { config, domain, dataAccessRoleArn, outputS3Uri } = runEnvironment(context, command);
  const target = inputS3Uri(context, args, command);
  const threads = checkConcurrency(args.concurrency);
  const fraudsters = config.fraudsters ?? {};
  const duplicateRegistrationAction =
    args.duplicateRegistrationAction ?? fraudsters.duplicateRegistrationAction;
  const similarityThreshold = args.similarityThreshold ?? fraudsters.similarityThreshold;
  const watchlistName = args.watchlist ?? config.voiceId?.watchlist?.name;
  const minSpeech = args.minSpeech ?? config.enrollment?.minNetSpeechSeconds;
  const outDir = resolve(context.cwd, args.out ?? "fraudster-plan");
  const { planEnrollment, planIdOf, registerFraudsters } = await import("@cvk/enrollment");
  const { AudioWorkerPool } = await import("@cvk/audio");

  return await withRunSession(context, async (session, signal) => {
    const pool = new AudioWorkerPool(threads === undefined ? {} : { threads });
    let plan: Awaited<ReturnType<typeof planEnrollment>>;
    try {
      plan = await planEnrollment({
        list: resolve(context.cwd, args.list),
        outDir,
        inputS3Uri: target,
        kind: "fraudster-registration",
        allowOutside: args.allowOutside,
        ...(minSpeech === undefined ? {} : { minNetSpeechSeconds: minSpeech }),
        pool,
        s3: session.clients.s3,
        onEvent: output.event,
      });
    } finally {
      await pool.destroy();
    }
    const { counts } = plan;
    output.line(
      `plan written to ${outDir}: ${counts.plannedSpeakers} fraudster request(s) in ${plan.shards.length} job(s), ${counts.excludedSpeakers} excluded`,
    );
    for (const warning of plan.warnings) output.warn(warning);

    const runDir = resolve(context.cwd, args.runDir ?? join(DEFAULT_RUNS_DIR, planIdOf(plan)));
    if (session.sandbox) await ensureSandboxBuckets(session.clients.s3, [plan.inputS3Uri, outputS3Uri]);
    output.line(`run directory ${runDir}`);
    const result = await registerFraudsters({
      planDir: outDir,
      runDir,
      clients: session.clients,
      domain,
      ...(watchlistName ? { watchlist: { name: watchlistName } } : {}),
      dataAccessRoleArn,
      outputS3Uri,
      ...(config.enrollment?.outputKmsKeyId ? { outputKmsKeyId: config.enrollment.outputKmsKeyId } : {}),
      ...(duplicateRegistrationAction ? { duplicateRegistrationAction } : {}),
      ...(similarityThreshold === undefined ? {} : { similarityThreshold }),
      ...(config.enrollment?.concurrency ? { concurrency: config.enrollment.concurrency } : {}),
      ...(args.pollInterval === undefined ? {} : { pollIntervalMs: args.pollInterval }),
      signal,
      onEvent: output.event,
    });
    output.data("fraudster-registration", { ...result });
    output.line(`${result.fraudsters} fraudsters: ${formatCounts(result.counts)}`);
    output.line(`watchlist ${result.watchlistId}`);
    for (const shard of result.shards) {
      output.line(
        `  shard ${shard.shard}: job ${shard.jobId ?? "-"} ${shard.status}${shard.failure ? ` — ${shard.failure.explanation}` : ""}`,
      );
    }
    output.line(`report ${result.paths.csv}`);
    if (result.retryFraudsters > 0) {
      output.line(`retry ${result.paths.retry} (${result.retryFraudsters} fraudsters)`);
    }
    failIfJobsFailed(result.shards, "registration", "fraudsters", `${command} ${args.list}`);
    return 0;
  });
}

export const fraudstersRegisterCommand: CommandDefinition = {
  command: "register <list>",
  describe:
    "Register fraudsters' voices in a watchlist: plan (≤ 500 per job), upload, run the jobs, report (resumable)",
  examples: [
    [
      "$0 fraudsters register fraudsters.csv --env prod",
      "Into voiceId.watchlist.name (or the domain's default watchlist); re-run to resume",
    ],
    [
      "$0 fraudsters register fraudsters.csv --sandbox --duplicate-registration-action REGISTER_AS_NEW",
      "Against the embedded sandbox, registering duplicates as new fraudsters",
    ],
  ],
  builder: (yargs) =>
    yargs
      .positional("list", {
        type: "string",
        describe: "Recordings list (CSV, JSONL or manifest); its id column labels each fraudster row",
      })
      .option("out", { type: "string", describe: "Plan directory (default ./fraudster-plan)" })
      .option("run-dir", {
        type: "string",
        describe: `Run directory (default ${DEFAULT_RUNS_DIR}/<plan id>: the same list resumes the same run)`,
      })
      .option("input-s3-uri", {
        type: "string",
        describe: "Where recordings and manifests are uploaded (default: enrollment.inputS3Uri)",
      })
      .option("watchlist", {
        type: "string",
        describe: "Watchlist name (default: voiceId.watchlist.name, else the domain's default watchlist)",
      })
      .option("duplicate-registration-action", {
        choices: ["SKIP", "REGISTER_AS_NEW"],
        describe:
          "For voices already in the watchlist (default: fraudsters.duplicateRegistrationAction, else SKIP)",
      })
      .option("similarity-threshold", {
        type: "number",
        describe: "FraudsterSimilarityThreshold 0–100 (default: fraudsters.similarityThreshold)",
      })
      .option("poll-interval", {
        type: "number",
        describe: "First wait between job status checks, in ms (default 2000, then backing off)",
      })
      .options(sharedOptions),
  run: (context, args) => register(context, args as unknown as RegisterArgs),
};

export const fraudstersCommand: CommandDefinition = {
  command: "fraudsters",
  describe: "Register known fraudsters' voices in a Voice ID watchlist",
  examples: [["$0 fraudsters register fraudsters.csv --env dev", "Plan, upload, register, report"]],
  subcommands: [fraudstersRegisterCommand],
};
