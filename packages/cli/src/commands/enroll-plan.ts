import { CvkError, requireSetting } from "@cvk/core";
import { openAwsSession } from "../aws-session.ts";
import type { CommandDefinition } from "../command.ts";
import type { CommandContext } from "../context.ts";

interface PlanArgs {
  list: string;
  out?: string;
  inputS3Uri?: string;
  allowOutside: boolean;
  deep: boolean;
  speech: boolean;
  concurrency?: number;
  minSpeech?: number;
  shardSize?: number;
}

export function checkConcurrency(value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1) {
    throw new CvkError("USAGE", `--concurrency ${value} is not a positive whole number`, {
      hint: "Use the number of worker threads to use, e.g. --concurrency 2.",
    });
  }
  return value;
}

/** --min-speech, else enrollment.minNetSpeechSeconds of the selected environment (if any). */
export function minSpeechSeconds(context: CommandContext, args: { minSpeech?: number }): number | undefined {
  return args.minSpeech ?? context.settings().environment?.config.enrollment?.minNetSpeechSeconds;
}

/** --input-s3-uri, else enrollment.inputS3Uri of the selected environment. */
export function inputS3Uri(
  context: CommandContext,
  args: { inputS3Uri?: string },
  command = "cvk enroll plan",
): string {
  if (args.inputS3Uri) return args.inputS3Uri;
  const environment = context.settings().environment;
  if (!environment) {
    throw new CvkError(
      "CONFIG_INVALID",
      "No --input-s3-uri and no environment to take enrollment.inputS3Uri from",
      {
        hint: "Pass --input-s3-uri s3://bucket/prefix, or --env NAME with enrollment.inputS3Uri in cvk.config.yaml.",
      },
    );
  }
  return requireSetting<string>(environment, "enrollment.inputS3Uri", command);
}

async function plan(context: CommandContext, args: PlanArgs): Promise<number> {
  const { output } = context;
  const { resolve } = await import("node:path");
  const { planEnrollment } = await import("@cvk/enrollment");
  const { AudioWorkerPool } = await import("@cvk/audio");
  const threads = checkConcurrency(args.concurrency);
  const target = inputS3Uri(context, args);
  const minSpeech = minSpeechSeconds(context, args);
  const outDir = resolve(context.cwd, args.out ?? "enroll-plan");
  const pool = new AudioWorkerPool(threads === undefined ? {} : { threads });
  let session: Awaited<ReturnType<typeof openAwsSession>> | undefined;
  try {
    const result = await planEnrollment({
      list: resolve(context.cwd, args.list),
      outDir,
      inputS3Uri: target,
      allowOutside: args.allowOutside,
      deep: args.deep,
      measureSpeech: args.speech,
      ...(minSpeech === undefined ? {} : { minNetSpeechSeconds: minSpeech }),
      ...(args.shardSize === undefined ? {} : { maxRequestsPerShard: args.shardSize }),
      pool,
      onEvent: output.event,
      // AWS is reached only for s3:// recordings (read-only ranged GETs).
      s3: async () => {
        session ??= await openAwsSession(context.settings());
        return session.clients.s3;
      },
    });
    const { counts } = result;
    output.data("plan", { outDir, plan: result });
    output.line(`plan written to ${outDir}`);
    output.line(
      `  ${counts.plannedSpeakers} callers planned in ${result.shards.length} manifest(s), ${counts.excludedSpeakers} excluded (of ${counts.speakers}); ${counts.plannedRecordings} of ${counts.recordings} recordings`,
    );
    for (const [reason, count] of Object.entries(counts.byReason).sort((a, b) => b[1] - a[1])) {
      output.line(`  ${reason}: ${count}`);
    }
    for (const warning of result.warnings) output.warn(warning);
    if (counts.excludedSpeakers > 0) {
      output.line(
        `  see ${resolve(outDir, "summary.txt")}; \`cvk enroll prepare\` fixes rate, encoding, channel and size`,
      );
    }
    return 0;
  } finally {
    await pool.destroy();
    await session?.close();
  }
}

interface PrepareArgs {
  list: string;
  out: string;
  allowOutside: boolean;
  concurrency?: number;
  minSpeech?: number;
}

async function prepare(context: CommandContext, args: PrepareArgs): Promise<number> {
  const { output } = context;
  const { resolve } = await import("node:path");
  const { prepareRecordings } = await import("@cvk/enrollment");
  const { AudioWorkerPool } = await import("@cvk/audio");
  const threads = checkConcurrency(args.concurrency);
  const minSpeech = minSpeechSeconds(context, args);
  const pool = new AudioWorkerPool(threads === undefined ? {} : { threads });
  try {
    const result = await prepareRecordings({
      list: resolve(context.cwd, args.list),
      outDir: resolve(context.cwd, args.out),
      allowOutside: args.allowOutside,
      ...(minSpeech === undefined ? {} : { minNetSpeechSeconds: minSpeech }),
      pool,
      onEvent: output.event,
    });
    output.data("prepare", { ...result });
    output.line(`new caller list: ${result.callers}`);
    output.line(
      `  ${result.converted} converted, ${result.reused} already converted, ${result.conforming} conforming (used in place), ${result.unfixableRows} unfixable`,
    );
    if (result.unfixableRows > 0) output.line(`  unfixable recordings and reasons: ${result.unfixable}`);
    output.line(
      `  next: cvk enroll plan ${result.callers} --allow-outside (it points at the conforming originals in place)`,
    );
    return 0;
  } finally {
    await pool.destroy();
  }
}

export const sharedOptions = {
  "allow-outside": {
    type: "boolean",
    default: false,
    describe: "Accept recordings outside the list's folder",
  },
  concurrency: { type: "number", describe: "Audio worker threads (default: one per core)" },
  "min-speech": {
    type: "number",
    describe: "Net speech seconds a caller needs (default: enrollment.minNetSpeechSeconds, else 30)",
  },
} as const;

export const enrollPlanCommand: CommandDefinition = {
  command: "plan <list>",
  describe: "Validate a caller list and its recordings and write an enrollment plan (no AWS writes)",
  examples: [
    [
      "$0 enroll plan callers.csv --out plan/ --env dev",
      "Plan with enrollment.inputS3Uri from the dev environment",
    ],
    [
      "$0 enroll plan callers.csv --out plan/ --input-s3-uri s3://bucket/voiceid --json",
      "The same, as JSON, with an explicit upload prefix",
    ],
  ],
  builder: (yargs) =>
    yargs
      .positional("list", { type: "string", describe: "Caller list: CSV, JSONL or a Voice ID manifest" })
      .option("out", { type: "string", describe: "Plan directory (default ./enroll-plan)" })
      .option("input-s3-uri", {
        type: "string",
        describe: "Where run uploads recordings and manifests (default: enrollment.inputS3Uri)",
      })
      .option("deep", {
        type: "boolean",
        default: false,
        describe: "Also measure net speech of S3 recordings",
      })
      .option("speech", {
        type: "boolean",
        default: true,
        describe: "Measure net speech of local recordings (--no-speech: headers only)",
      })
      .option("shard-size", {
        type: "number",
        describe: "Requests per manifest, i.e. per job (default and maximum: 10,000, the per-job quota)",
      })
      .options(sharedOptions),
  run: (context, args) => plan(context, args as unknown as PlanArgs),
};

export const enrollPrepareCommand: CommandDefinition = {
  command: "prepare <list>",
  describe: "Convert non-conforming recordings to 8 kHz mono PCM-16 and write a new caller list",
  examples: [
    [
      "$0 enroll prepare callers.csv --out prepared/",
      "Convert into prepared/ and write prepared/callers.csv",
    ],
  ],
  builder: (yargs) =>
    yargs
      .positional("list", { type: "string", describe: "Caller list: CSV, JSONL or a Voice ID manifest" })
      .option("out", {
        type: "string",
        demandOption: true,
        describe: "Folder for converted files and the new list",
      })
      .options(sharedOptions),
  run: (context, args) => prepare(context, args as unknown as PrepareArgs),
};
