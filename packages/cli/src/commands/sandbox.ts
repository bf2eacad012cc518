import { createWriteStream, openSync, type WriteStream } from "node:fs";
import { CvkError } from "@cvk/core";
import { DEFAULT_SANDBOX_DIR } from "../aws-session.ts";
import type { CommandDefinition } from "../command.ts";
import type { CommandContext } from "../context.ts";

type Sandbox = import("@cvk/harness").Sandbox;

interface ServeArgs {
  host: string;
  port: number;
  dataDir: string;
  jobs: string;
  enforceQuotas: boolean;
  faults?: string;
  minSpeech: number;
  requestLog?: string;
}

/** `immediate`, `polls:N` (one job step per N describes) or `rate:R` (requests per second). */
function parseJobProgression(text: string) {
  if (text === "immediate") return { mode: "immediate" } as const;
  const [mode, value] = text.split(":");
  const number = Number(value);
  if (mode === "polls" && Number.isInteger(number) && number > 0)
    return { mode: "polls", describesPerStep: number } as const;
  if (mode === "rate" && number > 0) return { mode: "clock", requestsPerSecond: number } as const;
  throw new CvkError("USAGE", `--jobs ${text} is not a job progression`, {
    hint: "Use immediate, polls:N (a step per N Describe calls) or rate:R (requests processed per second).",
  });
}

/**
 * Appends every request the sandbox answers to `path` as one JSON line (what the in-process
 * `sandbox.log` holds): an audit a test or a CI job reads after the fact — no duplicate jobs
 * (distinct `resource` ids of StartSpeakerEnrollmentJob), no writes during a plan, the faults
 * injected. Appended, so a restarted sandbox adds to the same file.
 */
function openRequestLog(path: string, sandbox: Sandbox): WriteStream {
  let fd: number;
  try {
    fd = openSync(path, "a");
  } catch (error) {
    throw new CvkError("USAGE", `Cannot open the request log ${path}: ${(error as Error).message}`, {
      hint: "Pass --request-log a file in a folder that exists and that you can write to.",
      cause: error,
    });
  }
  const stream = createWriteStream(path, { fd });
  sandbox.log.subscribe((entry) => {
    stream.write(`${JSON.stringify(entry)}\n`);
  });
  return stream;
}

async function serve(context: CommandContext, args: ServeArgs): Promise<number> {
  if (!(Number.isFinite(args.minSpeech) && args.minSpeech > 0 && args.minSpeech <= 600)) {
    throw new CvkError("USAGE", `--min-speech ${args.minSpeech} is not a number of seconds in 0–600`, {
      hint: "Voice ID's own minimum is 30 s; tests with short recordings use a few seconds.",
    });
  }
  const { createSandbox, parseFaultConfig, serveSandbox } = await import("@cvk/harness");
  const { readFile } = await import("node:fs/promises");
  let faults: import("@cvk/harness").FaultConfig | undefined;
  if (args.faults) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(args.faults, "utf8"));
    } catch (error) {
      throw new CvkError(
        "INPUT_INVALID",
        `Cannot read the fault configuration ${args.faults}: ${(error as Error).message}`,
        {
          hint: 'Write JSON such as {"seed": 7, "global": {"throttle": 0.2, "serverError": 0.05}}.',
        },
      );
    }
    faults = parseFaultConfig(parsed, args.faults);
  }
  const sandbox = createSandbox({
    dataDir: args.dataDir,
    jobs: parseJobProgression(args.jobs),
    enforceQuotas: args.enforceQuotas,
    minNetSpeechSeconds: args.minSpeech,
    ...(faults ? { faults } : {}),
  });
  let requestLog: import("node:fs").WriteStream | undefined;
  let running: Awaited<ReturnType<typeof serveSandbox>>;
  try {
    if (args.requestLog) requestLog = openRequestLog(args.requestLog, sandbox);
    running = await serveSandbox(sandbox, { host: args.host, port: args.port });
  } catch (error) {
    requestLog?.destroy();
    sandbox.close();
    throw error;
  }
  const { output } = context;
  if (!["127.0.0.1", "::1", "localhost"].includes(args.host)) {
    output.warn(
      `the sandbox has no authentication and is listening on ${args.host}, not only on this machine`,
    );
  }
  output.data("listening", { url: running.url, dataDir: args.dataDir });
  output.line(`listening on ${running.url}`);
  output.line(
    `state in ${args.dataDir}; use --endpoint-url ${running.url} (any access key works); Ctrl-C stops`,
  );
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await running.close();
  const log = requestLog;
  if (log) await new Promise<void>((resolve) => log.end(resolve));
  sandbox.close();
  output.line("sandbox stopped");
  return 0;
}

const sandboxServeCommand: CommandDefinition = {
  command: "serve",
  describe: "Serve the Voice ID, S3 and Connect sandbox on a loopback port for any AWS client",
  examples: [
    ["$0 sandbox serve", "Listen on http://127.0.0.1:4599 with state in .cvk/sandbox"],
    ["$0 sandbox serve --port 0 --jobs polls:3", "A free port; jobs advance one step every 3 Describe calls"],
    [
      "aws voice-id list-domains --endpoint-url http://127.0.0.1:4599 --region us-west-2",
      "Use it from the AWS CLI (any access key)",
    ],
  ],
  builder: (yargs) =>
    yargs
      .option("host", {
        type: "string",
        default: "127.0.0.1",
        describe: "Interface to bind (loopback by default)",
      })
      .option("port", { type: "number", default: 4599, describe: "Port (0: any free port)" })
      .option("data-dir", {
        type: "string",
        default: DEFAULT_SANDBOX_DIR,
        describe: "Where the sandbox keeps its state",
      })
      .option("jobs", {
        type: "string",
        default: "immediate",
        describe: "Job progression: immediate, polls:N or rate:R (requests/s)",
      })
      .option("enforce-quotas", {
        type: "boolean",
        default: false,
        describe: "Throttle beyond the documented per-API TPS",
      })
      .option("faults", {
        type: "string",
        describe: "JSON file of faults to inject (seeded, deterministic)",
      })
      .option("request-log", {
        type: "string",
        describe: "Append every request answered to this file as JSON lines (an audit for tests and CI)",
      })
      .option("min-speech", {
        type: "number",
        default: 30,
        describe: "Net speech (s) a speaker needs to enroll; Voice ID's is 30, lower it for short test audio",
      }),
  run: (context, args) => serve(context, args as unknown as ServeArgs),
};

export const sandboxCommand: CommandDefinition = {
  command: "sandbox",
  describe: "The wire-level sandbox of Voice ID, S3 and Connect",
  examples: [["$0 sandbox serve", "Serve it on http://127.0.0.1:4599"]],
  subcommands: [sandboxServeCommand],
};
