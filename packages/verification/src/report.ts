import { CVK_VERSION } from "@cvk/core";
import { maskSpeakerId } from "@cvk/enrollment";

/**
 * The verification report: a flat list of checks, each pass, fail or skip, that every renderer (a
 * terminal table, JSON, JUnit XML, Markdown) shows the same way. A check names one thing a pipeline
 * can gate on — "no expected caller is missing", "the flow is published" — so one defect fails the
 * check that names it and, as far as the defect allows, nothing else.
 *
 * CustomerSpeakerId is `sensitive` in the Voice ID model (aws-facts.md §2 "Field constraints"), so
 * the model holds it masked unless `showIds` is set; GeneratedSpeakerId is not sensitive and is
 * always shown, which also tells two masked ids apart.
 */

export type CheckStatus = "pass" | "fail" | "skip";
export type CheckSection = "speakers" | "flow" | "instance";

/** One expected caller a speaker check is about (only the callers that are not fine are listed). */
export interface CallerFinding {
  /** Masked (`al****ce`) unless the report was built with showIds. */
  customerSpeakerId: string;
  outcome: string;
  generatedSpeakerId?: string;
  /** The GeneratedSpeakerId the enrollment output recorded, when it differs. */
  expectedGeneratedSpeakerId?: string;
  /** The raw SpeakerStatus, when Voice ID returned one. */
  status?: string;
  note?: string;
}

export interface VerificationCheck {
  /** Stable and machine-readable: `speakers.missing`, `flow.<flow>.published`, `instance.voice-id-association`. */
  id: string;
  section: CheckSection;
  /** What must hold, in words: "No expected caller is missing from the domain". */
  name: string;
  status: CheckStatus;
  /** One line: what was found. */
  summary: string;
  /** Further lines (ids already masked). */
  details: string[];
  callers?: CallerFinding[];
}

export interface ReportSummary {
  total: number;
  passed: number;
  failed: number;
  skipped: number;
}

export interface VerificationReport {
  tool: "cvk verify";
  version: string;
  /** The environment verified, when there was one. */
  environment?: string;
  generatedAt: string;
  /** Seconds the checks took (informational). */
  durationSeconds: number;
  idsMasked: boolean;
  /** True when no check failed (skipped checks do not fail a run). */
  passed: boolean;
  summary: ReportSummary;
  checks: VerificationCheck[];
  /** Section facts for the JSON consumer: the speaker plan and counts, the instance and domain seen. */
  facts: Record<string, unknown>;
}

/** Masks a CustomerSpeakerId unless ids are to be shown. */
export function speakerIdForReport(customerSpeakerId: string, showIds: boolean): string {
  return showIds ? customerSpeakerId : maskSpeakerId(customerSpeakerId);
}

export function summarizeChecks(checks: readonly VerificationCheck[]): ReportSummary {
  return {
    total: checks.length,
    passed: checks.filter((check) => check.status === "pass").length,
    failed: checks.filter((check) => check.status === "fail").length,
    skipped: checks.filter((check) => check.status === "skip").length,
  };
}

export interface BuildReportOptions {
  environment?: string;
  showIds?: boolean;
  startedAt?: number;
  /** Default: now. */
  now?: () => number;
  facts?: Record<string, unknown>;
}

export function buildReport(
  checks: readonly VerificationCheck[],
  options: BuildReportOptions = {},
): VerificationReport {
  const now = options.now ?? Date.now;
  const end = now();
  const summary = summarizeChecks(checks);
  return {
    tool: "cvk verify",
    version: CVK_VERSION,
    ...(options.environment === undefined ? {} : { environment: options.environment }),
    generatedAt: new Date(end).toISOString(),
    durationSeconds: options.startedAt === undefined ? 0 : Math.max(0, (end - options.startedAt) / 1000),
    idsMasked: options.showIds !== true,
    passed: summary.failed === 0,
    summary,
    checks: [...checks],
    facts: options.facts ?? {},
  };
}

/** The checks that failed, as `id` list: what the CLI names in its one-line error. */
export function failedChecks(report: VerificationReport): VerificationCheck[] {
  return report.checks.filter((check) => check.status === "fail");
}
