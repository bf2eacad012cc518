import type { AudioWorkerPool } from "@cvk/audio";
import {
  type AwsClients,
  type Clock,
  CvkError,
  type CvkEventListener,
  type EnvironmentConfig,
  type EnvironmentSelection,
  ignoreEvents,
} from "@cvk/core";
import type { MigrationStepId, MigrationWrite } from "./types.ts";
import type { VerifyFunction } from "./verify-step.ts";

export interface MigrateOptions {
  /** The environment to migrate (its config merged with `defaults`), from @cvk/core's selectEnvironment. */
  environment: EnvironmentSelection;
  clients: AwsClients;
  /** The Connect instance id (the CLI resolves an ARN and, with --sandbox, seeds the instance). */
  instanceId?: string;
  /** The migration's folder: journal, plans, runs, rendered flows, reports (e.g. .cvk/migrations/dev). */
  dir: string;
  /** Reads only: every AWS read a migration makes and no write; the report lists the writes it would make. */
  plan?: boolean;
  /** Create missing S3 buckets. For the embedded sandbox only: on AWS the buckets (and their policies) are yours. */
  createBuckets?: boolean;
  /** Audio worker threads for check, prepare and plan (default: a pool of one thread per core). */
  pool?: AudioWorkerPool;
  /** First wait between batch job status checks (default 2000 ms; 0 in tests). */
  pollIntervalMs?: number;
  /** Uploads in flight (default: enrollment.concurrency, else the enrollment run's default). */
  concurrency?: number;
  /** The `verify all` step (default: @cvk/verification's verifyEnvironment, scope all). */
  verify?: VerifyFunction;
  /**
   * Awaited before each step that runs (not before steps skipped or done earlier): lets a caller
   * order several migrations, as the demo does to overlap prod's planning with dev's jobs.
   */
  beforeStep?: (step: MigrationStepId) => Promise<void> | void;
  /** The Region, for the report. */
  region?: string;
  clock?: Clock;
  signal?: AbortSignal;
  onEvent?: CvkEventListener;
}

/** What every step receives. */
export interface StepContext {
  options: MigrateOptions;
  env: string;
  config: EnvironmentConfig;
  /** The config file's folder: relative paths in the config resolve against it. */
  baseDir: string;
  dir: string;
  plan: boolean;
  clients: AwsClients;
  /** Writes made (or, in plan mode, that would be made), appended by the steps. */
  writes: MigrationWrite[];
  /** A listener for a library working inside `stage`: its events' steps become `<env>/<stage>/<step>`. */
  events(stage: string): CvkEventListener;
  pool(): Promise<AudioWorkerPool>;
  signal: AbortSignal | undefined;
}

export function prefixedEvents(listener: CvkEventListener | undefined, prefix: string): CvkEventListener {
  const target = listener ?? ignoreEvents;
  return (event) => target({ ...event, step: `${prefix}/${event.step}` });
}

/** A key a step cannot do without, pointing at the environment's block as requireSetting does. */
export function requireKey<T>(context: StepContext, keyPath: string, step: string): NonNullable<T> {
  let value: unknown = context.config;
  for (const part of keyPath.split(".")) {
    value =
      typeof value === "object" && value !== null ? (value as Record<string, unknown>)[part] : undefined;
  }
  if (value === undefined || value === null) {
    const where = context.options.environment.source.locate(["environments", context.env]);
    throw new CvkError(
      "CONFIG_INVALID",
      `${where}: environments.${context.env}.${keyPath}: is required by the migration's ${step} step`,
      { hint: `Set ${keyPath} under environments.${context.env} (or under defaults) in cvk.config.yaml.` },
    );
  }
  return value as NonNullable<T>;
}

export function checkAbort(context: StepContext, step: string): void {
  if (context.signal?.aborted) {
    throw new CvkError(
      "INTERRUPTED",
      `Stopped before the ${step} step; the migration journal is consistent`,
      {
        hint: `Re-run the same command to resume the migration of ${context.env} where it stopped.`,
        details: { step },
      },
    );
  }
}
