import { resolve } from "node:path";
import { CvkError, writeFileAtomic } from "@cvk/core";
import type { CommandDefinition } from "../command.ts";
import type { CommandContext } from "../context.ts";
import { connectEnvironment, connectInstanceId, withConnectSession } from "./connect-target.ts";

type Scope = import("@cvk/verification").VerifyScope;

interface VerifyArgs {
  expected?: string;
  sample?: number;
  sampleSeed?: number;
  strategy?: "auto" | "sweep" | "describe";
  flow?: string;
  junit?: string;
  markdown?: string;
  showIds?: boolean;
}

/**
 * Runs @cvk/verification's verifyEnvironment, prints the report (a table, or `--json`), writes
 * `--junit` and `--markdown` atomically, and turns any failed check into CHECK_FAILED (exit 1).
 */
async function verify(context: CommandContext, scope: Scope, args: VerifyArgs): Promise<number> {
  const { output } = context;
  const command = `cvk verify ${scope}`;
  const module = await import("@cvk/verification");
  const environment =
    scope === "speakers" ? context.settings().environment : connectEnvironment(context, command);
  // Read the expected set (and fail on a bad path) before opening a session.
  const expected = args.expected
    ? await module.readExpectedSpeakers(resolve(context.cwd, args.expected))
    : undefined;

  const report = await withConnectSession(context, async (session) => {
    const instanceId =
      scope !== "speakers" && environment
        ? await connectInstanceId(context, session, environment, command)
        : undefined;
    return await module.verifyEnvironment({
      scope,
      ...(environment ? { environment } : {}),
      clients: session.clients,
      ...(instanceId ? { instanceId } : {}),
      ...(expected ? { expected } : {}),
      ...(args.flow === undefined ? {} : { flow: args.flow }),
      ...(args.strategy ? { strategy: args.strategy } : {}),
      ...(args.sample === undefined ? {} : { sample: args.sample }),
      ...(args.sampleSeed === undefined ? {} : { sampleSeed: args.sampleSeed }),
      showIds: args.showIds === true,
      onEvent: output.event,
    });
  });

  const written: string[] = [];
  if (args.junit) {
    const path = resolve(context.cwd, args.junit);
    await writeFileAtomic(path, module.renderJunit(report));
    written.push(path);
  }
  if (args.markdown) {
    const path = resolve(context.cwd, args.markdown);
    await writeFileAtomic(path, module.renderMarkdown(report));
    written.push(path);
  }
  output.data("verify-report", { ...report, written });
  if (!output.options.json) {
    output.line(module.renderTable(report).trimEnd());
    for (const path of written) output.line(`wrote ${path}`);
  }
  const failed = module.failedChecks(report);
  if (failed.length > 0) {
    const ids = failed.map((check) => check.id);
    throw new CvkError(
      "CHECK_FAILED",
      `${failed.length} of ${report.summary.total} checks failed: ${ids.slice(0, 6).join(", ")}${ids.length > 6 ? `, +${ids.length - 6} more` : ""}`,
      {
        hint: "Each failed check above says what it found and how to fix it; re-run cvk verify afterwards.",
        details: { failed: ids },
      },
    );
  }
  return 0;
}

const REPORT_OPTIONS = (yargs: import("yargs").Argv) =>
  yargs
    .option("junit", {
      type: "string",
      describe: "Also write JUnit XML here (one test case per check; atomic)",
    })
    .option("markdown", {
      type: "string",
      describe: "Also write Markdown here (a PR comment or $GITHUB_STEP_SUMMARY; atomic)",
    })
    .option("show-ids", {
      type: "boolean",
      describe:
        "Show CustomerSpeakerIds in reports (masked by default: the Voice ID model marks them sensitive)",
    });

const SPEAKER_OPTIONS = (yargs: import("yargs").Argv, required: boolean) =>
  yargs
    .option("expected", {
      type: "string",
      describe: `Who should be enrolled: an enrollment run directory, a Voice ID .out file, a caller list (CSV/JSONL), a manifest or a plan directory${required ? "" : " (without it, speakers are skipped)"}`,
    })
    .option("sample", {
      type: "number",
      describe: "Also re-read N random callers with DescribeSpeaker and compare with the ListSpeakers sweep",
    })
    .option("sample-seed", {
      type: "number",
      describe: "Seed for --sample (default random; the report names it)",
    })
    .option("strategy", {
      choices: ["auto", "sweep", "describe"] as const,
      default: "auto" as const,
      describe:
        "auto: the faster of a ListSpeakers sweep (5 TPS, 100 a page) and DescribeSpeaker per caller (10 TPS)",
    });

const FLOW_OPTION = (yargs: import("yargs").Argv) =>
  yargs.option("flow", { type: "string", describe: "Only this flow of connect.flows (by name)" });

const speakers: CommandDefinition = {
  command: "speakers",
  describe:
    "Check that every expected caller is ENROLLED (not missing, opted out, expired, pending or re-enrolled)",
  examples: [
    ["$0 verify speakers --env prod --expected .cvk/runs/3f9c2a", "Every caller the enrollment run enrolled"],
    [
      "$0 verify speakers --env prod --expected callers.csv --sample 50 --junit verify.xml",
      "A caller list, 50 random callers double-checked, JUnit for CI",
    ],
    [
      "$0 verify speakers --sandbox --expected .cvk/runs/3f9c2a",
      "No config: the run directory names its domain",
    ],
  ],
  builder: (yargs) => REPORT_OPTIONS(SPEAKER_OPTIONS(yargs, true)),
  run: (context, args) => verify(context, "speakers", args as VerifyArgs),
};

const flow: CommandDefinition = {
  command: "flow",
  describe:
    "Check each configured flow: exists, published, same as `cvk flow render`, Voice ID settings, Customer ID",
  examples: [
    ["$0 verify flow --env prod", "Every flow of connect.flows on the prod instance"],
    [
      "$0 verify flow --env dev --sandbox --markdown verify.md",
      "Against the embedded sandbox, Markdown for a PR",
    ],
  ],
  builder: (yargs) => REPORT_OPTIONS(FLOW_OPTION(yargs)),
  run: (context, args) => verify(context, "flow", args as VerifyArgs),
};

const instance: CommandDefinition = {
  command: "instance",
  describe:
    "Check Voice ID is on for the instance: integration → configured domain, domain ACTIVE, encryption, watchlists",
  examples: [
    ["$0 verify instance --env prod", "The prod instance and its Voice ID domain"],
    ["$0 verify instance --env dev --endpoint-url http://127.0.0.1:4599", "Against `cvk sandbox serve`"],
  ],
  builder: (yargs) => REPORT_OPTIONS(yargs),
  run: (context, args) => verify(context, "instance", args as VerifyArgs),
};

const all: CommandDefinition = {
  command: "all",
  describe: "speakers, flow and instance in one run: the gate for a pipeline after a migration or deploy",
  examples: [
    [
      "$0 verify all --env prod --expected .cvk/runs/3f9c2a --junit verify.xml --markdown verify.md",
      "Everything; exit 1 if any check fails",
    ],
    ["$0 verify all --env dev --sandbox --expected .cvk/runs/3f9c2a --json", "The report as JSON"],
  ],
  builder: (yargs) => REPORT_OPTIONS(FLOW_OPTION(SPEAKER_OPTIONS(yargs, false))),
  run: (context, args) => verify(context, "all", args as VerifyArgs),
};

export const verifyCommand: CommandDefinition = {
  command: "verify",
  describe: "Post-migration smoke checks a pipeline can gate on (exit 0 all pass, 1 a check failed, 2 usage)",
  examples: [
    [
      "$0 verify all --env prod --expected .cvk/runs/3f9c2a --junit verify.xml",
      "The CI gate after `cvk enroll run`",
    ],
    ["$0 verify speakers --env prod --expected callers.csv", "Only the callers"],
  ],
  subcommands: [speakers, flow, instance, all],
};
