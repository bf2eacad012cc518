/**
 * What a migration reports: `report.json` is a MigrationReport, and `report.html` is rendered from
 * it alone, so the HTML can be re-rendered from the JSON at any time.
 */

/** The steps of a migration, in order. */
export const MIGRATION_STEPS = [
  { id: "domain", title: "Voice ID domain (and its KMS key)" },
  { id: "fraudsters", title: "Watchlist and fraudster registration" },
  { id: "enrollment.check", title: "Enrollment: check the recordings" },
  { id: "enrollment.prepare", title: "Enrollment: prepare the recordings Voice ID would refuse" },
  { id: "enrollment.plan", title: "Enrollment: plan" },
  { id: "enrollment.run", title: "Enrollment: upload, jobs, collect" },
  { id: "flows", title: "Contact flows: render, lint, deploy, publish" },
  { id: "instance", title: "Instance: Voice ID association and phone numbers" },
  { id: "verify", title: "Verify all" },
] as const;

export type MigrationStepId = (typeof MIGRATION_STEPS)[number]["id"];

/** One AWS write a migration makes (or, with `plan`, would make). */
export interface MigrationWrite {
  step: MigrationStepId;
  service: "voiceid" | "connect" | "s3";
  operation: string;
  /** What it writes, in words. */
  summary: string;
  /** How many requests of this kind (uploads, jobs), when more than one. */
  count?: number;
}

export interface StepRecord {
  step: MigrationStepId;
  title: string;
  status: "done" | "skipped" | "planned" | "failed" | "not reached";
  /** One line: what the step found or did. */
  summary: string;
  startedAt?: string;
  finishedAt?: string;
  /** Done by an earlier invocation of this migration (a resumed migration skips it). */
  earlier?: boolean;
}

export interface DomainOutcome {
  domainId: string;
  arn: string;
  name: string;
  created: boolean;
  kmsKeyId?: string;
  kmsUpdated: boolean;
}

export interface CountByReason {
  reason: string;
  /** Where the caller was stopped: excluded by the plan, or failed in the Voice ID job. */
  stage: "plan" | "job";
  count: number;
  /** In words: what the reason means, and what to do. */
  explanation: string;
}

export interface PrepareOutcome {
  /** Recordings converted (this invocation or an earlier one). */
  converted: number;
  /** Recordings prepare could not fix (they stay excluded with their reason). */
  unfixable: number;
  /** What the converted recordings had wrong, by reason. */
  fixedByReason: Record<string, number>;
  callers?: string;
}

export interface HistogramBin {
  /** Seconds of net speech, [from, to). */
  from: number;
  to: number;
  count: number;
}

export interface JobTiming {
  kind: "enrollment" | "fraudster registration";
  shard: number;
  jobId?: string;
  status: string;
  requests: number;
  startedAt?: string;
  endedAt?: string;
}

export interface EnrollmentOutcome {
  callers: number;
  /** Report statuses: NEW_ENROLLMENT, ENROLLMENT_OVERWRITE, DUPLICATE_SKIPPED, FAILED, EXCLUDED_IN_PLAN, PENDING. */
  counts: Record<string, number>;
  enrolled: number;
  failed: number;
  excluded: number;
  /** FAILED and EXCLUDED_IN_PLAN callers, by reason. */
  byReason: CountByReason[];
  prepare?: PrepareOutcome;
  /** Net speech per planned caller (all their recordings together). */
  speech: { minSeconds: number; bins: HistogramBin[]; measured: number };
  jobs: JobTiming[];
  uploads?: { files: number; uploaded: number; skipped: number; bytes: number };
  paths: { plan: string; run?: string; reportCsv?: string; reportJson?: string };
}

export interface FraudstersOutcome {
  watchlist?: { watchlistId: string; name: string; created: boolean };
  fraudsters: number;
  counts: Record<string, number>;
  jobs: JobTiming[];
  paths: { plan?: string; run?: string; reportCsv?: string };
}

export interface FlowOutcome {
  name: string;
  id?: string;
  arn?: string;
  outcome: "created" | "updated" | "published" | "unchanged" | "would create" | "would update";
  published: boolean;
  lint: { errors: number; warnings: number; findings: { severity: string; rule: string; message: string }[] };
  /** The rendered flow (references resolved on the instance), and its Mermaid diagram. */
  contentPath: string;
  mermaid: string;
  writes: string[];
}

export interface InstanceOutcome {
  instanceId: string;
  association: "associated" | "already-associated" | "would-associate";
  domainArn: string;
  phoneNumbers: { number: string; flow: string; outcome: string }[];
}

export interface VerificationCheckResult {
  /** speakers, flow, instance … */
  group: string;
  name: string;
  status: "passed" | "failed" | "skipped";
  message?: string;
}

export interface VerificationOutcome {
  passed: boolean;
  counts: { passed: number; failed: number; skipped: number };
  checks: VerificationCheckResult[];
  /** Reports the verification wrote (JUnit XML, Markdown …). */
  paths?: Record<string, string>;
}

export interface MigrationReport {
  version: 1;
  env: string;
  region?: string;
  /** `plan`: reads only; the writes listed are what a migration would make. */
  mode: "migrate" | "plan";
  migrationId: string;
  outcome: "succeeded" | "failed" | "planned";
  failure?: { step: string; code: string; message: string; hint?: string };
  startedAt: string;
  finishedAt: string;
  /** Invocations of this migration (more than 1 when it was resumed). */
  invocations: number;
  steps: StepRecord[];
  writes: MigrationWrite[];
  domain?: DomainOutcome;
  fraudsters?: FraudstersOutcome;
  enrollment?: EnrollmentOutcome;
  flows: FlowOutcome[];
  instance?: InstanceOutcome;
  verification?: VerificationOutcome;
  paths: { dir: string; journal?: string; reportJson: string; reportHtml: string };
}
