import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readExpectedSpeakers } from "./expected.ts";

const GEN_A = "id#aaaaaaaaaaaaaaaaaaaaaa";
const GEN_B = "id#bbbbbbbbbbbbbbbbbbbbbb";

function dir(): string {
  return mkdtempSync(join(tmpdir(), "cvk-expected-"));
}

const OUTPUT = {
  Version: "1.0",
  Errors: [{ RequestId: "r3", ErrorCode: 400, ErrorMessage: "not enough speech" }],
  SuccessfulEnrollments: [
    {
      RequestId: "r1",
      GeneratedSpeakerId: GEN_A,
      CustomerSpeakerId: "alice",
      EnrollmentStatus: "NEW_ENROLLMENT",
    },
    {
      RequestId: "r2",
      GeneratedSpeakerId: GEN_B,
      CustomerSpeakerId: "bob",
      EnrollmentStatus: "DUPLICATE_SKIPPED",
    },
  ],
};

describe("readExpectedSpeakers", () => {
  it("a run directory's report: enrolled rows with their GeneratedSpeakerId; the rest counted, not expected", async () => {
    const run = dir();
    writeFileSync(
      join(run, "report.json"),
      JSON.stringify({
        domainId: "D".repeat(22),
        rows: [
          { customer_speaker_id: "alice", status: "NEW_ENROLLMENT", generated_speaker_id: GEN_A },
          { customer_speaker_id: "bob", status: "ENROLLMENT_OVERWRITE", generated_speaker_id: GEN_B },
          { customer_speaker_id: "carol", status: "FAILED", generated_speaker_id: "" },
          { customer_speaker_id: "dave", status: "EXCLUDED_IN_PLAN", generated_speaker_id: "" },
        ],
      }),
    );
    const expected = await readExpectedSpeakers(run);
    expect(expected.source.kind).toBe("run-directory");
    expect(expected.domainId).toBe("D".repeat(22));
    expect(expected.speakers).toEqual([
      { customerSpeakerId: "alice", generatedSpeakerId: GEN_A },
      { customerSpeakerId: "bob", generatedSpeakerId: GEN_B },
    ]);
    expect(expected.notExpected).toEqual({ FAILED: 1, EXCLUDED_IN_PLAN: 1 });
  });

  it("a run directory without a report yet: the saved outputs, and the domain from the journal", async () => {
    const run = dir();
    mkdirSync(join(run, "outputs"));
    writeFileSync(join(run, "outputs", "shard-001.json.out"), JSON.stringify(OUTPUT));
    writeFileSync(
      join(run, "journal.jsonl"),
      `${JSON.stringify({ seq: 1, type: "domain", at: "", data: { domainId: "E".repeat(22) } })}\n{"torn`,
    );
    const expected = await readExpectedSpeakers(run);
    expect(expected.domainId).toBe("E".repeat(22));
    expect(expected.speakers.map((s) => s.customerSpeakerId)).toEqual(["alice", "bob"]);
    expect(expected.notExpected).toEqual({ FAILED: 1 });
  });

  it("a Voice ID output file", async () => {
    const path = join(dir(), "manifest.json.out");
    writeFileSync(path, JSON.stringify(OUTPUT));
    const expected = await readExpectedSpeakers(path);
    expect(expected.source.kind).toBe("output-file");
    expect(expected.speakers[1]).toEqual({ customerSpeakerId: "bob", generatedSpeakerId: GEN_B });
  });

  it("a caller list (one row per recording) gives each caller once, with no GeneratedSpeakerId", async () => {
    const path = join(dir(), "callers.csv");
    writeFileSync(
      path,
      "customer_speaker_id,audio\nalice,a1.wav\nalice,a2.wav\nbob,s3://bucket/b.wav\n,x.wav\n",
    );
    const expected = await readExpectedSpeakers(path);
    expect(expected.source.kind).toBe("caller-list");
    expect(expected.speakers).toEqual([{ customerSpeakerId: "alice" }, { customerSpeakerId: "bob" }]);
    expect(expected.notExpected).toEqual({ MISSING_SPEAKER_ID: 1 });
  });

  it("a speaker-enrollment manifest, and refuses a fraudster manifest", async () => {
    const base = dir();
    const manifest = join(base, "shard-001.json");
    writeFileSync(
      manifest,
      JSON.stringify({
        Version: "1.0",
        SpeakerEnrollmentRequests: [
          {
            RequestId: "r1",
            SpeakerId: "alice",
            AudioSpecifications: [{ S3Uri: "s3://cvk-in/a.wav", ChannelId: 0 }],
          },
        ],
      }),
    );
    expect((await readExpectedSpeakers(manifest)).speakers).toEqual([{ customerSpeakerId: "alice" }]);
    const fraud = join(base, "fraud.json");
    writeFileSync(
      fraud,
      JSON.stringify({
        Version: "1.0",
        FraudsterRegistrationRequests: [
          { RequestId: "f1", AudioSpecifications: [{ S3Uri: "s3://cvk-in/f.wav", ChannelId: 0 }] },
        ],
      }),
    );
    await expect(readExpectedSpeakers(fraud)).rejects.toMatchObject({ code: "INPUT_INVALID" });
  });

  it("a plan directory's speakers.jsonl", async () => {
    const plan = dir();
    writeFileSync(join(plan, "plan.json"), "{}");
    writeFileSync(
      join(plan, "speakers.jsonl"),
      `${JSON.stringify({ customerSpeakerId: "alice" })}\n${JSON.stringify({ customerSpeakerId: "bob" })}\n`,
    );
    const expected = await readExpectedSpeakers(plan);
    expect(expected.source.kind).toBe("plan-directory");
    expect(expected.speakers).toHaveLength(2);
  });

  it("fails with a stable code on what it cannot use", async () => {
    await expect(readExpectedSpeakers(join(dir(), "nope"))).rejects.toMatchObject({
      code: "INPUT_NOT_FOUND",
    });
    await expect(readExpectedSpeakers(dir())).rejects.toMatchObject({ code: "INPUT_INVALID" });
    const run = dir();
    writeFileSync(join(run, "journal.jsonl"), "");
    await expect(readExpectedSpeakers(run)).rejects.toMatchObject({ code: "INPUT_INVALID" });
    const fraudOut = join(dir(), "f.json.out");
    writeFileSync(fraudOut, JSON.stringify({ Version: "1.0", SuccessfulRegistrations: [], Errors: [] }));
    await expect(readExpectedSpeakers(fraudOut)).rejects.toMatchObject({ code: "INPUT_INVALID" });
  });
});
