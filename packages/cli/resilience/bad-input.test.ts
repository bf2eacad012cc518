import { existsSync, lstatSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { forEachConcurrently } from "@cvk/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CvkRun, cvkAsync } from "../test/cvk-bin.ts";
import {
  type BadInput,
  OUTCOMES,
  type Outcome,
  recordedReasons,
  writeBadInputCorpus,
} from "./bad-input-corpus.ts";

// Issue 9's bad-input corpus, black-box: every generated malformed input goes through the real
// command that reads it (the built `cvk`, `npm run build` first) and must end as classified up
// front — an error is one `cvk: CODE: message` line with a `hint:` line and exit code 2 or 1, never a
// stack trace or an INTERNAL error, and leaves no partial output; an accepted input exits 0 with its
// problems recorded per row. Node starts in ~0.5 s, so inputs run a few at a time.
const CONCURRENCY = 3;
const MIN_INPUTS = 200;
/** Written by --sandbox runs and `sandbox serve --data-dir state`: the sandbox's state, not output. */
const STATE_FOLDERS = [".cvk/sandbox/", "state/"];
const ERROR_LINE = /^cvk: ([A-Z][A-Z0-9_]+): (.+)$/;
const HINT_LINE = /^ {2}hint: \S/;
const STACK_LINE = /^\s+at\s/;

/** Every file under `dir` (symlinks as themselves), relative, with `/` separators. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (lstatSync(path).isDirectory()) walk(path);
      else out.push(relative(dir, path).split("\\").join("/"));
    }
  };
  walk(dir);
  return out;
}

/** What is wrong with one input's run, as lines (none: it ended as classified). */
function judge(input: BadInput, run: CvkRun, before: Set<string>): string[] {
  const wrong: string[] = [];
  const lines = `${run.stderr}\n${run.stdout}`.split("\n");
  if (lines.some((line) => STACK_LINE.test(line))) wrong.push("a stack trace was printed");
  const created = filesUnder(input.dir).filter((file) => !before.has(file));
  const partial = created.filter((file) => /(^|\/)[^/]*\.(tmp|part)$/.test(file));
  if (partial.length > 0) wrong.push(`partial files left: ${partial.slice(0, 3).join(", ")}`);
  const errors = run.stderr.split("\n").flatMap((line, index, all) => {
    const match = ERROR_LINE.exec(line);
    return match ? [{ code: match[1] as string, hinted: HINT_LINE.test(all[index + 1] ?? "") }] : [];
  });
  const expectedExit = input.outcome === "exit 2" ? 2 : input.outcome === "exit 1" ? 1 : 0;
  if (run.code !== expectedExit) wrong.push(`exit code ${run.code}, expected ${expectedExit}`);
  if (expectedExit === 0) {
    if (errors.length > 0) wrong.push(`an error was printed: ${errors[0]?.code}`);
    for (const output of input.outputs)
      if (!existsSync(join(input.dir, output))) wrong.push(`${output} was not written`);
    if (input.problems && input.problemsFile && existsSync(join(input.dir, input.problemsFile))) {
      const reasons = recordedReasons(input.dir, input.problemsFile);
      for (const reason of input.problems)
        if (!reasons.includes(reason))
          wrong.push(
            `problem ${reason} not recorded (recorded: ${[...new Set(reasons)].join(", ") || "none"})`,
          );
    }
    if (wrong.length === 0 && input.check) {
      const problem = input.check(input.dir, run.stdout);
      if (problem) wrong.push(problem);
    }
  } else {
    if (errors.length !== 1) wrong.push(`${errors.length} "cvk: CODE: message" lines on stderr, expected 1`);
    const error = errors[0];
    if (error && !error.hinted) wrong.push("no hint line after the error");
    if (error && error.code !== input.code) wrong.push(`error code ${error.code}, expected ${input.code}`);
    // Nothing written on failure, beyond the sandbox's own state (empty folders may remain).
    const written = created.filter((file) => !STATE_FOLDERS.some((folder) => file.startsWith(folder)));
    if (written.length > 0) wrong.push(`files written by a failed run: ${written.slice(0, 3).join(", ")}`);
  }
  if (wrong.length > 0) {
    const tail = run.stderr.trim().split("\n").slice(-3).join(" | ").slice(0, 400);
    wrong.push(`stderr: ${tail}`);
  }
  return wrong;
}

describe("bad-input corpus (black-box)", () => {
  let base: string;
  let home: string;
  let corpus: BadInput[];

  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), "cvk-bad-input-"));
    home = mkdtempSync(join(tmpdir(), "cvk-bad-input-home-"));
    corpus = writeBadInputCorpus(join(base, "corpus"));
  }, 120_000);

  afterAll(() => {
    if (base) rmSync(base, { recursive: true, force: true });
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it(`has at least ${MIN_INPUTS} inputs of every kind, each with its expected outcome`, () => {
    expect(corpus.length).toBeGreaterThanOrEqual(MIN_INPUTS);
    expect(new Set(corpus.map((input) => input.id)).size).toBe(corpus.length);
    const kinds = new Set(corpus.map((input) => input.kind));
    for (const kind of [
      "csv",
      "jsonl",
      "manifest",
      "wav",
      "wav-prepare",
      "config",
      "faults",
      "template",
      "param",
      "flow",
      "flow-graph",
      "plan-folder",
      "fraudsters",
    ])
      expect(kinds, kind).toContain(kind);
    for (const input of corpus) {
      if (input.outcome === "exit 1" || input.outcome === "exit 2")
        expect(input.code, input.id).toBeDefined();
      if (input.outcome === "accepted with problems")
        expect(input.problems?.length, input.id).toBeGreaterThan(0);
    }
  });

  it("every input ends as classified: CvkError + hint + exit 2/1, or accepted; no stack trace, no partial output", async () => {
    const failures: string[] = [];
    const counts = new Map<Outcome, number>(OUTCOMES.map((outcome) => [outcome, 0]));
    const byKind = new Map<string, Map<Outcome, number>>();
    await forEachConcurrently(corpus, CONCURRENCY, async (input) => {
      const before = new Set(filesUnder(input.dir));
      const run = await cvkAsync(input.args, input.dir, { home, ...(input.env ? { env: input.env } : {}) });
      const wrong = judge(input, run, before);
      if (wrong.length > 0)
        failures.push(
          `${input.id} (${input.outcome}${input.code ? ` ${input.code}` : ""}): ${wrong.join("; ")}`,
        );
      counts.set(input.outcome, (counts.get(input.outcome) ?? 0) + 1);
      const kind = byKind.get(input.kind) ?? new Map<Outcome, number>();
      kind.set(input.outcome, (kind.get(input.outcome) ?? 0) + 1);
      byKind.set(input.kind, kind);
    });

    // The totals, by outcome and by kind of input.
    const cell = (n: number | undefined) => String(n ?? 0).padStart(7);
    const rows = [
      `${"kind".padEnd(12)}${OUTCOMES.map((o) => o.padStart(Math.max(7, o.length + 2))).join("")}`,
      ...[...byKind]
        .sort()
        .map(
          ([kind, outcomes]) =>
            `${kind.padEnd(12)}${OUTCOMES.map((o) => cell(outcomes.get(o)).padStart(Math.max(7, o.length + 2))).join("")}`,
        ),
    ];
    console.log(
      `bad-input corpus: ${corpus.length} inputs: ${counts.get("exit 2")} exit 2, ${counts.get("exit 1")} exit 1, ${counts.get("accepted with problems")} accepted with problems, ${counts.get("accepted")} accepted (values encoded, line endings read); ${corpus.length - failures.length} as classified, ${failures.length} not\n${rows.join("\n")}`,
    );
    expect(failures.sort()).toEqual([]);
  }, 600_000);
});
