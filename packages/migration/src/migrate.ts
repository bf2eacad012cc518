/**
 * `cvk migrate`: the whole migration of one environment, in order — domain (and KMS key) → watchlist
 * and fraudster registration → enrollment (check, prepare, plan, upload, jobs, collect) → flows
 * (render, lint, deploy, publish) → the instance (Voice ID association, phone numbers) → verify all →
 * one report (`report.json`, `report.html`).
 *
 * Resumable as a whole: every step's result is journaled in `<dir>/journal.jsonl` when it is done, and
 * a re-run of an unfinished migration with the same settings skips the steps done and resumes the one
 * that was running (each step resumes itself: the enrollment and fraudster runs from their own
 * journals, the rest because they are idempotent by name). A migration that finished, or whose
 * settings changed, is followed by a new one, whose steps find everything in place and write nothing.
 *
 * `plan: true` makes every read a migration makes and no write at all: the report lists the writes a
 * migration would make. Local planning files go to `<dir>/dry-run/`, apart from a real migration's.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { AudioWorkerPool } from "@cvk/audio";
import {
  type CvkError,
  CvkError as CvkErrorClass,
  locateSetting,
  RunJournal,
  stepReporter,
  systemClock,
  toCvkError,
} from "@cvk/core";
import { checkAbort, type MigrateOptions, prefixedEvents, type StepContext } from "./context.ts";
import { domainStep } from "./domain-step.ts";
import {
  type CheckResult,
  checkStep,
  type PlanResult,
  type PrepareResult,
  planStep,
  prepareStep,
  runStep,
} from "./enrollment-step.ts";
import { configuredFlows, flowsStep } from "./flows-step.ts";
import { fraudstersConfigured, fraudstersStep } from "./fraudsters-step.ts";
import { instanceStep } from "./instance-step.ts";
import { deriveMigrationState, MIGRATION_JOURNAL, type MigrationState } from "./journal.ts";
import { writeMigrationReport } from "./report.ts";
import { readJournalFile } from "./runs.ts";
import {
  type DomainOutcome,
  type EnrollmentOutcome,
  type FlowOutcome,
  type FraudstersOutcome,
  type InstanceOutcome,
  MIGRATION_STEPS,
  type MigrationReport,
  type MigrationStepId,
  type StepRecord,
  type VerificationOutcome,
} from "./types.ts";
import { verifyStep } from "./verify-step.ts";

export interface MigrationResult {
  report: MigrationReport;
  /** Why the migration stopped, when it did not succeed (the report has it too, as plain data). */
  error?: CvkError;
}

interface StoredStep {
  outcome: unknown;
  summary: string;
}

/**
 * A digest of what a migration acts on: the environment's merged settings and the size and time of
 * its input lists. An unfinished migration resumes only while this is unchanged.
 */
export function migrationConfigHash(options: Pick<MigrateOptions, "environment" | "instanceId">): string {
  const { config, baseDir, name } = options.environment;
  const lists = [config.enrollment?.callers, config.fraudsters?.list]
    .filter((list): list is string => typeof list === "string")
    .map((list) => {
      const path = resolve(baseDir, list);
      if (!existsSync(path)) return `${path}:missing`;
      const info = statSync(path);
      return `${path}:${info.size}:${info.mtimeMs}`;
    });
  return createHash("sha256")
    .update(JSON.stringify({ name, config, instanceId: options.instanceId ?? null, lists }))
    .digest("hex")
    .slice(0, 16);
}

function newMigrationId(now: number): string {
  const stamp = new Date(now).toISOString().replace(/[-:]/g, "").slice(0, 15);
  return `${stamp}-${randomBytes(3).toString("hex")}`;
}

const TITLES = new Map<string, string>(MIGRATION_STEPS.map((step) => [step.id, step.title]));

/**
 * What can be checked before the first AWS call: the keys the configured steps need and the input
 * lists they read. A configuration error stops here (exit 2), before any domain is created.
 */
function preflight(options: MigrateOptions): void {
  const { environment } = options;
  const { config } = environment;
  const where = (key: string) => locateSetting(environment, key.split("."));
  const missing = (key: string, why: string) =>
    new CvkErrorClass(
      "CONFIG_INVALID",
      `${where(key)}: environments.${environment.name}.${key}: is required ${why}`,
      {
        hint: `Set ${key} under environments.${environment.name} (or under defaults) in cvk.config.yaml.`,
      },
    );
  const lists: [string, string | undefined][] = [
    ["enrollment.callers", config.enrollment?.callers],
    ["fraudsters.list", config.fraudsters?.list],
  ];
  for (const [key, list] of lists) {
    if (!list) continue;
    for (const needed of ["inputS3Uri", "outputS3Uri", "dataAccessRoleArn"] as const) {
      if (!config.enrollment?.[needed]) throw missing(`enrollment.${needed}`, `by ${key}`);
    }
    const path = resolve(environment.baseDir, list);
    if (!existsSync(path)) {
      throw new CvkErrorClass(
        "INPUT_NOT_FOUND",
        `${where(key)}: ${key} names ${path}, which does not exist`,
        {
          hint: `Fix ${key} (relative paths are taken from the config file's folder) or create the list.`,
        },
      );
    }
  }
  if (
    (config.enrollment?.callers || config.voiceId?.watchlist || config.fraudsters?.list) &&
    !config.voiceId?.domain
  )
    throw missing("voiceId.domain", "to enroll callers or register fraudsters");
  if ((config.connect?.flows ?? []).length > 0 && !config.connect?.instanceId && !options.instanceId)
    throw missing("connect.instanceId", "by connect.flows");
}

export async function runMigration(options: MigrateOptions): Promise<MigrationResult> {
  preflight(options);
  const env = options.environment.name;
  const dir = resolve(options.dir);
  const plan = options.plan === true;
  const clock = options.clock ?? systemClock;
  const overall = stepReporter(`${env}/migrate`, options.onEvent);
  const configHash = migrationConfigHash(options);
  const journalPath = join(dir, "journal.jsonl");
  const startedAt = new Date(clock.now()).toISOString();

  let journal: RunJournal | undefined;
  let state: MigrationState;
  let migrationId: string;
  /** Plan mode: the results of the latest migration with these settings, to say what is already done. */
  let earlier = new Map<string, unknown>();
  if (plan) {
    const prior = deriveMigrationState(readJournalFile(journalPath));
    if (prior.configHash === configHash)
      earlier = new Map([...prior.done].map(([step, stored]) => [step, (stored as StoredStep).outcome]));
    state = deriveMigrationState([]);
    migrationId = `plan-${newMigrationId(clock.now())}`;
  } else {
    journal = RunJournal.open(journalPath, { clock });
    state = deriveMigrationState(journal.entries);
    if (state.migrationId && !state.finished && state.configHash === configHash) {
      migrationId = state.migrationId;
      journal.append(MIGRATION_JOURNAL.resumed, { migrationId });
      state = deriveMigrationState(journal.entries);
      overall.info(`resuming migration ${migrationId} (${state.done.size} step(s) done earlier)`);
    } else {
      if (state.migrationId && !state.finished) {
        overall.info(
          `the settings changed since migration ${state.migrationId} stopped; starting a new one (every step is idempotent)`,
        );
      }
      migrationId = newMigrationId(clock.now());
      journal.append(MIGRATION_JOURNAL.started, { migrationId, env, configHash });
      state = deriveMigrationState(journal.entries);
    }
  }

  let ownPool: AudioWorkerPool | undefined;
  const context: StepContext = {
    options,
    env,
    config: options.environment.config,
    baseDir: options.environment.baseDir,
    dir,
    plan,
    clients: options.clients,
    writes: [],
    events: (stage) => prefixedEvents(options.onEvent, `${env}/${stage}`),
    pool: async () => {
      if (options.pool) return options.pool;
      if (!ownPool) {
        const { AudioWorkerPool } = await import("@cvk/audio");
        ownPool = new AudioWorkerPool();
      }
      return ownPool;
    },
    signal: options.signal,
  };

  const records = new Map<MigrationStepId, StepRecord>();
  const planMoments = new Map<string, { startedAt: string; finishedAt?: string }>();
  let failure: { step: MigrationStepId; error: CvkError } | undefined;
  /** The step being worked on, for a failure raised outside a step (e.g. Ctrl-C between steps). */
  let current: MigrationStepId = "domain";

  const config = context.config;
  const enrollmentConfigured = Boolean(config.enrollment?.callers);
  const domainConfigured = Boolean(config.voiceId?.domain);
  const applicable: Record<MigrationStepId, string | undefined> = {
    domain: domainConfigured || enrollmentConfigured ? undefined : "no voiceId.domain configured",
    fraudsters: fraudstersConfigured(context)
      ? undefined
      : "no voiceId.watchlist or fraudsters.list configured",
    "enrollment.check": enrollmentConfigured ? undefined : "no enrollment.callers configured",
    "enrollment.prepare": enrollmentConfigured ? undefined : "no enrollment.callers configured",
    "enrollment.plan": enrollmentConfigured ? undefined : "no enrollment.callers configured",
    "enrollment.run": enrollmentConfigured ? undefined : "no enrollment.callers configured",
    flows: configuredFlows(context).length > 0 ? undefined : "no connect.flows configured",
    instance:
      config.connect?.instanceId || options.instanceId
        ? domainConfigured
          ? undefined
          : "no voiceId.domain configured"
        : "no connect.instanceId configured",
    verify: plan ? "runs after the writes (not in a plan)" : undefined,
  };
  const total = MIGRATION_STEPS.filter((step) => applicable[step.id] === undefined).length;
  overall.started(
    total,
    `${plan ? "planning" : state.invocations > 1 ? "resuming" : "migrating"} ${env}: ${total} step(s)`,
  );
  let position = 0;

  /** Runs one step, or takes its result from the journal when this migration did it earlier. */
  async function step<T>(
    id: MigrationStepId,
    work: () => Promise<{ outcome: T; summary: string }>,
  ): Promise<T> {
    const title = TITLES.get(id) ?? id;
    current = id;
    position++;
    const stored = state.done.get(id) as StoredStep | undefined;
    if (stored) {
      const timing = state.timings.get(id);
      records.set(id, {
        step: id,
        title,
        status: "done",
        summary: stored.summary,
        earlier: true,
        ...(timing?.startedAt ? { startedAt: timing.startedAt } : {}),
        ...(timing?.finishedAt ? { finishedAt: timing.finishedAt } : {}),
      });
      overall.progress(position, total, `${title}: done earlier (${stored.summary})`);
      return stored.outcome as T;
    }
    checkAbort(context, id);
    await options.beforeStep?.(id);
    checkAbort(context, id);
    overall.progress(position - 1, total, title);
    const began = new Date(clock.now()).toISOString();
    journal?.append(MIGRATION_JOURNAL.stepStarted, { migrationId, step: id });
    planMoments.set(id, { startedAt: began });
    try {
      const result = await work();
      journal?.append(MIGRATION_JOURNAL.stepDone, {
        migrationId,
        step: id,
        result: { outcome: result.outcome, summary: result.summary } satisfies StoredStep,
      });
      const finishedAt = new Date(clock.now()).toISOString();
      records.set(id, {
        step: id,
        title,
        status: plan ? "planned" : "done",
        summary: result.summary,
        startedAt: began,
        finishedAt,
      });
      overall.progress(position, total, `${title}: ${result.summary}`);
      return result.outcome;
    } catch (error) {
      const cvk = toCvkError(error);
      journal?.append(MIGRATION_JOURNAL.stepFailed, {
        migrationId,
        step: id,
        code: cvk.code,
        message: cvk.message,
      });
      records.set(id, {
        step: id,
        title,
        status: "failed",
        summary: `${cvk.code}: ${cvk.message}`,
        startedAt: began,
        finishedAt: new Date(clock.now()).toISOString(),
      });
      failure = { step: id, error: cvk };
      throw cvk;
    }
  }

  const skip = (id: MigrationStepId, why: string) => {
    records.set(id, { step: id, title: TITLES.get(id) ?? id, status: "skipped", summary: why });
  };

  let domain: DomainOutcome | undefined;
  let fraudsters: FraudstersOutcome | undefined;
  let enrollment: EnrollmentOutcome | undefined;
  let flows: FlowOutcome[] = [];
  let instance: InstanceOutcome | undefined;
  let verification: VerificationOutcome | undefined;
  try {
    const run = async <T>(id: MigrationStepId, work: () => Promise<{ outcome: T; summary: string }>) => {
      const why = applicable[id];
      if (why !== undefined) {
        skip(id, why);
        return undefined;
      }
      return await step(id, work);
    };
    domain = await run("domain", () => domainStep(context));
    const requireDomain = (): DomainOutcome => domain as DomainOutcome;
    fraudsters = await run("fraudsters", () =>
      fraudstersStep(context, requireDomain(), earlier.get("fraudsters") as FraudstersOutcome | undefined),
    );
    const check = await run<CheckResult>("enrollment.check", () => checkStep(context));
    let prepared: PrepareResult | undefined;
    if (plan && check && check.fixableLines.length > 0) {
      // A plan converts nothing: it says what prepare would convert, and plans the list as it is.
      records.set("enrollment.prepare", {
        step: "enrollment.prepare",
        title: TITLES.get("enrollment.prepare") ?? "",
        status: "planned",
        summary: `would convert ${check.fixableLines.length} recording(s) locally (no AWS write)`,
      });
      position++;
    } else {
      prepared = await run("enrollment.prepare", () => prepareStep(context, check as CheckResult));
    }
    const planned = await run<PlanResult>("enrollment.plan", () =>
      planStep(
        context,
        prepared ?? { list: resolve(context.baseDir, config.enrollment?.callers ?? ""), merged: false },
      ),
    );
    const prepareOutcome =
      prepared ??
      (plan && check && check.fixableLines.length > 0
        ? { converted: check.fixableLines.length, unfixable: 0, fixedByReason: check.fixableByReason }
        : undefined);
    enrollment = await run("enrollment.run", () =>
      runStep(
        context,
        requireDomain(),
        planned as PlanResult,
        prepareOutcome && prepareOutcome.converted > 0 ? prepareOutcome : undefined,
        earlier.get("enrollment.run") as EnrollmentOutcome | undefined,
      ),
    );
    flows = (await run("flows", () => flowsStep(context))) ?? [];
    instance = await run("instance", () => instanceStep(context, requireDomain(), flows));
    if (applicable.verify === undefined) {
      position++;
      current = "verify";
      checkAbort(context, "verify");
      await options.beforeStep?.("verify");
      const began = new Date(clock.now()).toISOString();
      journal?.append(MIGRATION_JOURNAL.stepStarted, { migrationId, step: "verify" });
      overall.progress(position - 1, total, TITLES.get("verify") ?? "verify");
      let result: Awaited<ReturnType<typeof verifyStep>>;
      try {
        result = await verifyStep(context, domain?.domainId ?? "", enrollment);
      } catch (error) {
        const cvk = toCvkError(error);
        journal?.append(MIGRATION_JOURNAL.stepFailed, {
          migrationId,
          step: "verify",
          code: cvk.code,
          message: cvk.message,
        });
        records.set("verify", {
          step: "verify",
          title: TITLES.get("verify") ?? "",
          status: "failed",
          summary: cvk.message,
          startedAt: began,
          finishedAt: new Date(clock.now()).toISOString(),
        });
        failure = { step: "verify", error: cvk };
        throw cvk;
      }
      verification = result.outcome;
      const finishedAt = new Date(clock.now()).toISOString();
      if (result.skipped) skip("verify", result.summary);
      else if (verification && !verification.passed) {
        // Not journaled as done: a re-run verifies again.
        journal?.append(MIGRATION_JOURNAL.stepFailed, {
          migrationId,
          step: "verify",
          code: "CHECK_FAILED",
          message: result.summary,
        });
        records.set("verify", {
          step: "verify",
          title: TITLES.get("verify") ?? "",
          status: "failed",
          summary: result.summary,
          startedAt: began,
          finishedAt,
        });
        const failed = verification.checks.filter((c) => c.status === "failed");
        failure = {
          step: "verify",
          error: new CvkErrorClass(
            "CHECK_FAILED",
            `Verification failed for ${env}: ${failed.length} check(s) failed (${failed
              .slice(0, 3)
              .map((c) => c.name)
              .join("; ")})`,
            {
              hint: "See the report's verification section; fix what it names and re-run `cvk migrate` (done steps are skipped).",
            },
          ),
        };
      } else {
        journal?.append(MIGRATION_JOURNAL.stepDone, {
          migrationId,
          step: "verify",
          result: { outcome: verification, summary: result.summary },
        });
        records.set("verify", {
          step: "verify",
          title: TITLES.get("verify") ?? "",
          status: "done",
          summary: result.summary,
          startedAt: began,
          finishedAt,
        });
      }
      overall.progress(position, total, `${TITLES.get("verify")}: ${result.summary}`);
    } else skip("verify", applicable.verify);
  } catch (error) {
    if (!failure) failure = { step: current, error: toCvkError(error) };
  } finally {
    await ownPool?.destroy();
  }

  const finalState = journal ? deriveMigrationState(journal.entries) : state;
  const steps: StepRecord[] = MIGRATION_STEPS.map(
    (s) => records.get(s.id) ?? { step: s.id, title: s.title, status: "not reached", summary: "" },
  );
  const reportDir = plan ? join(dir, "dry-run") : dir;
  const failed = failure as { step: MigrationStepId; error: CvkError } | undefined;
  const report: MigrationReport = {
    version: 1,
    env,
    ...(options.region ? { region: options.region } : {}),
    mode: plan ? "plan" : "migrate",
    migrationId,
    outcome: failed ? "failed" : plan ? "planned" : "succeeded",
    ...(failed
      ? {
          failure: {
            step: failed.step,
            code: failed.error.code,
            message: failed.error.message,
            ...(failed.error.hint ? { hint: failed.error.hint } : {}),
          },
        }
      : {}),
    startedAt: finalState.startedAt ?? startedAt,
    finishedAt: new Date(clock.now()).toISOString(),
    invocations: Math.max(1, finalState.invocations),
    steps,
    writes: context.writes,
    ...(domain ? { domain } : {}),
    ...(fraudsters ? { fraudsters } : {}),
    ...(enrollment ? { enrollment } : {}),
    flows,
    ...(instance ? { instance } : {}),
    ...(verification ? { verification } : {}),
    paths: {
      dir,
      ...(journal ? { journal: journalPath } : {}),
      reportJson: join(reportDir, "report.json"),
      reportHtml: join(reportDir, "report.html"),
    },
  };
  try {
    await writeMigrationReport(report);
    if (!failed) journal?.append(MIGRATION_JOURNAL.finished, { migrationId });
  } finally {
    journal?.close();
  }
  overall.finished(
    failed
      ? `stopped at ${failed.step}: ${failed.error.code}`
      : plan
        ? `${context.writes.length} kind(s) of write planned, none made`
        : "migration finished",
    { outcome: report.outcome },
  );
  return { report, ...(failed ? { error: failed.error } : {}) };
}
