/**
 * `cvk fraudsters register`: runs a fraudster registration plan (`planEnrollment` with
 * `kind: "fraudster-registration"`, ≤ 500 requests per job) through the same pipeline as enrollment
 * (run.ts `runJobs`): the journal, uploads, ClientToken idempotency, polling, resume and the report
 * are shared; this kind calls StartFraudsterRegistrationJob / DescribeFraudsterRegistrationJob with a
 * RegistrationConfig and reports from the output file's SuccessfulRegistrations (aws-facts.md §3).
 *
 * The watchlist: the one named (found or created), else the domain's default watchlist; either way
 * its id is passed as RegistrationConfig.WatchlistIds (exactly one item).
 */

import type { RegistrationConfig, StartFraudsterRegistrationJobCommandInput } from "@aws-sdk/client-voice-id";
import { voiceIdSdk } from "./aws-sdk.ts";
import {
  FRAUDSTER_REPORT,
  type FraudsterReport,
  type FraudsterReportRow,
  type FraudsterReportStatus,
} from "./fraudster-report.ts";
import { type JobKind, type JobRunOptions, type RunOutcome, runJobs } from "./run.ts";

export interface RegisterFraudstersOptions extends JobRunOptions {
  /** The watchlist to register into (found or created); default: the domain's default watchlist. */
  watchlist?: { name: string };
  /** SKIP (Voice ID's default): a voice already in the watchlist is not registered again. */
  duplicateRegistrationAction?: "SKIP" | "REGISTER_AS_NEW";
  /** 0–100: how similar a voice must be to an existing fraudster to count as a duplicate. */
  similarityThreshold?: number;
}

export interface RegisterFraudstersResult extends RunOutcome {
  /** The watchlist the fraudsters were registered in. */
  watchlistId: string;
  counts: Record<FraudsterReportStatus, number>;
  /** Report rows: one per registration request, plus the list rows the plan excluded. */
  fraudsters: number;
  retryFraudsters: number;
}

export const FRAUDSTER_REGISTRATION: JobKind<FraudsterReportRow, FraudsterReport> = {
  planKind: "fraudster-registration",
  title: "fraudster registration",
  otherKindHint: "Use `cvk enroll run` for speaker enrollment plans.",
  configField: "RegistrationConfig",
  startOperation: "StartFraudsterRegistrationJob",
  describeOperation: "DescribeFraudsterRegistrationJob",
  start: async (voiceId, request) =>
    (
      await voiceId.send(
        new (
          await voiceIdSdk()
        ).StartFraudsterRegistrationJobCommand(
          request as unknown as StartFraudsterRegistrationJobCommandInput,
        ),
      )
    ).Job?.JobId,
  describe: async (voiceId, domainId, jobId) =>
    (
      await voiceId.send(
        new (
          await voiceIdSdk()
        ).DescribeFraudsterRegistrationJobCommand({ DomainId: domainId, JobId: jobId }),
      )
    ).Job,
  doneVerb: "registered",
  rowNoun: "fraudsters",
  report: FRAUDSTER_REPORT,
};

/** Registers a fraudster registration plan's voices in a watchlist; re-run to resume. */
export async function registerFraudsters(
  options: RegisterFraudstersOptions,
): Promise<RegisterFraudstersResult> {
  const { duplicateRegistrationAction, similarityThreshold } = options;
  const {
    rows,
    retryRows,
    report,
    paths,
    watchlistId,
    counts: _counts,
    ...run
  } = await runJobs(options, FRAUDSTER_REGISTRATION, {
    watchlist: { name: options.watchlist?.name },
    config: (id): RegistrationConfig => ({
      ...(duplicateRegistrationAction ? { DuplicateRegistrationAction: duplicateRegistrationAction } : {}),
      ...(similarityThreshold === undefined ? {} : { FraudsterSimilarityThreshold: similarityThreshold }),
      ...(id ? { WatchlistIds: [id] } : {}),
    }),
  });
  return {
    ...run,
    watchlistId: watchlistId ?? "",
    counts: report.counts,
    fraudsters: rows,
    retryFraudsters: retryRows,
    paths,
  };
}
