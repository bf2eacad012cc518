export { detectCallerListFormat, type ReadCallerListOptions, readCallerList } from "./caller-list.ts";
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
export { type PrepareOptions, type PrepareResult, prepareRecordings } from "./prepare.ts";
export {
  type EnrollmentReport,
  type EnrollmentStatus,
  enrollmentStatus,
  REPORT_COLUMNS,
  REPORT_STATUSES,
  RETRY_COLUMNS,
  type ReportPaths,
  type ReportRow,
  type ReportStatus,
  renderReport,
} from "./report.ts";
export {
  clientTokenFor,
  MAX_ATTEMPTS,
  planIdOf,
  type RunEnrollmentOptions,
  type RunResult,
  runEnrollment,
  type ShardOutcome,
} from "./run.ts";
