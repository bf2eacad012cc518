import type { JournalEntry } from "@cvk/core";
import { describe, expect, it } from "vitest";
import { deriveMigrationState, MIGRATION_JOURNAL } from "./journal.ts";

let seq = 0;
const entry = (type: string, data?: unknown): JournalEntry => ({
  seq: ++seq,
  at: new Date(Date.UTC(2026, 10, 24, 0, 0, seq)).toISOString(),
  type,
  data,
});

describe("deriveMigrationState", () => {
  it("follows the latest migration: its steps done, its resumes, whether it finished", () => {
    const state = deriveMigrationState([
      entry(MIGRATION_JOURNAL.started, { migrationId: "m1", env: "dev", configHash: "a" }),
      entry(MIGRATION_JOURNAL.stepStarted, { migrationId: "m1", step: "domain" }),
      entry(MIGRATION_JOURNAL.stepDone, {
        migrationId: "m1",
        step: "domain",
        result: { outcome: 1, summary: "s" },
      }),
      entry(MIGRATION_JOURNAL.finished, { migrationId: "m1" }),
      entry(MIGRATION_JOURNAL.started, { migrationId: "m2", env: "dev", configHash: "b" }),
      entry(MIGRATION_JOURNAL.stepStarted, { migrationId: "m2", step: "domain" }),
      entry(MIGRATION_JOURNAL.stepDone, {
        migrationId: "m2",
        step: "domain",
        result: { outcome: 2, summary: "t" },
      }),
      entry(MIGRATION_JOURNAL.stepStarted, { migrationId: "m2", step: "fraudsters" }),
      entry(MIGRATION_JOURNAL.stepFailed, { migrationId: "m2", step: "fraudsters", code: "AWS_THROTTLED" }),
      entry(MIGRATION_JOURNAL.resumed, { migrationId: "m2" }),
    ]);
    expect(state.migrationId).toBe("m2");
    expect(state.configHash).toBe("b");
    expect(state.finished).toBe(false);
    expect(state.invocations).toBe(2);
    expect([...state.done.keys()]).toEqual(["domain"]);
    expect(state.done.get("domain")).toEqual({ outcome: 2, summary: "t" });
    expect(state.timings.get("domain")).toMatchObject({ status: "done", earlier: true });
    expect(state.timings.get("fraudsters")).toMatchObject({ status: "failed" });
  });

  it("is empty for an empty journal", () => {
    const state = deriveMigrationState([]);
    expect(state.migrationId).toBeUndefined();
    expect(state.done.size).toBe(0);
  });
});
