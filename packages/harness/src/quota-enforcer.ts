import { type Clock, DOCUMENTED_QUOTAS, type RateQuota } from "@cvk/core";

/**
 * Server-side enforcement of per-API TPS quotas (off unless enabled): a request beyond the rate is
 * answered with the service's throttling error, as the real service does, instead of being delayed.
 * Uses the same documented quotas the client-side limiter paces to (aws-facts.md §3, §5).
 */
export class QuotaEnforcer {
  readonly #clock: Clock;
  readonly #quotas: Readonly<Record<string, RateQuota>>;
  readonly #buckets = new Map<string, { tokens: number; at: number; rate: number; burst: number }>();

  constructor(clock: Clock, quotas: Readonly<Record<string, RateQuota>> = DOCUMENTED_QUOTAS) {
    this.#clock = clock;
    this.#quotas = quotas;
  }

  /** Takes one token for `service:Operation`; false when the request exceeds the quota. */
  tryTake(key: string): boolean {
    let bucket = this.#buckets.get(key);
    const now = this.#clock.now();
    if (!bucket) {
      const quota = this.#quotas[key] ?? this.#quotas[`${key.split(":")[0]}:*`];
      if (!quota) return true;
      const burst = Math.max(1, quota.burst ?? quota.tps);
      bucket = { tokens: burst, at: now, rate: quota.tps, burst };
      this.#buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(bucket.burst, bucket.tokens + ((now - bucket.at) / 1000) * bucket.rate);
    bucket.at = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
