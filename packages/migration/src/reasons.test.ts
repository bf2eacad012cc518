import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { classifyReason, speechHistogram } from "./reasons.ts";

describe("classifyReason", () => {
  it("names why a caller was not enrolled, and where", () => {
    expect(
      classifyReason({ status: "EXCLUDED_IN_PLAN", error_code: "TRUNCATED", reason: "…" }),
    ).toMatchObject({
      reason: "TRUNCATED",
      stage: "plan",
    });
    const fraud =
      "Fraud checks failed: the voice matches a known fraudster in watchlist w (risk score 96, threshold 60).";
    expect(classifyReason({ status: "FAILED", error_code: "400", reason: fraud }).reason).toBe(
      "FRAUDSTER_MATCH",
    );
    expect(
      classifyReason({ status: "FAILED", error_code: "400", reason: "Not enough speech: the audio has 12 s" })
        .reason,
    ).toBe("TOO_LITTLE_SPEECH");
    expect(classifyReason({ status: "FAILED", error_code: "409", reason: "opted out" }).reason).toBe(
      "OPTED_OUT",
    );
    expect(classifyReason({ status: "FAILED", error_code: "500", reason: "internal" }).reason).toBe(
      "TRANSIENT",
    );
    expect(
      classifyReason({ status: "FAILED", error_code: "400", reason: "Something new. More." }),
    ).toMatchObject({
      reason: "ERROR_400",
      explanation: "Something new.",
    });
  });
});

describe("speechHistogram", () => {
  it("bins planned callers' speech and the too-short callers' measured speech", () => {
    const dir = mkdtempSync(join(tmpdir(), "cvk-hist-"));
    const speaker = (...speech: number[]) =>
      JSON.stringify({ recordings: speech.map((s) => ({ speechSeconds: s })) });
    writeFileSync(
      join(dir, "speakers.jsonl"),
      `${[speaker(31.2), speaker(15, 17.5), speaker(33.9)].join("\n")}\n`,
    );
    writeFileSync(
      join(dir, "problems.jsonl"),
      `${JSON.stringify({ reason: "TOO_LITTLE_SPEECH", message: "The caller's recordings hold 12.4 s of net speech together; Voice ID needs 30 s to enroll." })}\n`,
    );
    const histogram = speechHistogram(dir, 30);
    expect(histogram.measured).toBe(4);
    const count = (from: number) => histogram.bins.find((b) => b.from === from)?.count;
    expect(count(12)).toBe(1);
    expect(count(32)).toBe(2); // 32.5 and 33.9
    expect(count(30)).toBe(1);
    expect(histogram.bins.at(-1)?.to).toBeGreaterThanOrEqual(40);
  });
});
