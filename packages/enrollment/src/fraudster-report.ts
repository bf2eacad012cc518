/**
 * The report of a fraudster registration run (`registerFraudsters`): one row per registration
 * request (one fraudster row of the list), from the output file's `SuccessfulRegistrations` and
 * `Errors` (aws-facts.md §3). The list's id column only labels the row here: the registration
 * manifest has no SpeakerId.
 */
import { explainRequestError, type ReportKind, type ReportShard, reportDocument } from "./report.ts";

export const FRAUDSTER_REPORT_STATUSES = [
  "NEW_REGISTRATION",
  "DUPLICATE_SKIPPED",
  "FAILED",
  "EXCLUDED_IN_PLAN",
  /** Only in a report rendered while the run is unfinished: the request's shard has no result yet. */
  "PENDING",
] as const;
export type FraudsterReportStatus = (typeof FRAUDSTER_REPORT_STATUSES)[number];

export interface FraudsterReportRow {
  /** The row's label from the list (its id column); never sent to Voice ID. */
  fraudster: string;
  request_id: string;
  status: FraudsterReportStatus;
  /** NEW_REGISTRATION: the new fraudster; DUPLICATE_SKIPPED: the closest existing one. */
  generated_fraudster_id: string;
  /** FraudsterSimilarityScore, given only for DUPLICATE_SKIPPED. */
  similarity_score: string;
  error_code: string;
  reason: string;
}

export const FRAUDSTER_REPORT_COLUMNS = [
  "fraudster",
  "request_id",
  "status",
  "generated_fraudster_id",
  "similarity_score",
  "error_code",
  "reason",
] as const;

export interface FraudsterReport {
  planId: string;
  planDir: string;
  domainId?: string;
  /** Rows: one per registration request, plus the list rows the plan excluded. */
  fraudsters: number;
  counts: Record<FraudsterReportStatus, number>;
  /** Fraudster rows written to retry.csv (transient failures). */
  retryFraudsters: number;
  shards: ReportShard[];
  rows: FraudsterReportRow[];
}

function explainRegistrationError(code: number | undefined, message: string | undefined): string {
  if (code === 402) return `Quota reached (500 fraudsters per watchlist): ${message ?? "no message"}`;
  return explainRequestError(code === 409 ? undefined : code, message);
}

export const FRAUDSTER_REPORT: ReportKind<FraudsterReportRow, FraudsterReport> = {
  statuses: FRAUDSTER_REPORT_STATUSES,
  columns: FRAUDSTER_REPORT_COLUMNS,
  successSection: "SuccessfulRegistrations",
  // The schema page says NEW_REGISTRATION, its prose NEW_FRAUDSTER (aws-facts.md §3, "doc bug").
  successStatus: (success) =>
    success.RegistrationStatus === "DUPLICATE_SKIPPED" ? "DUPLICATE_SKIPPED" : "NEW_REGISTRATION",
  explainError: explainRegistrationError,
  row: (common, success) => {
    const score = success?.FraudsterSimilarityScore;
    return {
      fraudster: common.id,
      request_id: common.request_id,
      status: common.status as FraudsterReportStatus,
      generated_fraudster_id: (success?.GeneratedFraudsterId as string | undefined) ?? "",
      similarity_score: typeof score === "number" ? String(score) : "",
      error_code: common.error_code,
      reason: common.reason,
    };
  },
  document: (parts) => reportDocument(parts, "fraudsters", "retryFraudsters") as unknown as FraudsterReport,
};
