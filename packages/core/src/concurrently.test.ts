import { describe, expect, it } from "vitest";
import { forEachConcurrently } from "./concurrently.ts";

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("forEachConcurrently", () => {
  it("keeps at most `limit` tasks in flight and visits every item once", async () => {
    let inFlight = 0;
    let peak = 0;
    const seen: number[] = [];
    await forEachConcurrently([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await tick();
      seen.push(n);
      inFlight--;
    });
    expect(peak).toBe(3);
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it("pulls items lazily from the iterable", async () => {
    let produced = 0;
    function* items() {
      for (let i = 0; i < 1000; i++) {
        produced++;
        yield i;
      }
    }
    const seenWhileFirstRuns: number[] = [];
    await forEachConcurrently(items(), 2, async (i) => {
      if (i === 0) seenWhileFirstRuns.push(produced);
      await tick();
    });
    expect(seenWhileFirstRuns).toEqual([1]);
    expect(produced).toBe(1000);
  });

  it("stops starting work after the first failure, lets in-flight tasks finish, then throws that failure", async () => {
    const finished: number[] = [];
    const started: number[] = [];
    const run = forEachConcurrently([1, 2, 3, 4, 5, 6], 2, async (n) => {
      started.push(n);
      await tick();
      if (n === 1) throw new Error("first");
      await tick();
      if (n === 2) throw new Error("second");
      finished.push(n);
    });
    await expect(run).rejects.toThrow("first");
    expect(started).toEqual([1, 2]);
    expect(finished).toEqual([]);
  });

  it("returns without starting more work once the signal aborts", async () => {
    const controller = new AbortController();
    const started: number[] = [];
    await forEachConcurrently(
      [1, 2, 3, 4],
      1,
      async (n) => {
        started.push(n);
        if (n === 2) controller.abort();
      },
      controller.signal,
    );
    expect(started).toEqual([1, 2]);
  });
});
