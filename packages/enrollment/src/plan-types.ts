/**
 * The enrollment plan: what `cvk enroll plan` writes and `cvk enroll run` executes. A plan directory
 * holds `plan.json` (this EnrollmentPlan), `speakers.jsonl` (one PlannedSpeaker per line, so a
 * million callers never sit in memory as one JSON document), `problems.jsonl` (one PlanProblem per
 * line), `manifests/shard-NNN.json` (Voice ID manifests, ≤ 10,000 requests each) and `summary.txt`.
 */

/** One row of a caller list: one recording of one caller. */
export interface CallerRecording {
  /** 1-based line of the source (CSV/JSONL), or 1-based request index for a manifest. */
  line: number;
  customerSpeakerId: string;
  /** Absolute local path, or an s3:// URI. */
  audio: string;
  /** Voice ID ChannelId (0 or 1); 0 when the list does not say. */
  channel: number;
  requestId?: string;
}

export type CallerListFormat = "csv" | "jsonl" | "manifest";

export interface PlannedRecording {
  /** As in the caller list, resolved: an absolute local path or an s3:// URI. */
  audio: string;
  channel: number;
  /** Where Voice ID reads it: the upload target for local files, the URI itself for S3 objects. */
  s3Uri: string;
  bytes?: number;
  /** Net speech on `channel`, when measured. */
  speechSeconds?: number;
}

export interface PlannedSpeaker {
  customerSpeakerId: string;
  requestId: string;
  /** At most 10 (the per-request limit), those with the most net speech. */
  recordings: PlannedRecording[];
  /** Recordings left out because the speaker had more than 10 usable ones. */
  droppedRecordings: number;
  /** 1-based shard (job) this speaker is in. */
  shard: number;
}

/** Why a row, recording or speaker cannot be enrolled as planned. */
export interface PlanProblem {
  line: number;
  customerSpeakerId?: string;
  audio?: string;
  /** A stable reason: an @cvk/audio AudioIssueReason or one of the list-level reasons. */
  reason: string;
  message: string;
  /** What to do about it (e.g. what `cvk enroll prepare` would do). */
  hint?: string;
  /** True when the problem removes the row/speaker from the plan (false: a warning). */
  excluded: boolean;
}

export interface PlannedShard {
  /** 1-based. */
  index: number;
  /** Path of the manifest, relative to the plan directory. */
  manifest: string;
  /** Where run uploads the manifest. */
  manifestS3Uri: string;
  requests: number;
  /** SHA-256 of the manifest bytes: the job's ClientToken derives from it. */
  sha256: string;
}

export interface EnrollmentPlan {
  version: 1;
  kind: "speaker-enrollment" | "fraudster-registration";
  createdAt: string;
  source: { path: string; format: CallerListFormat; rows: number };
  /** Upload target for local recordings and manifests. */
  inputS3Uri: string;
  shards: PlannedShard[];
  counts: {
    rows: number;
    speakers: number;
    plannedSpeakers: number;
    excludedSpeakers: number;
    recordings: number;
    plannedRecordings: number;
    /** Problems by reason (excluded or not). */
    byReason: Record<string, number>;
  };
  warnings: string[];
}

/** Voice ID's per-job quota for speaker enrollment (aws-facts.md §3: the quotas page, not the blog's "100K"). */
export const MAX_REQUESTS_PER_ENROLLMENT_JOB = 10_000;
/** Voice ID's per-job quota for fraudster registration. */
export const MAX_REQUESTS_PER_REGISTRATION_JOB = 500;
/** AudioSpecifications per request (aws-facts.md §3). */
export const MAX_RECORDINGS_PER_REQUEST = 10;
/** Speakers per domain (aws-facts.md §3). */
export const MAX_SPEAKERS_PER_DOMAIN = 100_000;
