import { rm } from "node:fs/promises";
import { isAbsolute, join, relative, resolve } from "node:path";
import { type AwsClients, CvkError, type EnvironmentSelection } from "@cvk/core";
import { type AwsSession, DEFAULT_SANDBOX_DIR, openAwsSession } from "../aws-session.ts";
import type { CommandDefinition } from "../command.ts";
import type { CommandContext } from "../context.ts";
import type { Output } from "../output.ts";
import { connectInstanceId } from "./connect-target.ts";

type MigrationModule = typeof import("@cvk/migration");
type MigrationReport = import("@cvk/migration").MigrationReport;
type Sandbox = import("@cvk/harness").Sandbox;

/** Migrations live here by default, one folder per environment (journal, plans, runs, reports). */
export const DEFAULT_MIGRATIONS_DIR = ".cvk/migrations";
/** The demo's working folder (config, lists, generated recordings, its own sandbox and migrations). */
export const DEFAULT_DEMO_DIR = ".cvk/demo";

interface MigrateArgs {
  plan?: boolean;
  demo?: boolean;
  dir?: string;
  demoDir?: string;
  pollInterval?: number;
  concurrency?: number;
}

function shown(context: CommandContext, path: string): string {
  const rel = relative(context.cwd, path);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : path;
}

function checkPositive(name: string, value: number | undefined, allowZero = false): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new CvkError(
      "USAGE",
      `--${name} ${value} is not a ${allowZero ? "non-negative" : "positive"} whole number`,
      {
        hint: `Pass --${name} as a whole number, e.g. --${name} ${allowZero ? 500 : 8}.`,
      },
    );
  }
  return value;
}

/** Turns Ctrl-C / SIGTERM into the migration's AbortSignal while `work` runs. */
async function withSignal<T>(output: Output, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = () => {
    output.warn(
      "stopping after the current step (Ctrl-C again to kill; the migration journal stays consistent)",
    );
    controller.abort();
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    return await work(controller.signal);
  } finally {
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  }
}

/**
 * The sandbox holds no phone numbers but the one it seeds per instance: claim the configured ones
 * for the environment's instance, as one would have claimed them in Connect.
 */
function seedSandboxNumbers(
  output: Output,
  sandbox: Sandbox,
  environment: EnvironmentSelection,
  instanceId: string,
): void {
  for (const { number } of environment.config.connect?.phoneNumbers ?? []) {
    if (!/^\+[1-9]\d{1,14}$/.test(number)) continue;
    try {
      sandbox.engine.connect.addPhoneNumber({ phoneNumber: number, instanceId });
      output.event({
        type: "info",
        step: "sandbox",
        message: `claimed ${number} for instance ${instanceId} (environment ${environment.name})`,
      });
    } catch (error) {
      // Claimed already (by this instance on an earlier run, or by another: associating then says so).
      if ((error as { type?: string }).type !== "DuplicateResourceException") throw error;
    }
  }
}

function counts(values: Record<string, number>): string {
  return Object.entries(values)
    .filter(([, n]) => n > 0)
    .map(([key, n]) => `${key} ${n}`)
    .join(", ");
}

const MARKS: Record<string, string> = {
  done: "✓",
  planned: "•",
  skipped: "-",
  failed: "✗",
  "not reached": " ",
};

/** The human summary of one migration (stdout). */
function printReport(context: CommandContext, report: MigrationReport): void {
  const { output } = context;
  const plan = report.mode === "plan";
  const e = report.enrollment;
  if (output.options.quiet) {
    const parts = [`${report.env}: ${report.outcome}`];
    if (e)
      parts.push(
        plan ? `${e.counts.PLANNED ?? 0} callers to enroll` : `${e.enrolled}/${e.callers} callers enrolled`,
      );
    if (report.flows.length > 0)
      parts.push(
        `${report.flows.filter((f) => f.published).length}/${report.flows.length} flow(s) ${plan ? "to publish" : "published"}`,
      );
    if (report.verification) parts.push(`verification ${report.verification.passed ? "passed" : "failed"}`);
    if (plan) parts.push(`${report.writes.length} kind(s) of write planned`);
    parts.push(shown(context, report.paths.reportHtml));
    output.line(parts.join("; "));
    return;
  }
  output.line(
    `${plan ? "plan for" : "migration of"} ${report.env}: ${report.outcome}${plan ? " (nothing written)" : ""} — migration ${report.migrationId}${
      report.invocations > 1 ? `, resumed (${report.invocations} invocations)` : ""
    }`,
  );
  for (const step of report.steps) {
    if (step.status === "not reached" && !report.failure) continue;
    output.line(
      `  ${MARKS[step.status] ?? " "} ${step.title}: ${step.summary || step.status}${step.earlier ? " (done earlier)" : ""}`,
    );
  }
  if (e) {
    output.line();
    output.line(
      plan
        ? `enrollment: ${e.callers} callers — ${e.counts.PLANNED ?? 0} to enroll${e.counts.AFTER_PREPARE ? ` and ${e.counts.AFTER_PREPARE} more once prepare converts their recordings` : ""}, ${e.excluded} excluded by the plan`
        : `enrollment: ${e.callers} callers — ${e.enrolled} enrolled, ${e.failed} failed, ${e.excluded} excluded (${counts(e.counts)})`,
    );
    if (e.byReason.length > 0) {
      output.line(`  not enrolled, by reason:`);
      for (const r of e.byReason)
        output.line(
          `    ${r.reason.padEnd(22)} ${String(r.count).padStart(4)}  ${r.stage === "plan" ? "excluded by the plan" : "failed in the job"}: ${r.explanation}`,
        );
    }
    if (e.prepare && e.prepare.converted > 0) {
      output.line(
        `  prepare ${plan ? "would convert" : "converted"} ${e.prepare.converted} recording(s) (${counts(e.prepare.fixedByReason)})${
          e.prepare.unfixable > 0 ? `; ${e.prepare.unfixable} could not be` : ""
        }`,
      );
    }
  }
  for (const flow of report.flows) {
    output.line(
      `flow "${flow.name}": ${flow.outcome}${flow.published ? (plan ? ", to be published" : ", published") : ", not published"}; lint ${flow.lint.errors} error(s), ${flow.lint.warnings} warning(s)`,
    );
  }
  if (report.instance) {
    const association = {
      associated: "associated",
      "already-associated": "already associated",
      "would-associate": "to be associated",
    }[report.instance.association];
    output.line(
      `instance ${report.instance.instanceId}: Voice ID ${association}${
        report.instance.phoneNumbers.length > 0
          ? `; ${report.instance.phoneNumbers.map((n) => `${n.number} → "${n.flow}"`).join(", ")}`
          : ""
      }`,
    );
  }
  if (report.verification) {
    const v = report.verification;
    output.line(
      `verification: ${v.passed ? "passed" : "FAILED"} (${v.counts.passed} passed, ${v.counts.failed} failed, ${v.counts.skipped} skipped)`,
    );
    for (const check of v.checks.filter((c) => c.status === "failed"))
      output.line(`  ✗ ${check.name}: ${check.message ?? ""}`);
  }
  if (plan) {
    output.line();
    if (report.writes.length === 0)
      output.line("writes a migration would make: none (everything is in place)");
    else {
      output.line(`writes a migration would make (${report.writes.length}):`);
      for (const w of report.writes) {
        output.line(
          `  ${w.step.padEnd(16)} ${`${w.service}:${w.operation}`.padEnd(38)} ${w.count && w.count > 1 ? `×${w.count} ` : ""}${w.summary}`,
        );
      }
    }
  }
  output.line(`report ${shown(context, report.paths.reportHtml)}`);
  output.line(`       ${shown(context, report.paths.reportJson)}`);
  if (e?.paths.reportCsv) output.line(`       ${shown(context, e.paths.reportCsv)} (one row per caller)`);
}

/** Counts the sandbox's requests since `from`: a plan must show zero writes. */
function sandboxRequests(sandbox: Sandbox, from: number) {
  const entries = sandbox.log.entries().slice(from);
  const writes = entries.filter((entry) => entry.write);
  return {
    requests: entries.length,
    writes: writes.length,
    writeOperations: [...new Set(writes.map((entry) => `${entry.service}:${entry.operation}`))].sort(),
  };
}

function needsInstance(environment: EnvironmentSelection): boolean {
  const connect = environment.config.connect;
  return Boolean(
    connect?.instanceId || (connect?.flows ?? []).length > 0 || (connect?.phoneNumbers ?? []).length > 0,
  );
}

async function migrate(context: CommandContext, args: MigrateArgs): Promise<number> {
  if (args.demo) return await demo(context, args);
  const { output } = context;
  const command = "cvk migrate";
  const environment = context.settings().environment;
  if (!environment) {
    throw new CvkError("CONFIG_NOT_FOUND", `${command} needs cvk.config.yaml and --env NAME`, {
      hint: "Create ./cvk.config.yaml (see fixtures/cvk.config.example.yaml) or pass --config FILE; `npm run demo` shows a whole migration on the sandbox.",
    });
  }
  const pollIntervalMs = checkPositive("poll-interval", args.pollInterval, true);
  const concurrency = checkPositive("concurrency", args.concurrency);
  const dir = resolve(context.cwd, args.dir ?? join(DEFAULT_MIGRATIONS_DIR, environment.name));
  const migration: MigrationModule = await import("@cvk/migration");
  const session: AwsSession = await openAwsSession(context.settings(), {
    sandboxDir: resolve(context.cwd, DEFAULT_SANDBOX_DIR),
  });
  try {
    const instanceId = needsInstance(environment)
      ? await connectInstanceId(context, session, environment, command)
      : undefined;
    if (session.harness && instanceId) seedSandboxNumbers(output, session.harness, environment, instanceId);
    const logFrom = session.harness?.log.entries().length ?? 0;
    const { report, error } = await withSignal(output, (signal) =>
      migration.runMigration({
        environment,
        clients: session.clients,
        ...(instanceId ? { instanceId } : {}),
        dir,
        plan: args.plan === true,
        createBuckets: session.sandbox,
        ...(context.settings().region.value ? { region: context.settings().region.value } : {}),
        ...(pollIntervalMs === undefined ? {} : { pollIntervalMs }),
        ...(concurrency === undefined ? {} : { concurrency }),
        signal,
        onEvent: output.event,
      }),
    );
    output.endProgress();
    if (session.harness) output.data("sandbox-requests", sandboxRequests(session.harness, logFrom));
    output.data("migration", { ...report });
    printReport(context, report);
    if (error) throw error;
    return 0;
  } finally {
    await session.close();
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

async function demo(context: CommandContext, args: MigrateArgs): Promise<number> {
  const { output } = context;
  if (context.flags.endpointUrl) {
    throw new CvkError(
      "USAGE",
      "--demo runs on its own embedded sandbox; --endpoint-url cannot be combined with it",
      {
        hint: "Drop --endpoint-url, or run `cvk migrate --env NAME --endpoint-url URL` with your own config.",
      },
    );
  }
  const started = performance.now();
  const migration: MigrationModule = await import("@cvk/migration");
  const core = await import("@cvk/core");
  const { createSandbox, serveSandbox } = await import("@cvk/harness");
  const { AudioWorkerPool } = await import("@cvk/audio");
  const demoDir = resolve(context.cwd, args.demoDir ?? DEFAULT_DEMO_DIR);
  // Every demo starts afresh: the last one's sandbox state and migrations go; the recordings stay.
  await rm(join(demoDir, "sandbox"), { recursive: true, force: true });
  await rm(join(demoDir, "migrations"), { recursive: true, force: true });
  const workspace = await migration.materializeDemo({ dir: demoDir, onEvent: output.event });
  const loaded = core.loadConfigFile(workspace.config, { displayPath: shown(context, workspace.config) });
  const names = context.flags.env ? [context.flags.env] : Object.keys(loaded.file.environments);
  const environments = names.map((name) => core.selectEnvironment(loaded, name));

  const sandbox = createSandbox({ dataDir: join(demoDir, "sandbox") });
  const running = await serveSandbox(sandbox, { host: "127.0.0.1", port: 0 });
  const pool = new AudioWorkerPool();
  const results: ({ report: MigrationReport; error?: CvkError } | undefined)[] = [];
  try {
    await withSignal(output, async (signal) => {
      // The environments overlap: each starts once the one before has planned its enrollment (the
      // audio work on worker threads), and runs its jobs once that one's jobs are done — the sandbox
      // analyses the same recordings once, on this thread, and reuses the analysis for the next.
      const planned = environments.map(() => deferred());
      const enrolled = environments.map(() => deferred());
      await Promise.all(
        environments.map(async (environment, index) => {
          try {
            if (index > 0) await planned[index - 1]?.promise;
            results[index] = await demoMigration(environment, signal, async (step) => {
              if (step === "enrollment.run") {
                planned[index]?.resolve();
                if (index > 0) await enrolled[index - 1]?.promise;
              } else if (step === "flows" || step === "instance" || step === "verify")
                enrolled[index]?.resolve();
            });
          } finally {
            planned[index]?.resolve();
            enrolled[index]?.resolve();
          }
        }),
      );
    });
  } finally {
    await pool.destroy();
    await running.close();
    sandbox.close();
  }
  const reports = results.filter((r) => r !== undefined).map((r) => r.report);
  const failure = results.find((r) => r?.error)?.error;

  async function demoMigration(
    environment: EnvironmentSelection,
    signal: AbortSignal,
    beforeStep: (step: string) => Promise<void>,
  ): Promise<{ report: MigrationReport; error?: CvkError }> {
    const region = environment.config.region ?? "us-west-2";
    // The sandbox enforces no quota, so the clients do not pace themselves to AWS's.
    const clients: AwsClients = await core.createAwsClients({
      region,
      endpoint: running.url,
      credentials: { accessKeyId: "cvk-sandbox", secretAccessKey: "cvk-sandbox" },
      // The CLI adds no middleware after a client's first request.
      cacheMiddleware: true,
      limiter: false,
    });
    try {
      const instanceId = environment.config.connect?.instanceId ?? "";
      if (!sandbox.engine.connect.findInstance(instanceId)) {
        sandbox.engine.connect.createInstance({
          alias: `cvk-demo-${environment.name}`,
          region,
          id: instanceId,
        });
      }
      seedSandboxNumbers(output, sandbox, environment, instanceId);
      return await migration.runMigration({
        environment,
        clients,
        instanceId,
        dir: join(demoDir, "migrations", environment.name),
        plan: args.plan === true,
        createBuckets: true,
        pool,
        region,
        pollIntervalMs: 100,
        beforeStep,
        signal,
        onEvent: output.event,
      });
    } finally {
      clients.destroy();
    }
  }
  output.endProgress();
  const seconds = (performance.now() - started) / 1000;
  output.data("demo", {
    seconds,
    generatedRecordings: workspace.generated,
    generationSeconds: workspace.generationMs / 1000,
    reports: reports.map((r) => ({
      env: r.env,
      outcome: r.outcome,
      html: r.paths.reportHtml,
      json: r.paths.reportJson,
    })),
  });
  for (const report of reports) {
    output.data("migration", { ...report });
    printReport(context, report);
    if (!output.options.quiet) output.line();
  }
  if (!output.options.quiet) {
    const published = reports
      .filter((r) => r.flows.length > 0 && r.flows.every((f) => f.published))
      .map((r) => r.env);
    output.line(
      `demo ${failure ? "stopped" : "finished"} in ${seconds.toFixed(1)} s${
        workspace.generated > 0
          ? ` (${workspace.generated} recordings synthesised first, ${(workspace.generationMs / 1000).toFixed(1)} s)`
          : ""
      }: flow ${args.plan ? "to be published" : "published"} in ${published.join(" and ") || "no environment"}`,
    );
    for (const r of reports) {
      const e = r.enrollment;
      const reasons = e?.byReason.map((x) => `${x.reason} ${x.count}`).join(", ");
      output.line(
        `  ${r.env.padEnd(5)} ${
          e
            ? args.plan
              ? `${e.counts.PLANNED ?? 0}/${e.callers} callers to enroll`
              : `${e.enrolled}/${e.callers} callers enrolled`
            : ""
        }${reasons ? ` (not: ${reasons})` : ""}${e?.prepare?.converted ? `; ${e.prepare.converted} recordings fixed by prepare` : ""}; flow ${
          r.flows.every((f) => f.published) ? (args.plan ? "to be published" : "published") : "NOT published"
        }; verification ${r.verification ? (r.verification.passed ? "passed" : "FAILED") : "not run"}`,
      );
      output.line(`        ${shown(context, r.paths.reportHtml)}`);
    }
    output.line(
      `  the demo's files: ${shown(context, demoDir)} (config, caller list, recordings, sandbox state)`,
    );
    output.line(`  look around: cvk sandbox serve --data-dir ${shown(context, join(demoDir, "sandbox"))}`);
  }
  if (failure) throw failure;
  return 0;
}

export const migrateCommand: CommandDefinition = {
  command: "migrate",
  describe:
    "Migrate an environment: domain → fraudsters → enrollment → flow → instance → verify → report (resumable)",
  examples: [
    ["$0 migrate --env prod --plan", "Every write the migration would make; makes none"],
    ["$0 migrate --env dev", "Run (or resume) the whole migration of dev against AWS"],
    ["$0 migrate --env dev --sandbox", "The same on the embedded sandbox (state in .cvk/sandbox)"],
    [
      "$0 migrate --env prod --endpoint-url http://127.0.0.1:4599 --json",
      "Against any Voice ID-compatible endpoint, as NDJSON events",
    ],
    [
      "$0 migrate --demo",
      "The demo: 200 synthetic callers into dev and prod on a fresh sandbox (npm run demo)",
    ],
  ],
  builder: (yargs) =>
    yargs
      .option("plan", {
        type: "boolean",
        describe: "Read only: print every write the migration would make, and make none",
      })
      .option("dir", {
        type: "string",
        describe: `The migration's folder: journal, plans, runs, report.html (default ${DEFAULT_MIGRATIONS_DIR}/<env>)`,
      })
      .option("demo", {
        type: "boolean",
        describe: `Migrate the shipped demo (fixtures/demo) on a fresh embedded sandbox, recordings generated into ${DEFAULT_DEMO_DIR}`,
      })
      .option("demo-dir", {
        type: "string",
        describe: `The demo's working folder (default ${DEFAULT_DEMO_DIR})`,
      })
      .option("poll-interval", {
        type: "number",
        describe: "First wait between batch job status checks, in ms (default 2000, then backing off)",
      })
      .option("concurrency", {
        type: "number",
        describe: "Uploads in flight (default: enrollment.concurrency, else 64)",
      }),
  run: (context, args) => migrate(context, args as unknown as MigrateArgs),
};
