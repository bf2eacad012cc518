import { DOCUMENTED_QUOTAS } from "@cvk/core";

/**
 * How to learn the state of N expected speakers, by estimated time:
 *
 * - **sweep**: ListSpeakers over the whole domain, 100 speakers a page (MaxResults 1–100, the Voice ID
 *   model), so ⌈D / 100⌉ calls for a domain of D speakers, at the ListSpeakers quota of 5 TPS;
 * - **describe**: one DescribeSpeaker per expected caller, N calls at 10 TPS
 *   (https://docs.aws.amazon.com/connect/latest/adminguide/amazon-connect-service-limits.html).
 *
 * The sweep's cost depends on D, which no API tells: DescribeDomain has no speaker count
 * (aws-facts.md §2 "Structures"). What is known is a range:
 *
 * - **low = N** (or the caller's `domainSize`, when given): the expected speakers are (meant to be)
 *   in the domain, so the domain has at least that many unless some are missing — which is exactly
 *   what verification looks for, and then the sweep is cheaper than estimated, never dearer;
 * - **high = 100,000**, the documented speakers-per-domain quota (aws-facts.md §3), unless
 *   `domainSize` says otherwise.
 *
 * If even the largest possible domain sweeps faster than describing N callers (N ≥ 2,000 at the
 * documented rates), sweep; if even the smallest is slower, describe. In between, sweep **with a
 * budget**: after each page, once the time spent sweeping reaches the time DescribeSpeaker would take
 * for the expected callers not yet seen, stop and describe those instead. That is the rent-or-buy rule:
 * it never costs more than twice the better of the two plans in hindsight, whatever D turns out to be.
 */

export type SpeakerStrategy = "sweep" | "describe";

export interface SpeakerPlanOptions {
  /** Expected callers. */
  expected: number;
  /** Speakers believed to be in the domain, when the caller knows (e.g. from a previous sweep). */
  domainSize?: number;
  /** Force a plan (`cvk verify --strategy`); default auto. */
  strategy?: SpeakerStrategy | "auto";
  /** TPS quotas; default the documented ListSpeakers 5 and DescribeSpeaker 10. */
  listSpeakersTps?: number;
  describeSpeakerTps?: number;
}

export interface SpeakerPlan {
  strategy: SpeakerStrategy;
  /** Sweep, but switch to DescribeSpeaker for the unseen callers when the sweep outruns its budget. */
  budgeted: boolean;
  reason: string;
  estimate: {
    domainSize: { low: number; high: number };
    sweep: { calls: { low: number; high: number }; seconds: { low: number; high: number } };
    describe: { calls: number; seconds: number };
  };
  listSpeakersTps: number;
  describeSpeakerTps: number;
}

/** Speakers per domain (the documented quota) and the most ListSpeakers returns per page. */
export const MAX_SPEAKERS_PER_DOMAIN = 100_000;
export const LIST_SPEAKERS_PAGE_SIZE = 100;

export function sweepCalls(domainSize: number): number {
  // An empty domain still takes one call to learn that it is empty.
  return Math.max(1, Math.ceil(domainSize / LIST_SPEAKERS_PAGE_SIZE));
}

function round(seconds: number): number {
  return Math.round(seconds * 10) / 10;
}

export function planSpeakerVerification(options: SpeakerPlanOptions): SpeakerPlan {
  const n = Math.max(0, Math.floor(options.expected));
  const listTps = options.listSpeakersTps ?? DOCUMENTED_QUOTAS["voiceid:ListSpeakers"]?.tps ?? 5;
  const describeTps = options.describeSpeakerTps ?? DOCUMENTED_QUOTAS["voiceid:DescribeSpeaker"]?.tps ?? 10;
  const known = options.domainSize === undefined ? undefined : Math.max(0, Math.floor(options.domainSize));
  const low = known ?? n;
  const high = known ?? Math.max(MAX_SPEAKERS_PER_DOMAIN, n);
  const sweep = {
    calls: { low: sweepCalls(low), high: sweepCalls(high) },
    seconds: { low: round(sweepCalls(low) / listTps), high: round(sweepCalls(high) / listTps) },
  };
  const describe = { calls: n, seconds: round(n / describeTps) };
  const estimate = { domainSize: { low, high }, sweep, describe };
  const base = { estimate, listSpeakersTps: listTps, describeSpeakerTps: describeTps };
  const fmt = (x: number) => x.toLocaleString("en-US");

  if (options.strategy === "sweep" || options.strategy === "describe") {
    return {
      ...base,
      strategy: options.strategy,
      budgeted: false,
      reason: `--strategy ${options.strategy}`,
    };
  }
  if (n === 0) {
    return { ...base, strategy: "describe", budgeted: false, reason: "no expected callers: nothing to read" };
  }
  if (sweepCalls(high) / listTps <= n / describeTps) {
    return {
      ...base,
      strategy: "sweep",
      budgeted: false,
      reason: `describing ${fmt(n)} callers takes ~${fmt(describe.seconds)} s at ${describeTps} TPS; sweeping even a ${fmt(high)}-speaker domain takes ~${fmt(sweep.seconds.high)} s (${fmt(sweep.calls.high)} ListSpeakers calls at ${listTps} TPS)`,
    };
  }
  if (sweepCalls(low) / listTps >= n / describeTps) {
    return {
      ...base,
      strategy: "describe",
      budgeted: false,
      reason: `${fmt(n)} DescribeSpeaker calls (~${fmt(describe.seconds)} s) beat sweeping even a ${fmt(low)}-speaker domain (~${fmt(sweep.seconds.low)} s)`,
    };
  }
  return {
    ...base,
    strategy: "sweep",
    budgeted: true,
    reason: `the domain size is unknown (${fmt(low)}–${fmt(high)} speakers: ~${fmt(sweep.seconds.low)}–${fmt(sweep.seconds.high)} s to sweep, ~${fmt(describe.seconds)} s to describe ${fmt(n)} callers): sweep, and describe the callers not yet seen once the sweep has cost as much as that would`,
  };
}

/** The rent-or-buy test after `pages` sweep pages with `unseen` expected callers not yet listed. */
export function shouldSwitchToDescribe(plan: SpeakerPlan, pages: number, unseen: number): boolean {
  return plan.budgeted && pages / plan.listSpeakersTps >= unseen / plan.describeSpeakerTps;
}
