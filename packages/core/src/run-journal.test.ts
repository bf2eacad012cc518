import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ManualClock } from "./clock.ts";
import { RunJournal } from "./run-journal.ts";

const freshPath = () => join(mkdtempSync(join(tmpdir(), "cvk-journal-")), "journal.jsonl");

describe("RunJournal", () => {
  it("appends entries that a later open reads back in order", () => {
    const path = freshPath();
    const clock = new ManualClock(Date.UTC(2026, 10, 24, 12, 0, 0));
    const journal = RunJournal.open(path, { clock });
    // Unflushed entries are written at once (they survive the process), in order with flushed ones.
    journal.append("upload.done", { key: "a.wav" }, { flush: false });
    journal.append("job.started", { jobId: "j1" });
    journal.close();

    const reopened = RunJournal.open(path);
    expect(reopened.entries.map((e) => [e.seq, e.type])).toEqual([
      [1, "upload.done"],
      [2, "job.started"],
    ]);
    expect(reopened.entries[0]?.at).toBe("2026-11-24T12:00:00.000Z");
    expect(reopened.last<{ jobId: string }>("job.started")?.data.jobId).toBe("j1");
    expect(reopened.ofType("upload.done")).toHaveLength(1);
    expect(reopened.recoveredBytes).toBe(0);
    reopened.append("job.finished");
    reopened.close();
    expect(readFileSync(path, "utf8").trim().split("\n")).toHaveLength(3);
  });

  it("drops a torn last line and truncates the file so the next append starts clean", () => {
    const path = freshPath();
    const journal = RunJournal.open(path);
    journal.append("a");
    journal.append("b");
    journal.close();
    const torn = '{"seq":3,"at":"2026-11-24T00:00:00.000Z","type":"c","da';
    appendFileSync(path, torn);

    const recovered = RunJournal.open(path);
    expect(recovered.entries.map((e) => e.type)).toEqual(["a", "b"]);
    expect(recovered.recoveredBytes).toBe(torn.length);
    recovered.append("c");
    recovered.close();
    const lines = readFileSync(path, "utf8").split("\n");
    expect(lines.filter(Boolean).map((l) => JSON.parse(l).type)).toEqual(["a", "b", "c"]);
  });

  it("treats a complete-looking line without its newline as torn", () => {
    const path = freshPath();
    writeFileSync(path, '{"seq":1,"at":"x","type":"a"}\n{"seq":2,"at":"x","type":"b"}');
    const journal = RunJournal.open(path);
    expect(journal.entries.map((e) => e.type)).toEqual(["a"]);
    journal.close();
  });

  it("drops a zero-filled tail left by a crash on a delayed-allocation filesystem", () => {
    const path = freshPath();
    writeFileSync(path, Buffer.concat([Buffer.from('{"seq":1,"at":"x","type":"a"}\n'), Buffer.alloc(64)]));
    const journal = RunJournal.open(path);
    expect(journal.entries).toHaveLength(1);
    expect(journal.recoveredBytes).toBe(64);
    journal.close();
  });

  it("refuses a journal with a damaged line in the middle, naming the line", () => {
    const path = freshPath();
    writeFileSync(path, '{"seq":1,"at":"x","type":"a"}\nnot json\n{"seq":3,"at":"x","type":"c"}\n');
    expect(() => RunJournal.open(path)).toThrow(/journal\.jsonl:2: unreadable journal entry/);
    try {
      RunJournal.open(path);
    } catch (error) {
      expect((error as { code: string }).code).toBe("JOURNAL_CORRUPT");
    }
  });

  it("locks the journal against a second live process and takes over a stale lock", () => {
    const path = freshPath();
    // pid 1 is always alive: another process holds the run.
    writeFileSync(`${path}.lock`, "1");
    expect(() => RunJournal.open(path)).toThrow(/Another cvk process \(pid 1\)/);
    // A pid that cannot exist: the lock is stale.
    writeFileSync(`${path}.lock`, "999999999");
    const journal = RunJournal.open(path);
    expect(readFileSync(`${path}.lock`, "utf8")).toBe(String(process.pid));
    journal.close();
  });
});
