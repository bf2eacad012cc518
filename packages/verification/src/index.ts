export { type VerifyEnvironmentOptions, type VerifyScope, verifyEnvironment } from "./environment.ts";
export {
  type ExpectedSourceKind,
  type ExpectedSpeaker,
  type ExpectedSpeakers,
  readExpectedSpeakers,
} from "./expected.ts";
export {
  CONFIGURED_FIELDS,
  type FlowSettings,
  flowSettings,
  VOICE_ID_FIELDS,
  type VoiceIdField,
} from "./flow-settings.ts";
export { flowSlug, type VerifyFlowsOptions, verifyFlows } from "./flows.ts";
export { type InstanceVerification, type VerifyInstanceOptions, verifyInstance } from "./instance.ts";
export {
  LIST_SPEAKERS_PAGE_SIZE,
  MAX_SPEAKERS_PER_DOMAIN,
  planSpeakerVerification,
  type SpeakerPlan,
  type SpeakerPlanOptions,
  type SpeakerStrategy,
  shouldSwitchToDescribe,
  sweepCalls,
} from "./planner.ts";
export { escapeXml, renderJson, renderJunit, renderMarkdown, renderTable } from "./renderers.ts";
export {
  type BuildReportOptions,
  buildReport,
  type CallerFinding,
  type CheckSection,
  type CheckStatus,
  failedChecks,
  type ReportSummary,
  summarizeChecks,
  type VerificationCheck,
  type VerificationReport,
} from "./report.ts";
export { type ReadRetryOptions, readWithRetry } from "./retry.ts";
export {
  guardSection,
  type SectionResult,
  type SpeakerSectionOptions,
  speakerSection,
} from "./sections.ts";
export { type SpeakerCheckOptions, speakerChecks } from "./speaker-checks.ts";
export {
  type CallerResult,
  type SampleComparison,
  SPEAKER_OUTCOMES,
  type SpeakerOutcome,
  type SpeakerVerification,
  sampleIndexes,
  type VerifySpeakersOptions,
  verifySpeakers,
} from "./speakers.ts";
