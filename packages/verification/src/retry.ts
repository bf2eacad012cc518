import { type Clock, type CvkError, fromAwsError, systemClock } from "@cvk/core";

/**
 * Verification reads only, so a read that is still throttled after the SDK's own retries is simply
 * tried again after a pause, rather than failing a pipeline on a busy account. The quota limiter
 * (cvk's clients pace every attempt through it) has already halved its rate on each throttling
 * response, so later reads come slower by themselves; this adds exponential backoff for bursts the
 * SDK gave up on. "Throttled" and "service failed" are retried; anything else is final.
 */
export interface ReadRetryOptions {
  /** Extra rounds after the SDK gave up (default 6). */
  attempts?: number;
  /** First pause (default 1,000 ms, doubled each round, at most 20 s). 0 in tests. */
  baseDelayMs?: number;
  clock?: Clock;
}

export interface RetryStats {
  /** Reads retried by this layer (after the SDK's own retries). */
  retries: number;
}

export async function readWithRetry<T>(
  read: () => Promise<T>,
  context: { operation: string; resource?: string },
  options: ReadRetryOptions = {},
  stats?: RetryStats,
): Promise<T> {
  const attempts = options.attempts ?? 6;
  const base = options.baseDelayMs ?? 1000;
  const clock = options.clock ?? systemClock;
  for (let round = 0; ; round++) {
    try {
      return await read();
    } catch (error) {
      const failure: CvkError = fromAwsError(error, context);
      const transient = failure.code === "AWS_THROTTLED" || failure.code === "AWS_SERVICE";
      if (!transient || round >= attempts) throw failure;
      if (stats) stats.retries++;
      await clock.sleep(Math.min(20_000, base * 2 ** round));
    }
  }
}
