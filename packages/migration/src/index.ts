/**
 * @cvk/migration: the whole Voice ID migration of one environment (`runMigration`, behind
 * `cvk migrate`), resumable from its journal, with a plan mode that writes nothing, a self-contained
 * HTML report, and the demo's deterministic synthetic callers.
 */
export type { MigrateOptions } from "./context.ts";
export {
  type DemoCaller,
  type DemoRecording,
  type DemoWorkspace,
  demoFixturesDir,
  materializeDemo,
  readDemoRecordings,
} from "./demo.ts";
export { mermaidToSvg, parseMermaidFlowchart } from "./flow-diagram.ts";
export { deriveMigrationState, MIGRATION_JOURNAL, type MigrationState } from "./journal.ts";
export { type MigrationResult, migrationConfigHash, runMigration } from "./migrate.ts";
export { readMigrationReport, writeMigrationReport } from "./report.ts";
export { renderReportHtml } from "./report-html.ts";
export {
  type CountByReason,
  type DomainOutcome,
  type EnrollmentOutcome,
  type FlowOutcome,
  type FraudstersOutcome,
  type HistogramBin,
  type InstanceOutcome,
  type JobTiming,
  MIGRATION_STEPS,
  type MigrationReport,
  type MigrationStepId,
  type MigrationWrite,
  type PrepareOutcome,
  type StepRecord,
  type VerificationCheckResult,
  type VerificationOutcome,
} from "./types.ts";
export { type VerifyFunction, type VerifyInput, verifyAll } from "./verify-step.ts";
