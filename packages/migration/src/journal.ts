/**
 * The migration journal (`<dir>/journal.jsonl`, a RunJournal): which steps of which migration are
 * done, with their results, so a migration stopped anywhere — Ctrl-C, a failure, SIGKILL — resumes
 * at the first step not done. Each step resumes itself too (the enrollment and fraudster runs have
 * their own journals; domain, watchlist, flows and the instance are idempotent by name).
 */
import type { JournalEntry } from "@cvk/core";

export const MIGRATION_JOURNAL = {
  started: "migration-started",
  resumed: "migration-resumed",
  stepStarted: "step-started",
  stepDone: "step-done",
  stepFailed: "step-failed",
  finished: "migration-finished",
} as const;

export interface MigrationStartedData {
  migrationId: string;
  env: string;
  /** Digest of the environment's settings and input lists: a different one starts a new migration. */
  configHash: string;
}

export interface StepEntryData {
  migrationId: string;
  step: string;
  result?: unknown;
  code?: string;
  message?: string;
}

export interface StepTiming {
  step: string;
  startedAt?: string;
  finishedAt?: string;
  status: "done" | "failed" | "started";
  /** True when the step was done by an earlier invocation of this migration. */
  earlier: boolean;
}

export interface MigrationState {
  migrationId?: string;
  configHash?: string;
  startedAt?: string;
  finished: boolean;
  /** Invocations of this migration (1 + resumes). */
  invocations: number;
  /** Results of the steps done, by step id. */
  done: Map<string, unknown>;
  timings: Map<string, StepTiming>;
}

/** The latest migration in the journal and what it has done. */
export function deriveMigrationState(entries: readonly JournalEntry[]): MigrationState {
  const state: MigrationState = { finished: false, invocations: 0, done: new Map(), timings: new Map() };
  for (const entry of entries) {
    const data = entry.data as Partial<MigrationStartedData & StepEntryData> | undefined;
    switch (entry.type) {
      case MIGRATION_JOURNAL.started:
        state.migrationId = data?.migrationId;
        state.configHash = data?.configHash;
        state.startedAt = entry.at;
        state.finished = false;
        state.invocations = 1;
        state.done = new Map();
        state.timings = new Map();
        break;
      case MIGRATION_JOURNAL.resumed:
        if (data?.migrationId === state.migrationId) {
          state.invocations++;
          for (const timing of state.timings.values()) timing.earlier = true;
        }
        break;
      case MIGRATION_JOURNAL.stepStarted:
        if (data?.migrationId === state.migrationId && data?.step) {
          state.timings.set(data.step, {
            step: data.step,
            startedAt: entry.at,
            status: "started",
            earlier: false,
          });
        }
        break;
      case MIGRATION_JOURNAL.stepDone:
        if (data?.migrationId === state.migrationId && data?.step) {
          state.done.set(data.step, data.result);
          const timing = state.timings.get(data.step) ?? { step: data.step, earlier: false, status: "done" };
          state.timings.set(data.step, { ...timing, finishedAt: entry.at, status: "done" });
        }
        break;
      case MIGRATION_JOURNAL.stepFailed:
        if (data?.migrationId === state.migrationId && data?.step) {
          const timing = state.timings.get(data.step) ?? {
            step: data.step,
            earlier: false,
            status: "failed",
          };
          state.timings.set(data.step, { ...timing, finishedAt: entry.at, status: "failed" });
        }
        break;
      case MIGRATION_JOURNAL.finished:
        if (data?.migrationId === state.migrationId) state.finished = true;
        break;
    }
  }
  return state;
}
