import { type Clock, systemClock } from "./clock.ts";

export interface RateQuota {
  /** Sustained requests per second. */
  tps: number;
  /** Requests allowed at once after an idle period (defaults to `tps`, at least 1). */
  burst?: number;
}

/**
 * Documented per-API quotas, keyed `<service>:<Operation>`.
 *
 * Voice ID: https://docs.aws.amazon.com/connect/latest/adminguide/amazon-connect-service-limits.html
 * ("All Voice ID quotas are at the Account level"; aws-facts.md §3). Connect: same page, default 2 RPS
 * with burst 5 per API unless listed (aws-facts.md §5). Watchlist, ListFraudsters and
 * Associate/DisassociateFraudster quotas are not published; they fall back to the lowest documented
 * Voice ID rate (2 TPS) so cvk never exceeds whatever the real figure was.
 */
export const DOCUMENTED_QUOTAS: Readonly<Record<string, RateQuota>> = {
  "voiceid:*": { tps: 2 },
  "voiceid:EvaluateSession": { tps: 60 },
  "voiceid:ListSpeakers": { tps: 5 },
  "voiceid:DescribeSpeaker": { tps: 10 },
  "voiceid:OptOutSpeaker": { tps: 10 },
  "voiceid:DeleteSpeaker": { tps: 10 },
  "voiceid:DescribeFraudster": { tps: 10 },
  "voiceid:DeleteFraudster": { tps: 10 },
  "connect:*": { tps: 2, burst: 5 },
  "connect:ListIntegrationAssociations": { tps: 25, burst: 50 },
};

interface Bucket {
  quota: Required<RateQuota>;
  /** Current allowed rate: the quota, lowered after throttling and raised again on success. */
  rate: number;
  /** May go negative: each waiting caller holds a reservation. */
  tokens: number;
  refilledAt: number;
  throttles: number;
}

export interface QuotaLimiterOptions {
  clock?: Clock;
  quotas?: Readonly<Record<string, RateQuota>>;
  /** The adaptive rate never drops below this fraction of the quota. */
  floorRatio?: number;
}

export interface QuotaLimiterStats {
  key: string;
  quotaTps: number;
  currentTps: number;
  throttles: number;
}

/**
 * Token buckets keyed by operation, shared by every caller in the process so that concurrent
 * workers together stay within one API's quota. After a throttling response the bucket halves its
 * rate (down to a floor); each success adds back 5% of the quota (AIMD), so it converges just below
 * whatever the server actually allows.
 */
export class QuotaLimiter {
  readonly #clock: Clock;
  readonly #quotas: Readonly<Record<string, RateQuota>>;
  readonly #floorRatio: number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(options: QuotaLimiterOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#quotas = options.quotas ?? DOCUMENTED_QUOTAS;
    this.#floorRatio = options.floorRatio ?? 0.1;
  }

  /** The quota that applies to a key: exact, then the service's `*`, else none (unpaced). */
  quotaFor(key: string): RateQuota | undefined {
    const exact = this.#quotas[key];
    if (exact) return exact;
    const service = key.split(":")[0];
    return this.#quotas[`${service}:*`];
  }

  #bucket(key: string): Bucket | undefined {
    let bucket = this.#buckets.get(key);
    if (bucket) return bucket;
    const quota = this.quotaFor(key);
    if (!quota) return undefined;
    const burst = Math.max(1, quota.burst ?? quota.tps);
    bucket = {
      quota: { tps: quota.tps, burst },
      rate: quota.tps,
      tokens: burst,
      refilledAt: this.#clock.now(),
      throttles: 0,
    };
    this.#buckets.set(key, bucket);
    return bucket;
  }

  #refill(bucket: Bucket): void {
    const now = this.#clock.now();
    const elapsed = Math.max(0, now - bucket.refilledAt) / 1000;
    bucket.tokens = Math.min(bucket.quota.burst, bucket.tokens + elapsed * bucket.rate);
    bucket.refilledAt = now;
  }

  /** Resolves when the caller may send one request for `key`. Keys without a quota pass at once. */
  async acquire(key: string): Promise<void> {
    const bucket = this.#bucket(key);
    if (!bucket) return;
    this.#refill(bucket);
    bucket.tokens -= 1;
    if (bucket.tokens >= 0) return;
    await this.#clock.sleep((-bucket.tokens / bucket.rate) * 1000);
  }

  onThrottle(key: string): void {
    const bucket = this.#bucket(key);
    if (!bucket) return;
    this.#refill(bucket);
    bucket.throttles += 1;
    bucket.rate = Math.max(bucket.quota.tps * this.#floorRatio, bucket.rate / 2);
    // Whatever burst we thought we had, the server disagrees: start from empty.
    bucket.tokens = Math.min(bucket.tokens, 0);
  }

  onSuccess(key: string): void {
    const bucket = this.#buckets.get(key);
    if (!bucket || bucket.rate >= bucket.quota.tps) return;
    this.#refill(bucket);
    bucket.rate = Math.min(bucket.quota.tps, bucket.rate + bucket.quota.tps * 0.05);
  }

  stats(): QuotaLimiterStats[] {
    return [...this.#buckets].map(([key, b]) => ({
      key,
      quotaTps: b.quota.tps,
      currentTps: b.rate,
      throttles: b.throttles,
    }));
  }
}

let shared: QuotaLimiter | undefined;

/** The process-wide limiter every AWS client built by cvk paces through. */
export function sharedQuotaLimiter(): QuotaLimiter {
  shared ??= new QuotaLimiter();
  return shared;
}
