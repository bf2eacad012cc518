export { writeFileAtomic, writeFileAtomicSync } from "./atomic-file.ts";
export {
  type AwsClientOptions,
  type AwsClients,
  createAwsClients,
  resolveServiceEndpoints,
  type ServiceEndpoints,
} from "./aws-clients.ts";
export {
  type AwsErrorContext,
  awsErrorName,
  fromAwsError,
  isNotFoundError,
  isThrottlingError,
} from "./aws-errors.ts";
export { type Clock, ManualClock, systemClock } from "./clock.ts";
export { forEachConcurrently } from "./concurrently.ts";
export {
  DEFAULT_CONFIG_FILE,
  type EnvironmentSelection,
  type LoadedConfig,
  loadConfigFile,
  locateSetting,
  mergeSettings,
  requireSetting,
  selectEnvironment,
} from "./config.ts";
export {
  CONTACT_FLOW_TYPES,
  type ConfigFile,
  type ContactFlowType,
  configJsonSchema,
  type EnvironmentConfig,
} from "./config-schema.ts";
export {
  type CredentialCheck,
  checkCredentials,
  describeCredentialSource,
  maskAccessKeyId,
} from "./credentials.ts";
export { CvkError, type CvkErrorCode, type CvkErrorOptions, isCvkError, toCvkError } from "./errors.ts";
export {
  type CvkEvent,
  type CvkEventListener,
  ignoreEvents,
  type StepReporter,
  stepReporter,
} from "./events.ts";
export { acquirePidLock } from "./pid-lock.ts";
export {
  DOCUMENTED_QUOTAS,
  QuotaLimiter,
  type QuotaLimiterOptions,
  type QuotaLimiterStats,
  type RateQuota,
  sharedQuotaLimiter,
} from "./quota-limiter.ts";
export { type JournalEntry, RunJournal, type RunJournalOptions } from "./run-journal.ts";
export {
  formatS3Uri,
  isValidS3Uri,
  joinS3Key,
  parseS3Uri,
  type S3Location,
  VOICE_ID_S3_URI_PATTERN,
} from "./s3-uri.ts";
export { seededRandom } from "./seeded-random.ts";
export {
  type GlobalFlags,
  type Resolved,
  type ResolvedSettings,
  resolveSettings,
  type SettingSource,
} from "./settings.ts";
export { CVK_VERSION } from "./version.ts";
