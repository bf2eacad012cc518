/**
 * What the Voice ID sandbox stores, the service's documented limits, and the errors it answers
 * with. Record timestamps are epoch milliseconds of the sandbox clock; the wire shows epoch seconds.
 */

import { AwsServiceError } from "../service-error.ts";

/**
 * Documented quotas (aws-facts.md §3 "Quotas", from the Amazon Connect service-quotas page; all at
 * the account level, counted here per Region as Voice ID resources are regional).
 */
export const VOICE_ID_LIMITS = {
  domainsPerAccount: 3,
  /** "Watchlists per domain: 3, including the default." */
  watchlistsPerDomain: 3,
  fraudstersPerWatchlist: 500,
  speakersPerDomain: 100_000,
  requestsPerEnrollmentJob: 10_000,
  requestsPerRegistrationJob: 500,
  /** Schema pages: "at most 10 files per request". */
  audioFilesPerRequest: 10,
  /** "Each pagination token expires after 24 hours" (every List operation's NextToken doc). */
  nextTokenLifetimeMs: 24 * 60 * 60 * 1000,
  /** BIPA expiry: speakers not accessed for three years expire (AG voice-id.md, aws-facts.md §4). */
  speakerExpiryMs: 3 * 365 * 24 * 60 * 60 * 1000,
} as const;

/**
 * Defaults the model leaves open. Connect's Set Voice ID block defaults to an authentication
 * threshold of 90 and a fraud threshold of 50 (aws-facts.md §6); the sandbox uses the same numbers
 * for sessions and jobs that do not set their own.
 */
export const VOICE_ID_DEFAULTS = {
  acceptanceThreshold: 90,
  riskThreshold: 50,
  fraudsterSimilarityThreshold: 50,
  /** "10 s by default to authenticate" (AG voice-id.md). */
  authenticationSpeechSeconds: 10,
} as const;

export type SpeakerStatus = "ENROLLED" | "EXPIRED" | "OPTED_OUT" | "PENDING";
export type JobStatus = "SUBMITTED" | "IN_PROGRESS" | "COMPLETED" | "COMPLETED_WITH_ERRORS" | "FAILED";
export type JobKind = "enrollment" | "registration";
export type StreamingStatus = "PENDING_CONFIGURATION" | "ONGOING" | "ENDED";
export type ResourceType =
  | "BATCH_JOB"
  | "COMPLIANCE_CONSENT"
  | "DOMAIN"
  | "FRAUDSTER"
  | "SESSION"
  | "SPEAKER"
  | "WATCHLIST";
export type ConflictType =
  | "ANOTHER_ACTIVE_STREAM"
  | "DOMAIN_NOT_ACTIVE"
  | "CANNOT_CHANGE_SPEAKER_AFTER_ENROLLMENT"
  | "ENROLLMENT_ALREADY_EXISTS"
  | "SPEAKER_NOT_SET"
  | "SPEAKER_OPTED_OUT"
  | "CONCURRENT_CHANGES"
  | "DOMAIN_LOCKED_FROM_ENCRYPTION_UPDATES"
  | "CANNOT_DELETE_NON_EMPTY_WATCHLIST"
  | "FRAUDSTER_MUST_BELONG_TO_AT_LEAST_ONE_WATCHLIST";

export interface TagRecord {
  Key: string;
  Value: string;
}

export interface WatchlistRecord {
  watchlistId: string;
  name: string;
  description?: string;
  isDefault: boolean;
  createdAt: number;
  updatedAt: number;
  clientToken?: ClientTokenRecord;
}

export interface SseUpdateRecord {
  oldKmsKeyId: string;
  status: "IN_PROGRESS" | "COMPLETED" | "FAILED";
  message?: string;
  startedAt: number;
  /** DescribeDomain calls seen while IN_PROGRESS (the `polls` progression counts them). */
  describes: number;
}

/**
 * The ClientToken a resource was created with (idempotencyToken). It lives as long as the resource:
 * the same token with the same input returns that resource again.
 */
export interface ClientTokenRecord {
  token: string;
  /** `fingerprint()` of the creating request. */
  fingerprint: string;
}

export interface DomainRecord {
  domainId: string;
  region: string;
  arn: string;
  name: string;
  description?: string;
  kmsKeyId: string;
  createdAt: number;
  updatedAt: number;
  sseUpdate?: SseUpdateRecord;
  defaultWatchlistId: string;
  watchlists: WatchlistRecord[];
  tags: TagRecord[];
  clientToken?: ClientTokenRecord;
}

export interface SpeakerRecord {
  customerSpeakerId: string;
  generatedSpeakerId: string;
  status: SpeakerStatus;
  createdAt: number;
  updatedAt: number;
  lastAccessedAt?: number;
  /** The enrolled voiceprint vector (absent for opted-out speakers: they keep no voice data). */
  voiceprint?: number[];
}

export interface FraudsterRecord {
  generatedFraudsterId: string;
  createdAt: number;
  watchlistIds: string[];
  voiceprint?: number[];
}

export interface JobFailure {
  StatusCode: number;
  Message: string;
}

export interface JobRecord {
  kind: JobKind;
  jobId: string;
  jobName?: string;
  domainId: string;
  dataAccessRoleArn: string;
  /** EnrollmentConfig or RegistrationConfig as the request gave it (Describe echoes it). */
  config?: Record<string, unknown>;
  inputS3Uri: string;
  output: { S3Uri: string; KmsKeyId?: string };
  status: JobStatus;
  createdAt: number;
  endedAt?: number;
  failure?: JobFailure;
  /** Requests in the manifest, once it has been read. */
  total?: number;
  /** Requests processed so far (their results are in the job's result chunks). */
  processed: number;
  /** Per-request errors so far. */
  errors: number;
  /** Describe calls seen (the `polls` progression counts them). */
  describes: number;
  /** FaultInjector.takeJobFailure chose this job at Start: it ends FAILED. */
  injectedFailure?: boolean;
  clientToken?: ClientTokenRecord;
}

export interface SessionRecord {
  sessionId: string;
  sessionName: string;
  domainId: string;
  customerSpeakerId?: string;
  createdAt: number;
  updatedAt: number;
  streamingStatus: StreamingStatus;
  /** Audio aggregated so far (absent before any audio arrives). */
  audio?: {
    startedAt: number;
    endedAt: number;
    speechSeconds: number;
    voiceprint?: number[];
    /** Bumped whenever new audio arrives: results are cached until then (model docs). */
    version: number;
  };
  acceptanceThreshold: number;
  riskThreshold: number;
  watchlistId?: string;
  /** Net speech needed before a decision (Connect's "VoiceAuthenticationResponseTime", 5–10 s). */
  requiredSpeechSeconds: number;
  voiceSpoofingRisk: number;
  authentication?: { key: string; resultId: string };
  fraudDetection?: { key: string; resultId: string };
}

/** ENROLLED speakers not accessed for three years show as EXPIRED (aws-facts.md §4 "Expiry"). */
export function effectiveSpeakerStatus(speaker: SpeakerRecord, now: number): SpeakerStatus {
  if (speaker.status !== "ENROLLED") return speaker.status;
  const lastAccess = speaker.lastAccessedAt ?? speaker.createdAt;
  return now - lastAccess > VOICE_ID_LIMITS.speakerExpiryMs ? "EXPIRED" : "ENROLLED";
}

export function voiceIdArn(region: string, accountId: string, domainId: string): string {
  return `arn:${partitionOf(region)}:voiceid:${region}:${accountId}:domain/${domainId}`;
}

function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

/** Epoch seconds, as awsJson1_0 writes timestamps (aws-facts.md §2 "Wire format"). */
export function epochSeconds(ms: number): number {
  return ms / 1000;
}

export const GENERATED_ID = /^id#[a-zA-Z0-9]{22}$/;
/** The CustomerSpeakerId shape (1–256, `^[a-zA-Z0-9][a-zA-Z0-9_-]*$`). */
export const CUSTOMER_SPEAKER_ID = /^[a-zA-Z0-9][a-zA-Z0-9_-]*$/;

// --- Errors, with the statuses of the model's httpError traits (aws-facts.md §2 "Error shapes") ---

export function notFound(resourceType: ResourceType, message: string): AwsServiceError {
  return new AwsServiceError("ResourceNotFoundException", 404, message, { ResourceType: resourceType });
}

export function conflict(message: string, conflictType?: ConflictType): AwsServiceError {
  return new AwsServiceError(
    "ConflictException",
    409,
    message,
    conflictType ? { ConflictType: conflictType } : {},
  );
}

export function quotaExceeded(message: string): AwsServiceError {
  return new AwsServiceError("ServiceQuotaExceededException", 402, message);
}

export function invalid(message: string): AwsServiceError {
  return new AwsServiceError("ValidationException", 400, message);
}

export function accessDenied(message: string): AwsServiceError {
  return new AwsServiceError("AccessDeniedException", 403, message);
}

export function throttled(message = "Rate exceeded"): AwsServiceError {
  return new AwsServiceError("ThrottlingException", 429, message);
}

/** A stable fingerprint of a request for ClientToken comparison (key order does not matter). */
export function fingerprint(input: Record<string, unknown>): string {
  const { ClientToken: _token, ...rest } = input;
  return stableJson(rest);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${stableJson(item)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** FNV-1a, 32-bit: a cheap, stable hash for shard selection. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Voiceprint vectors rounded for storage (a 100,000-speaker domain keeps them all). */
export function compactVector(vector: readonly number[]): number[] {
  return vector.map((value) => Math.round(value * 1e5) / 1e5);
}
