import { afterEach, describe, expect, it } from "vitest";
import type { ExpectedSpeaker } from "./expected.ts";
import { speakerChecks } from "./speaker-checks.ts";
import { sampleIndexes, verifySpeakers } from "./speakers.ts";
import { domainWithSpeakers, startTestSandbox, type TestSandbox } from "./test-support.ts";

let test: TestSandbox | undefined;
afterEach(async () => {
  await test?.stop();
  test = undefined;
});

const NO_WAIT = { baseDelayMs: 0 };

const SPEAKERS = [
  { customerSpeakerId: "alice" },
  { customerSpeakerId: "bob", status: "OPTED_OUT" as const },
  { customerSpeakerId: "carol", status: "EXPIRED" as const },
  { customerSpeakerId: "dave", status: "PENDING" as const },
  { customerSpeakerId: "erin" },
];

function expectedFrom(generated: Map<string, string>): ExpectedSpeaker[] {
  return [
    { customerSpeakerId: "alice", generatedSpeakerId: generated.get("alice") as string },
    { customerSpeakerId: "bob", generatedSpeakerId: generated.get("bob") as string },
    { customerSpeakerId: "carol" },
    { customerSpeakerId: "dave" },
    // Enrolled, but the output recorded another id: deleted and enrolled again since.
    { customerSpeakerId: "erin", generatedSpeakerId: "id#XXXXXXXXXXXXXXXXXXXXXX" },
    { customerSpeakerId: "frank" },
  ];
}

describe("verifySpeakers (real SDK clients against the sandbox)", () => {
  for (const strategy of ["sweep", "describe"] as const) {
    it(`classifies every caller the same way by ${strategy}`, async () => {
      test = await startTestSandbox();
      const { domainId, generated } = await domainWithSpeakers(test, SPEAKERS);
      const result = await verifySpeakers({
        voiceId: test.clients.voiceId,
        domainId,
        expected: expectedFrom(generated),
        strategy,
        retry: NO_WAIT,
      });
      expect(Object.fromEntries(result.callers.map((c) => [c.customerSpeakerId, c.outcome]))).toEqual({
        alice: "ENROLLED",
        bob: "OPTED_OUT",
        carol: "EXPIRED",
        dave: "PENDING",
        erin: "GENERATED_ID_MISMATCH",
        frank: "MISSING",
      });
      expect(result.callers.find((c) => c.customerSpeakerId === "erin")).toMatchObject({
        generatedSpeakerId: generated.get("erin"),
        expectedGeneratedSpeakerId: "id#XXXXXXXXXXXXXXXXXXXXXX",
      });
      if (strategy === "sweep") {
        expect(test.calls("ListSpeakers")).toBe(1);
        expect(test.calls("DescribeSpeaker")).toBe(0);
        expect(result.domain).toEqual({ listed: 5, unexpected: 0 });
      } else {
        expect(test.calls("ListSpeakers")).toBe(0);
        expect(test.calls("DescribeSpeaker")).toBe(6);
      }
      expect(result.calls).toMatchObject({
        listSpeakers: test.calls("ListSpeakers"),
        describeSpeaker: test.calls("DescribeSpeaker"),
      });
    });
  }

  it("turns outcomes into one failing check per problem, CustomerSpeakerIds masked unless showIds", async () => {
    test = await startTestSandbox();
    const { domainId, generated } = await domainWithSpeakers(test, SPEAKERS);
    const result = await verifySpeakers({
      voiceId: test.clients.voiceId,
      domainId,
      expected: expectedFrom(generated),
      retry: NO_WAIT,
    });
    const source = {
      source: { kind: "run-directory" as const, path: "run" },
      speakers: [],
      notExpected: { FAILED: 2 },
    };
    const checks = speakerChecks(source, result);
    const status = Object.fromEntries(checks.map((c) => [c.id, c.status]));
    expect(status).toEqual({
      "speakers.expected": "pass",
      "speakers.missing": "fail",
      "speakers.opted-out": "fail",
      "speakers.expired": "fail",
      "speakers.pending": "fail",
      "speakers.generated-id": "fail",
      "speakers.sample": "skip",
    });
    const optedOut = checks.find((c) => c.id === "speakers.opted-out");
    expect(optedOut?.summary).toBe(
      "1 of 6 expected callers is opted out (no voiceprint; enrollment is refused until the speaker is deleted)",
    );
    expect(optedOut?.callers).toEqual([
      {
        customerSpeakerId: "****",
        outcome: "OPTED_OUT",
        generatedSpeakerId: generated.get("bob"),
        status: "OPTED_OUT",
      },
    ]);
    expect(JSON.stringify(checks)).not.toMatch(/"(alice|bob|carol|dave|erin|frank)"/);
    expect(checks[0]?.details[0]).toBe("not expected (the source did not enroll them): 2 FAILED");
    const shown = speakerChecks(source, result, { showIds: true });
    expect(shown.find((c) => c.id === "speakers.missing")?.callers?.[0]?.customerSpeakerId).toBe("frank");
  });

  it("a budgeted sweep of a large domain stops at its budget and describes the callers it has not seen", async () => {
    test = await startTestSandbox();
    const others = Array.from({ length: 2000 }, (_, i) => ({ customerSpeakerId: `other-${i}` }));
    const { domainId } = await domainWithSpeakers(test, [
      ...others,
      { customerSpeakerId: "alice" },
      { customerSpeakerId: "bob" },
      { customerSpeakerId: "carol" },
    ]);
    const expected = ["alice", "bob", "carol", "zed"].map((customerSpeakerId) => ({ customerSpeakerId }));
    const result = await verifySpeakers({
      voiceId: test.clients.voiceId,
      domainId,
      expected,
      retry: NO_WAIT,
    });
    expect(result.plan).toMatchObject({ strategy: "sweep", budgeted: true });
    // 4 unseen callers = 0.4 s of DescribeSpeaker = 2 pages: the sweep stops after at most 2 of 21 pages.
    expect(test.calls("ListSpeakers")).toBeLessThanOrEqual(2);
    expect(result.switchedToDescribe?.afterPages).toBe(test.calls("ListSpeakers"));
    expect(test.calls("DescribeSpeaker")).toBe(result.switchedToDescribe?.described);
    expect(result.counts).toMatchObject({ ENROLLED: 3, MISSING: 1 });
    expect(result.callers.find((c) => c.customerSpeakerId === "zed")?.outcome).toBe("MISSING");
  });

  it("--sample re-reads seeded random callers with DescribeSpeaker and compares", async () => {
    test = await startTestSandbox();
    const speakers = Array.from({ length: 40 }, (_, i) => ({ customerSpeakerId: `caller-${i}` }));
    const { domainId } = await domainWithSpeakers(test, speakers);
    const run = () =>
      verifySpeakers({
        voiceId: test?.clients.voiceId as never,
        domainId,
        expected: speakers,
        strategy: "sweep",
        sample: 5,
        sampleSeed: 42,
        retry: NO_WAIT,
      });
    const first = await run();
    expect(first.sample?.seed).toBe(42);
    expect(first.sample?.comparisons).toHaveLength(5);
    expect(first.sample?.comparisons.every((c) => c.agrees)).toBe(true);
    expect(test.calls("DescribeSpeaker")).toBe(5);
    const again = await run();
    expect(again.sample?.comparisons.map((c) => c.customerSpeakerId)).toEqual(
      first.sample?.comparisons.map((c) => c.customerSpeakerId),
    );
    const checks = speakerChecks(
      { source: { kind: "caller-list", path: "l" }, speakers, notExpected: {} },
      first,
    );
    expect(checks.find((c) => c.id === "speakers.sample")).toMatchObject({ status: "pass" });
    expect(checks.find((c) => c.id === "speakers.generated-id")).toMatchObject({ status: "skip" });
  });

  it("30% injected throttling: reads retried, the same verdict by sweep and by describe", async () => {
    test = await startTestSandbox();
    const speakers = Array.from({ length: 250 }, (_, i) => ({ customerSpeakerId: `caller-${i}` }));
    const { domainId } = await domainWithSpeakers(test, speakers);
    test.sandbox.engine.voiceId.seedSpeakers(domainId, [
      { customerSpeakerId: "caller-7", status: "OPTED_OUT" },
    ]);
    test.sandbox.faults.configure({ seed: 7, global: { throttle: 0.3 } });
    const swept = await verifySpeakers({
      voiceId: test.clients.voiceId,
      domainId,
      expected: [...speakers, { customerSpeakerId: "ghost" }],
      strategy: "sweep",
      retry: NO_WAIT,
    });
    expect(swept.counts).toMatchObject({ ENROLLED: 249, OPTED_OUT: 1, MISSING: 1 });
    expect(swept.calls.listSpeakers).toBe(3);
    // Retries after throttling back off in real time: keep the DescribeSpeaker leg short.
    const few = [...speakers.slice(0, 9), { customerSpeakerId: "ghost" }];
    const described = await verifySpeakers({
      voiceId: test.clients.voiceId,
      domainId,
      expected: few,
      strategy: "describe",
      retry: NO_WAIT,
    });
    expect(described.counts).toMatchObject({ ENROLLED: 8, OPTED_OUT: 1, MISSING: 1 });
    expect(swept.calls.retries + described.calls.retries).toBeGreaterThan(0);
    expect(test.sandbox.faults.injected.throttle).toBe(swept.calls.retries + described.calls.retries);
  });

  it("a domain that does not exist is an error, not 'every caller missing'", async () => {
    test = await startTestSandbox();
    for (const strategy of ["sweep", "describe"] as const) {
      await expect(
        verifySpeakers({
          voiceId: test.clients.voiceId,
          domainId: "Z".repeat(22),
          expected: [{ customerSpeakerId: "alice" }],
          strategy,
          retry: NO_WAIT,
        }),
      ).rejects.toMatchObject({ code: "AWS_NOT_FOUND" });
    }
  });
});

describe("sampleIndexes", () => {
  it("is distinct, in range, sorted and repeatable per seed", () => {
    const a = sampleIndexes(1000, 50, 9);
    expect(new Set(a).size).toBe(50);
    expect(a.every((i) => i >= 0 && i < 1000)).toBe(true);
    expect(a).toEqual([...a].sort((x, y) => x - y));
    expect(sampleIndexes(1000, 50, 9)).toEqual(a);
    expect(sampleIndexes(1000, 50, 10)).not.toEqual(a);
    expect(sampleIndexes(3, 10, 1)).toEqual([0, 1, 2]);
  });
});
