import { randomInt } from "node:crypto";
import type { VoiceIDClient } from "@aws-sdk/client-voice-id";
import { type CvkEventListener, forEachConcurrently, seededRandom, stepReporter } from "@cvk/core";
import type { ExpectedSpeaker } from "./expected.ts";
import {
  LIST_SPEAKERS_PAGE_SIZE,
  planSpeakerVerification,
  type SpeakerPlan,
  type SpeakerStrategy,
  shouldSwitchToDescribe,
} from "./planner.ts";
import { type ReadRetryOptions, type RetryStats, readWithRetry } from "./retry.ts";

/**
 * Reads the state of every expected speaker (ListSpeakers sweep or DescribeSpeaker per caller, as
 * planner.ts decides) and classifies each caller. Read-only; never prints.
 *
 * Statuses (SpeakerStatus in the Voice ID model; …/adminguide/voiceid-domain.html): ENROLLED is the
 * goal; OPTED_OUT keeps no voiceprint and refuses enrollment until the speaker is deleted; EXPIRED is
 * a speaker not accessed for three years (BIPA); PENDING is in the enum but undocumented, so it is
 * reported, not guessed at. A speaker ListSpeakers does not return, or DescribeSpeaker answers
 * ResourceNotFoundException for, is MISSING.
 */

export const SPEAKER_OUTCOMES = [
  "ENROLLED",
  "MISSING",
  "OPTED_OUT",
  "EXPIRED",
  "PENDING",
  "GENERATED_ID_MISMATCH",
] as const;
export type SpeakerOutcome = (typeof SPEAKER_OUTCOMES)[number];

export interface CallerResult {
  /** Unmasked: this is the library's own result; the report masks it. */
  customerSpeakerId: string;
  outcome: SpeakerOutcome;
  /** SpeakerStatus as Voice ID returned it. */
  status?: string;
  generatedSpeakerId?: string;
  /** From the enrollment output, when the source recorded one. */
  expectedGeneratedSpeakerId?: string;
  /** How the caller's state was read. */
  via: "sweep" | "describe";
}

export interface SampleComparison {
  customerSpeakerId: string;
  sweep: CallerResult;
  describe: CallerResult;
  agrees: boolean;
}

export interface VerifySpeakersOptions {
  voiceId: VoiceIDClient;
  domainId: string;
  expected: readonly ExpectedSpeaker[];
  /** Force a plan; default auto (planner.ts). */
  strategy?: SpeakerStrategy | "auto";
  /** Speakers believed to be in the domain, if known: sharpens the plan. */
  domainSize?: number;
  /** Also DescribeSpeaker this many random callers the sweep covered, and compare. */
  sample?: number;
  /** Seed for the sample (default: random, reported in the result so a run can be repeated). */
  sampleSeed?: number;
  /** DescribeSpeaker calls in flight (default 10; the quota limiter paces them to 10 TPS). */
  concurrency?: number;
  retry?: ReadRetryOptions;
  signal?: AbortSignal;
  onEvent?: CvkEventListener;
}

export interface SpeakerVerification {
  domainId: string;
  plan: SpeakerPlan;
  /** A budgeted sweep that stopped early: after how many pages, describing how many callers. */
  switchedToDescribe?: { afterPages: number; described: number };
  /** One per expected caller, in the expected order. */
  callers: CallerResult[];
  counts: Record<SpeakerOutcome, number>;
  /** Set by a complete sweep: speakers in the domain, and those not in the expected set. */
  domain?: { listed: number; unexpected: number };
  sample?: { seed: number; requested: number; comparisons: SampleComparison[] };
  calls: { listSpeakers: number; describeSpeaker: number; retries: number };
}

interface Seen {
  status?: string;
  generatedSpeakerId?: string;
}

function classify(expected: ExpectedSpeaker, seen: Seen | undefined, via: CallerResult["via"]): CallerResult {
  const base = {
    customerSpeakerId: expected.customerSpeakerId,
    via,
    ...(expected.generatedSpeakerId ? { expectedGeneratedSpeakerId: expected.generatedSpeakerId } : {}),
  };
  if (!seen) return { ...base, outcome: "MISSING" };
  const found = {
    ...base,
    ...(seen.status ? { status: seen.status } : {}),
    ...(seen.generatedSpeakerId ? { generatedSpeakerId: seen.generatedSpeakerId } : {}),
  };
  if (seen.status === "OPTED_OUT") return { ...found, outcome: "OPTED_OUT" };
  if (seen.status === "EXPIRED") return { ...found, outcome: "EXPIRED" };
  // PENDING, and any status a later model might add: not enrolled, and not guessed at.
  if (seen.status !== "ENROLLED") return { ...found, outcome: "PENDING" };
  if (
    expected.generatedSpeakerId &&
    seen.generatedSpeakerId &&
    expected.generatedSpeakerId !== seen.generatedSpeakerId
  ) {
    return { ...found, outcome: "GENERATED_ID_MISMATCH" };
  }
  return { ...found, outcome: "ENROLLED" };
}

/** `k` distinct indexes of `0..n-1`, chosen by a seeded partial Fisher–Yates shuffle. */
export function sampleIndexes(n: number, k: number, seed: number): number[] {
  const random = seededRandom(seed);
  const pool = Array.from({ length: n }, (_, i) => i);
  const take = Math.min(n, Math.max(0, Math.floor(k)));
  for (let i = 0; i < take; i++) {
    const j = i + Math.floor(random() * (n - i));
    [pool[i], pool[j]] = [pool[j] as number, pool[i] as number];
  }
  return pool.slice(0, take).sort((a, b) => a - b);
}

export async function verifySpeakers(options: VerifySpeakersOptions): Promise<SpeakerVerification> {
  const { voiceId, domainId } = options;
  const sdk = await import("@aws-sdk/client-voice-id");
  const report = stepReporter("verify speakers", options.onEvent);
  const stats: RetryStats = { retries: 0 };
  const calls = { listSpeakers: 0, describeSpeaker: 0, retries: 0 };
  const expected = dedupe(options.expected);
  const plan = planSpeakerVerification({
    expected: expected.length,
    ...(options.domainSize === undefined ? {} : { domainSize: options.domainSize }),
    ...(options.strategy === undefined ? {} : { strategy: options.strategy }),
  });
  report.started(expected.length, `${plan.strategy}${plan.budgeted ? " (budgeted)" : ""}: ${plan.reason}`);

  const describe = async (speaker: ExpectedSpeaker): Promise<Seen | undefined> => {
    calls.describeSpeaker++;
    try {
      const { Speaker } = await readWithRetry(
        () =>
          voiceId.send(
            new sdk.DescribeSpeakerCommand({ DomainId: domainId, SpeakerId: speaker.customerSpeakerId }),
          ),
        { operation: "VoiceID.DescribeSpeaker", resource: `domain ${domainId}` },
        options.retry,
        stats,
      );
      return {
        ...(Speaker?.Status ? { status: Speaker.Status } : {}),
        ...(Speaker?.GeneratedSpeakerId ? { generatedSpeakerId: Speaker.GeneratedSpeakerId } : {}),
      };
    } catch (error) {
      const failure = error as import("@cvk/core").CvkError;
      // "All speaker APIs, except ListSpeakers, accept either the CustomerSpeakerId or
      // GeneratedSpeakerId" (…/adminguide/voiceid-speaker-fraudster-management-apis.html): not found
      // by its CustomerSpeakerId means not in the domain. A missing domain is an error, not a caller.
      if (failure.code === "AWS_NOT_FOUND" && failure.details?.resourceType !== "DOMAIN") return undefined;
      throw failure;
    }
  };

  const results = new Map<string, CallerResult>();
  const describeAll = async (speakers: ExpectedSpeaker[]): Promise<void> => {
    let done = 0;
    await forEachConcurrently(
      speakers,
      options.concurrency ?? 10,
      async (speaker) => {
        results.set(speaker.customerSpeakerId, classify(speaker, await describe(speaker), "describe"));
        done++;
        if (done % 100 === 0 || done === speakers.length)
          report.progress(done, speakers.length, "DescribeSpeaker");
      },
      options.signal,
    );
  };

  let switched: SpeakerVerification["switchedToDescribe"];
  let domain: SpeakerVerification["domain"];
  if (plan.strategy === "describe") {
    await describeAll(expected);
  } else {
    const byId = new Map(expected.map((speaker) => [speaker.customerSpeakerId, speaker]));
    const seen = new Map<string, Seen>();
    let unseen = byId.size;
    let listed = 0;
    let unexpected = 0;
    let pages = 0;
    let nextToken: string | undefined;
    let complete = false;
    for (;;) {
      if (options.signal?.aborted) break;
      const token = nextToken;
      calls.listSpeakers++;
      const page = await readWithRetry(
        () =>
          voiceId.send(
            new sdk.ListSpeakersCommand({
              DomainId: domainId,
              MaxResults: LIST_SPEAKERS_PAGE_SIZE,
              ...(token ? { NextToken: token } : {}),
            }),
          ),
        { operation: "VoiceID.ListSpeakers", resource: `domain ${domainId}` },
        options.retry,
        stats,
      );
      pages++;
      for (const summary of page.SpeakerSummaries ?? []) {
        listed++;
        const id = summary.CustomerSpeakerId;
        if (id !== undefined && byId.has(id)) {
          if (!seen.has(id)) unseen--;
          seen.set(id, {
            ...(summary.Status ? { status: summary.Status } : {}),
            ...(summary.GeneratedSpeakerId ? { generatedSpeakerId: summary.GeneratedSpeakerId } : {}),
          });
        } else unexpected++;
      }
      nextToken = page.NextToken;
      report.progress(
        listed,
        undefined,
        `ListSpeakers page ${pages}: ${byId.size - unseen}/${byId.size} expected seen`,
      );
      if (!nextToken) {
        complete = true;
        break;
      }
      if (shouldSwitchToDescribe(plan, pages, unseen)) break;
    }
    const rest: ExpectedSpeaker[] = [];
    for (const speaker of expected) {
      const found = seen.get(speaker.customerSpeakerId);
      if (found || complete) results.set(speaker.customerSpeakerId, classify(speaker, found, "sweep"));
      else rest.push(speaker);
    }
    if (complete) domain = { listed, unexpected };
    else if (!options.signal?.aborted) {
      switched = { afterPages: pages, described: rest.length };
      report.info(
        `the sweep reached its budget after ${pages} page(s): describing the ${rest.length} caller(s) not yet seen`,
      );
      await describeAll(rest);
    }
  }

  let sample: SpeakerVerification["sample"];
  if ((options.sample ?? 0) > 0 && plan.strategy === "sweep") {
    const seed = options.sampleSeed ?? randomInt(1, 2 ** 31);
    const pool = expected.filter((speaker) => results.get(speaker.customerSpeakerId)?.via === "sweep");
    const picked = sampleIndexes(pool.length, options.sample ?? 0, seed).map(
      (i) => pool[i] as ExpectedSpeaker,
    );
    const comparisons: SampleComparison[] = [];
    await forEachConcurrently(
      picked,
      options.concurrency ?? 10,
      async (speaker) => {
        const swept = results.get(speaker.customerSpeakerId) as CallerResult;
        const described = classify(speaker, await describe(speaker), "describe");
        comparisons.push({
          customerSpeakerId: speaker.customerSpeakerId,
          sweep: swept,
          describe: described,
          agrees:
            swept.outcome === described.outcome &&
            swept.status === described.status &&
            swept.generatedSpeakerId === described.generatedSpeakerId,
        });
      },
      options.signal,
    );
    comparisons.sort((a, b) => (a.customerSpeakerId < b.customerSpeakerId ? -1 : 1));
    sample = { seed, requested: options.sample ?? 0, comparisons };
  }

  const callers = expected
    .map((speaker) => results.get(speaker.customerSpeakerId))
    .filter((result): result is CallerResult => result !== undefined);
  const counts = Object.fromEntries(SPEAKER_OUTCOMES.map((outcome) => [outcome, 0])) as Record<
    SpeakerOutcome,
    number
  >;
  for (const caller of callers) counts[caller.outcome]++;
  calls.retries = stats.retries;
  report.finished(
    `${counts.ENROLLED}/${expected.length} enrolled; ${calls.listSpeakers} ListSpeakers, ${calls.describeSpeaker} DescribeSpeaker call(s)`,
    { counts, calls },
  );
  return {
    domainId,
    plan,
    ...(switched ? { switchedToDescribe: switched } : {}),
    callers,
    counts,
    ...(domain ? { domain } : {}),
    ...(sample ? { sample } : {}),
    calls,
  };
}

function dedupe(speakers: readonly ExpectedSpeaker[]): ExpectedSpeaker[] {
  const byId = new Map<string, ExpectedSpeaker>();
  for (const speaker of speakers)
    if (!byId.has(speaker.customerSpeakerId)) byId.set(speaker.customerSpeakerId, speaker);
  return [...byId.values()];
}
