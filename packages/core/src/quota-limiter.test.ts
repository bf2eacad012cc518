import { describe, expect, it } from "vitest";
import { ManualClock } from "./clock.ts";
import { DOCUMENTED_QUOTAS, QuotaLimiter } from "./quota-limiter.ts";

/** Starts `count` acquisitions and records the (fake) time at which each is granted. */
function grantTimes(limiter: QuotaLimiter, clock: ManualClock, key: string, count: number): number[] {
  const start = clock.now();
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    void limiter.acquire(key).then(() => times.push(clock.now() - start));
  }
  return times;
}

async function drain(clock: ManualClock): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  while (await clock.advanceToNext()) {}
}

describe("QuotaLimiter", () => {
  it("is preloaded with the documented Voice ID and Connect quotas", () => {
    const limiter = new QuotaLimiter();
    expect(limiter.quotaFor("voiceid:ListSpeakers")?.tps).toBe(5);
    expect(limiter.quotaFor("voiceid:DescribeSpeaker")?.tps).toBe(10);
    expect(limiter.quotaFor("voiceid:StartSpeakerEnrollmentJob")?.tps).toBe(2);
    expect(limiter.quotaFor("voiceid:EvaluateSession")?.tps).toBe(60);
    expect(limiter.quotaFor("connect:CreateContactFlow")).toEqual({ tps: 2, burst: 5 });
    expect(limiter.quotaFor("s3:PutObject")).toBeUndefined();
    expect(DOCUMENTED_QUOTAS["connect:ListIntegrationAssociations"]?.tps).toBe(25);
  });

  it("lets a burst through, then spaces requests at the quota rate", async () => {
    const clock = new ManualClock();
    const limiter = new QuotaLimiter({ clock, quotas: { "voiceid:*": { tps: 2 } } });
    const times = grantTimes(limiter, clock, "voiceid:DescribeSpeakerEnrollmentJob", 6);
    await drain(clock);
    // Burst of 2 (one second's worth), then one every 500 ms.
    expect(times).toEqual([0, 0, 500, 1000, 1500, 2000]);
  });

  it("keeps operations in separate buckets", async () => {
    const clock = new ManualClock();
    const limiter = new QuotaLimiter({ clock, quotas: { "voiceid:*": { tps: 1 } } });
    const a = grantTimes(limiter, clock, "voiceid:A", 2);
    const b = grantTimes(limiter, clock, "voiceid:B", 2);
    await drain(clock);
    expect(a).toEqual([0, 1000]);
    expect(b).toEqual([0, 1000]);
  });

  it("halves the rate on throttling down to a floor, and recovers on success", async () => {
    const clock = new ManualClock();
    const limiter = new QuotaLimiter({ clock, quotas: { "voiceid:*": { tps: 10 } }, floorRatio: 0.1 });
    const key = "voiceid:DescribeSpeaker";
    await limiter.acquire(key);
    limiter.onThrottle(key);
    expect(limiter.stats()[0]?.currentTps).toBe(5);
    for (let i = 0; i < 10; i++) limiter.onThrottle(key);
    expect(limiter.stats()[0]?.currentTps).toBe(1);
    expect(limiter.stats()[0]?.throttles).toBe(11);
    // After a throttle the bucket starts empty: the next request waits a full interval at the new rate.
    const times = grantTimes(limiter, clock, key, 2);
    await drain(clock);
    expect(times).toEqual([1000, 2000]);
    for (let i = 0; i < 100; i++) limiter.onSuccess(key);
    expect(limiter.stats()[0]?.currentTps).toBe(10);
  });

  it("lets keys without a quota through immediately", async () => {
    const clock = new ManualClock();
    const limiter = new QuotaLimiter({ clock });
    const times = grantTimes(limiter, clock, "s3:PutObject", 50);
    await drain(clock);
    expect(times).toHaveLength(50);
    expect(new Set(times)).toEqual(new Set([0]));
  });
});
