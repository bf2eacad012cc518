export {
  detectCallerListFormat,
  type RawCallerRow,
  type ReadCallerListOptions,
  readCallerList,
} from "./caller-list.ts";
export {
  FRAUDSTER_REPORT,
  FRAUDSTER_REPORT_COLUMNS,
  FRAUDSTER_REPORT_STATUSES,
  type FraudsterReport,
  type FraudsterReportRow,
  type FraudsterReportStatus,
} from "./fraudster-report.ts";
export {
  FRAUDSTER_REGISTRATION,
  type RegisterFraudstersOptions,
  type RegisterFraudstersResult,
  registerFraudsters,
} from "./fraudsters.ts";
export {
  type IamPolicies,
  type IamPolicyOptions,
  iamPolicies,
  type PolicyDocument,
  type PolicyStatement,
} from "./iam.ts";
export {
  isValidCustomerSpeakerId,
  maskSpeakerId,
  type PlanEnrollmentOptions,
  planEnrollment,
} from "./plan.ts";
export { MAX_REQUESTS_PER_REGISTRATION_JOB } from "./plan-types.ts";
export { type PrepareOptions, type PrepareResult, prepareRecordings } from "./prepare.ts";
export {
  type EnrollmentReport,
  type EnrollmentStatus,
  enrollmentStatus,
  REPORT_COLUMNS,
  REPORT_STATUSES,
  RETRY_COLUMNS,
  type ReportKind,
  type ReportParts,
  type ReportPaths,
  type ReportRow,
  type ReportStatus,
  renderReport,
} from "./report.ts";
export {
  type BatchJobView,
  clientTokenFor,
  type JobKind,
  type JobRunOptions,
  type JobSettings,
  type JobsRunResult,
  MAX_ATTEMPTS,
  planIdOf,
  type RunEnrollmentOptions,
  type RunOutcome,
  type RunResult,
  runEnrollment,
  runJobs,
  type ShardOutcome,
  SPEAKER_ENROLLMENT,
} from "./run.ts";
