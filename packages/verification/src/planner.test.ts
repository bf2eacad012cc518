import { describe, expect, it } from "vitest";
import { planSpeakerVerification, shouldSwitchToDescribe, sweepCalls } from "./planner.ts";

describe("planSpeakerVerification", () => {
  it("sweeps when even a full 100,000-speaker domain sweeps faster than describing every caller", () => {
    const plan = planSpeakerVerification({ expected: 100_000 });
    expect(plan).toMatchObject({ strategy: "sweep", budgeted: false });
    expect(plan.estimate.sweep.calls.high).toBe(1000);
    expect(plan.estimate.sweep.seconds.high).toBe(200);
    expect(plan.estimate.describe).toEqual({ calls: 100_000, seconds: 10_000 });
    // The break-even point at 5 vs 10 TPS: 1,000 pages (200 s) = 2,000 DescribeSpeaker calls.
    expect(planSpeakerVerification({ expected: 2000 })).toMatchObject({ strategy: "sweep", budgeted: false });
    expect(planSpeakerVerification({ expected: 1999 })).toMatchObject({ strategy: "sweep", budgeted: true });
  });

  it("describes when even the smallest domain the expected callers imply is slower to sweep", () => {
    expect(planSpeakerVerification({ expected: 1 })).toMatchObject({ strategy: "describe" });
    expect(planSpeakerVerification({ expected: 2 })).toMatchObject({ strategy: "describe" });
    expect(planSpeakerVerification({ expected: 0 })).toMatchObject({ strategy: "describe" });
  });

  it("a known domain size removes the uncertainty", () => {
    expect(planSpeakerVerification({ expected: 50, domainSize: 200 })).toMatchObject({
      strategy: "sweep",
      budgeted: false,
    });
    expect(planSpeakerVerification({ expected: 50, domainSize: 90_000 })).toMatchObject({
      strategy: "describe",
      budgeted: false,
    });
  });

  it("--strategy overrides the estimate", () => {
    expect(planSpeakerVerification({ expected: 100_000, strategy: "describe" }).strategy).toBe("describe");
    expect(planSpeakerVerification({ expected: 1, strategy: "sweep" })).toMatchObject({
      strategy: "sweep",
      budgeted: false,
    });
  });

  it("a budgeted sweep switches once its pages cost as much as describing the unseen callers", () => {
    const plan = planSpeakerVerification({ expected: 30 });
    expect(plan.budgeted).toBe(true);
    // 30 unseen callers = 3 s of DescribeSpeaker = 15 pages of ListSpeakers.
    expect(shouldSwitchToDescribe(plan, 14, 30)).toBe(false);
    expect(shouldSwitchToDescribe(plan, 15, 30)).toBe(true);
    expect(shouldSwitchToDescribe(plan, 2, 3)).toBe(true);
    expect(
      shouldSwitchToDescribe(planSpeakerVerification({ expected: 30, strategy: "sweep" }), 500, 30),
    ).toBe(false);
  });

  it("counts an empty domain as one call", () => {
    expect(sweepCalls(0)).toBe(1);
    expect(sweepCalls(100)).toBe(1);
    expect(sweepCalls(101)).toBe(2);
  });
});
