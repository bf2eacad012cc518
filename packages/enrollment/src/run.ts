/**
 * `cvk enroll run`: executes an enrollment plan against Voice ID — ensure the domain (and the fraud
 * watchlist), upload recordings and manifests, run the shards' jobs one at a time, download their
 * output files and write the report.
 *
 * The pipeline is shared by both batch job kinds (`runJobs` with a JobKind): speaker enrollment
 * (`runEnrollment`, below) and fraudster registration (`registerFraudsters`, fraudsters.ts). A kind
 * says which Start/Describe operation to call, the configuration member, the output file's section
 * and the report's rows; journal, uploads, idempotency, polling and resume are the same.
 *
 * Resumability: every step is journaled in `runDir/journal.jsonl` (RunJournal: append-only,
 * fsync'd). A re-run after Ctrl-C, a crash or SIGKILL reads the journal and carries on:
 * - the domain and watchlist found or created are reused;
 * - uploads: files journaled as uploaded are skipped without a request; the others are checked
 *   against S3 first (ListObjectsV2 for the sizes under the plan's input prefix, then HeadObject for
 *   same-size objects) and skipped when the object has the same size and the same SHA-256.
 *   **Checksum used**: cvk computes the SHA-256 of the local file and stores it as user metadata
 *   `x-amz-meta-cvk-sha256` on upload; HeadObject compares ContentLength and that metadata. Neither
 *   the ETag (not an MD5 for multipart or SSE-KMS objects) nor S3's x-amz-checksum-* (composite,
 *   per part, for multipart uploads) can be compared with a whole-file digest.
 * - jobs: the Start…Job request is journaled *before* it is sent, with a ClientToken
 *   derived from the shard's sha256, the domain id and the attempt number; after a crash between the
 *   call and the journal entry, the very same request is replayed and Voice ID's idempotency returns
 *   the same job. A shard whose job is journaled is only polled, never started again.
 * - outputs already saved in `runDir/outputs/` are not downloaded again.
 * A shard whose job FAILED for a transient reason (5xx) is retried — with a new attempt number, so a
 * new ClientToken — on the next invocation (at most MAX_ATTEMPTS per shard); within one invocation
 * its callers are reported FAILED and listed in retry.csv.
 *
 * Ctrl-C (the AbortSignal) lets the step in flight finish (uploads in flight complete and are
 * journaled; a Start call in flight completes and is journaled), then throws CvkError INTERRUPTED.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import type {
  EnrollmentConfig,
  ListDomainsCommandOutput,
  StartSpeakerEnrollmentJobCommandInput,
  VoiceIDClient,
} from "@aws-sdk/client-voice-id";
import {
  type AwsClients,
  awsErrorName,
  type Clock,
  CvkError,
  type CvkEventListener,
  forEachConcurrently,
  fromAwsError,
  isNotFoundError,
  parseS3Uri,
  RunJournal,
  type StepReporter,
  stepReporter,
  systemClock,
  writeFileAtomic,
} from "@cvk/core";
import { s3Sdk, storageSdk, voiceIdSdk } from "./aws-sdk.ts";
import type { EnrollmentPlan, PlannedShard } from "./plan-types.ts";
import { MAX_READ_BYTES, readWhole } from "./read-whole.ts";
import {
  type DomainData,
  deriveRunState,
  ENROLLMENT_REPORT,
  type EnrollmentReport,
  explainJobFailure,
  isTransientCode,
  JOURNAL,
  type JobEndedData,
  type JobStartingData,
  plannedSpeakers,
  type ReportKind,
  type ReportPaths,
  type ReportRow,
  type RunState,
  readPlan,
  type ShardState,
  type WatchlistData,
  writeReport,
} from "./report.ts";

/** Options shared by both job kinds (`runEnrollment`, `registerFraudsters`). */
export interface JobRunOptions {
  planDir: string;
  runDir: string;
  clients: AwsClients;
  domain: { id?: string; name?: string; create?: boolean; kmsKeyId?: string; description?: string };
  dataAccessRoleArn: string;
  outputS3Uri: string;
  outputKmsKeyId?: string;
  /** Uploads in flight at once (default 8). */
  concurrency?: number;
  /**
   * First wait between two Describe…Job calls (default 2000 ms, then ×1.5 while the job does not
   * move, at most 30 s): well within the 2 TPS batch-API quota. 0: no waiting (tests).
   */
  pollIntervalMs?: number;
  clock?: Clock;
  signal?: AbortSignal;
  onEvent?: CvkEventListener;
}

export interface RunEnrollmentOptions extends JobRunOptions {
  watchlist?: { name: string };
  existingEnrollmentAction?: "SKIP" | "OVERWRITE";
  fraudDetection?: { action?: "IGNORE" | "FAIL"; riskThreshold?: number; watchlist?: string };
}

/** A batch job as Describe…Job returns it: the fields the run reads (both kinds have them). */
export interface BatchJobView {
  JobStatus?: string;
  JobProgress?: { PercentComplete?: number };
  FailureDetails?: { StatusCode?: number; Message?: string };
  OutputDataConfig?: { S3Uri?: string };
}

/** What differs between the batch job kinds; journal, uploads, polling and resume are shared. */
export interface JobKind<Row, Report> {
  planKind: EnrollmentPlan["kind"];
  /** "speaker enrollment", "fraudster registration": in messages. */
  title: string;
  /** What to run a plan of the other kind with. */
  otherKindHint: string;
  /** The Start…Job input's configuration member. */
  configField: "EnrollmentConfig" | "RegistrationConfig";
  startOperation: string;
  describeOperation: string;
  /** Sends Start…Job with `request` and returns the JobId. */
  start(voiceId: VoiceIDClient, request: Record<string, unknown>): Promise<string | undefined>;
  describe(voiceId: VoiceIDClient, domainId: string, jobId: string): Promise<BatchJobView | undefined>;
  /** A success in progress lines: "enrolled", "registered". */
  doneVerb: string;
  /** What the report's rows are: "callers", "fraudsters". */
  rowNoun: string;
  report: ReportKind<Row, Report>;
}

/** One run's kind-specific settings. */
export interface JobSettings {
  /** The watchlist to ensure: by name, or the domain's default one when `name` is absent. None: no watchlist. */
  watchlist?: { name?: string | undefined };
  /** The Start…Job configuration member, given the watchlist id. */
  config(watchlistId: string | undefined): object | undefined;
}

export const SPEAKER_ENROLLMENT: JobKind<ReportRow, EnrollmentReport> = {
  planKind: "speaker-enrollment",
  title: "speaker enrollment",
  otherKindHint: "Use `cvk fraudsters register` for fraudster registration plans.",
  configField: "EnrollmentConfig",
  startOperation: "StartSpeakerEnrollmentJob",
  describeOperation: "DescribeSpeakerEnrollmentJob",
  start: async (voiceId, request) =>
    (
      await voiceId.send(
        new (
          await voiceIdSdk()
        ).StartSpeakerEnrollmentJobCommand(request as unknown as StartSpeakerEnrollmentJobCommandInput),
      )
    ).Job?.JobId,
  describe: async (voiceId, domainId, jobId) =>
    (
      await voiceId.send(
        new (
          await voiceIdSdk()
        ).DescribeSpeakerEnrollmentJobCommand({ DomainId: domainId, JobId: jobId }),
      )
    ).Job,
  doneVerb: "enrolled",
  rowNoun: "callers",
  report: ENROLLMENT_REPORT,
};

export interface ShardOutcome {
  shard: number;
  attempt: number;
  jobId?: string;
  status: string;
  failure?: { StatusCode?: number; Message?: string; explanation: string };
}

/** What every run returns, whatever the job kind. */
export interface RunOutcome {
  runDir: string;
  planId: string;
  domainId: string;
  watchlistId?: string;
  /** True when this invocation continued an earlier one. */
  resumed: boolean;
  uploads: { files: number; uploaded: number; skipped: number; bytes: number };
  shards: ShardOutcome[];
  paths: ReportPaths;
}

export interface JobsRunResult<Report> extends RunOutcome {
  counts: Record<string, number>;
  /** Report rows (callers, fraudsters), and those of them in retry.csv. */
  rows: number;
  retryRows: number;
  report: Report;
}

export interface RunResult extends RunOutcome {
  counts: EnrollmentReport["counts"];
  callers: number;
  retryCallers: number;
}

/** Attempts per shard across invocations when its job FAILS for a transient reason. */
export const MAX_ATTEMPTS = 3;
const DEFAULT_POLL_MS = 2000;
const MAX_POLL_MS = 30_000;
// Uploads in flight. S3 has no per-API TPS quota at this scale (3,500 PUT/s per prefix); the upload
// benchmark measured 64 in flight at 2.2× `aws s3 cp --recursive` (its 10), and 32 or 8 in flight
// slower on a busy machine (bench/upload.bench.ts).
const DEFAULT_CONCURRENCY = 64;
/** Files up to this size go up in one PutObject; larger ones (Voice ID allows 20 MB) as multipart (lib-storage). */
const PART_SIZE = 8 * 1024 * 1024;
/** How many finished uploads are grouped in one journal entry. */
const UPLOAD_JOURNAL_BATCH = 100;
export const SHA256_METADATA = "cvk-sha256";

/**
 * A content id for a plan: the same shards (by content) to the same input prefix give the same id,
 * whatever `createdAt` says, so re-running the same plan resumes the same run directory.
 */
export function planIdOf(plan: EnrollmentPlan): string {
  const hash = createHash("sha256");
  hash.update(`${plan.kind}\n${plan.inputS3Uri}\n`);
  for (const shard of plan.shards) hash.update(`${shard.index}:${shard.sha256}\n`);
  return hash.digest("hex").slice(0, 16);
}

/**
 * `[a-zA-Z0-9-_]{1,64}`: derived from the shard's content, the domain and the attempt — and the
 * job's configuration when given, so the same manifest run with another configuration (e.g.
 * REGISTER_AS_NEW after SKIP) is a new job rather than a reused token (a 409).
 */
export function clientTokenFor(
  shardSha256: string,
  domainId: string,
  attempt: number,
  configuration?: string,
): string {
  const digest = createHash("sha256")
    .update(`${shardSha256}:${domainId}:${attempt}${configuration === undefined ? "" : `:${configuration}`}`)
    .digest("hex");
  return `cvk-${digest.slice(0, 48)}-${attempt}`;
}

function interrupted(step: string, runDir: string): CvkError {
  return new CvkError("INTERRUPTED", `Stopped during ${step}; the run journal is consistent`, {
    hint: `Re-run the same command (run directory ${runDir}) to resume where it stopped; no job is started twice.`,
    details: { step, runDir },
  });
}

function abortableSleep(clock: Clock, ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0 || !signal) return clock.sleep(ms);
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      signal.removeEventListener("abort", done);
      resolve();
    };
    signal.addEventListener("abort", done, { once: true });
    void clock.sleep(ms).then(done);
  });
}

function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, "0")}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`;
}

interface Context {
  options: JobRunOptions;
  kind: JobKind<unknown, unknown>;
  settings: JobSettings;
  plan: EnrollmentPlan;
  planDir: string;
  runDir: string;
  journal: RunJournal;
  clock: Clock;
  signal: AbortSignal | undefined;
  planId: string;
}

function state(context: Context): RunState {
  return deriveRunState(context.journal.entries);
}

function checkAbort(context: Context, step: string): void {
  if (context.signal?.aborted) {
    context.journal.append(JOURNAL.interrupted, { step });
    throw interrupted(step, context.runDir);
  }
}

// --- Domain and watchlist ----------------------------------------------------------------------------

const DOMAIN_HINT =
  "Check voiceId.domain.id / voiceId.domain.name for this environment, or set voiceId.domain.create: true (with voiceId.domain.kmsKeyId) to let cvk create it.";

async function ensureDomain(context: Context, report: StepReporter): Promise<DomainData> {
  const known = state(context).domain;
  const wanted = context.options.domain;
  if (known) {
    if (wanted.id && wanted.id !== known.domainId) {
      throw new CvkError(
        "INPUT_INVALID",
        `This run directory was started on domain ${known.domainId}, not ${wanted.id}`,
        { hint: "Use a new run directory (--run-dir) to enroll into another domain." },
      );
    }
    report.info(`domain ${known.name} (${known.domainId}), from the run journal`);
    return known;
  }
  const { voiceId } = context.options.clients;
  let found: DomainData | undefined;
  if (wanted.id) {
    try {
      const { Domain } = await voiceId.send(
        new (await voiceIdSdk()).DescribeDomainCommand({ DomainId: wanted.id }),
      );
      found = {
        domainId: Domain?.DomainId ?? wanted.id,
        arn: Domain?.Arn ?? "",
        name: Domain?.Name ?? "",
        created: false,
      };
    } catch (error) {
      if (isNotFoundError(error)) {
        throw new CvkError("AWS_NOT_FOUND", `The Voice ID domain ${wanted.id} does not exist`, {
          hint: DOMAIN_HINT,
          cause: error,
        });
      }
      throw fromAwsError(error, { operation: "VoiceID.DescribeDomain", resource: `domain ${wanted.id}` });
    }
  } else if (wanted.name) {
    const matches: DomainData[] = [];
    let nextToken: string | undefined;
    do {
      let page: ListDomainsCommandOutput;
      try {
        page = await voiceId.send(
          new (await voiceIdSdk()).ListDomainsCommand({
            MaxResults: 10,
            ...(nextToken ? { NextToken: nextToken } : {}),
          }),
        );
      } catch (error) {
        throw fromAwsError(error, { operation: "VoiceID.ListDomains" });
      }
      for (const summary of page.DomainSummaries ?? []) {
        if (summary.Name === wanted.name && summary.DomainId) {
          matches.push({
            domainId: summary.DomainId,
            arn: summary.Arn ?? "",
            name: summary.Name,
            created: false,
          });
        }
      }
      nextToken = page.NextToken;
    } while (nextToken);
    if (matches.length > 1) {
      throw new CvkError("INPUT_INVALID", `${matches.length} Voice ID domains are named ${wanted.name}`, {
        hint: `Set voiceId.domain.id to one of ${matches.map((m) => m.domainId).join(", ")}.`,
      });
    }
    found = matches[0];
    if (!found) {
      if (!wanted.create) {
        throw new CvkError("AWS_NOT_FOUND", `No Voice ID domain is named ${wanted.name}`, {
          hint: DOMAIN_HINT,
        });
      }
      if (!wanted.kmsKeyId) {
        throw new CvkError("CONFIG_INVALID", `Creating the domain ${wanted.name} needs a KMS key`, {
          hint: "Set voiceId.domain.kmsKeyId (a symmetric KMS key id, ARN or alias) for this environment.",
        });
      }
      try {
        const { Domain } = await voiceId.send(
          new (await voiceIdSdk()).CreateDomainCommand({
            Name: wanted.name,
            ServerSideEncryptionConfiguration: { KmsKeyId: wanted.kmsKeyId },
            ...(wanted.description ? { Description: wanted.description } : {}),
            ClientToken: `cvk-${createHash("sha256").update(`domain:${wanted.name}:${context.planId}`).digest("hex").slice(0, 40)}`,
          }),
        );
        found = {
          domainId: Domain?.DomainId ?? "",
          arn: Domain?.Arn ?? "",
          name: wanted.name,
          created: true,
        };
      } catch (error) {
        throw fromAwsError(error, { operation: "VoiceID.CreateDomain", resource: `domain ${wanted.name}` });
      }
    }
  } else {
    throw new CvkError("CONFIG_INVALID", "No Voice ID domain is configured", {
      hint: "Set voiceId.domain.name (or voiceId.domain.id) for this environment.",
    });
  }
  context.journal.append(JOURNAL.domain, found);
  report.info(`${found.created ? "created domain" : "domain"} ${found.name} (${found.domainId})`);
  return found;
}

/** The watchlist named `name`, created when missing; without a name, the domain's default watchlist. */
async function ensureWatchlist(
  context: Context,
  domainId: string,
  name: string | undefined,
  report: StepReporter,
): Promise<WatchlistData> {
  const known = state(context).watchlist;
  if (known && (name === undefined ? known.default === true : known.name === name)) return known;
  const { voiceId } = context.options.clients;
  let found: WatchlistData | undefined;
  let nextToken: string | undefined;
  try {
    do {
      const page = await voiceId.send(
        new (await voiceIdSdk()).ListWatchlistsCommand({
          DomainId: domainId,
          ...(nextToken ? { NextToken: nextToken } : {}),
        }),
      );
      const match = page.WatchlistSummaries?.find((w) =>
        name === undefined ? w.DefaultWatchlist === true : w.Name === name,
      );
      if (match?.WatchlistId) {
        found = {
          watchlistId: match.WatchlistId,
          name: match.Name ?? name ?? "",
          created: false,
          ...(name === undefined ? { default: true } : {}),
        };
      }
      nextToken = found ? undefined : page.NextToken;
    } while (nextToken);
    if (!found) {
      if (name === undefined) {
        throw new CvkError("AWS_NOT_FOUND", `The domain ${domainId} lists no default watchlist`, {
          hint: "Set voiceId.watchlist.name to a watchlist to register the fraudsters in.",
        });
      }
      const { Watchlist } = await voiceId.send(
        new (await voiceIdSdk()).CreateWatchlistCommand({
          DomainId: domainId,
          Name: name,
          ClientToken: `cvk-${createHash("sha256").update(`watchlist:${domainId}:${name}`).digest("hex").slice(0, 40)}`,
        }),
      );
      found = { watchlistId: Watchlist?.WatchlistId ?? "", name, created: true };
      report.info(`created watchlist ${name} (${found.watchlistId})`);
    }
  } catch (error) {
    if (error instanceof CvkError) throw error;
    throw fromAwsError(error, {
      operation: "VoiceID.ListWatchlists/CreateWatchlist",
      resource: `domain ${domainId}`,
    });
  }
  // Set on every path that does not throw.
  const watchlist = found as WatchlistData;
  context.journal.append(JOURNAL.watchlist, watchlist);
  if (watchlist.default) report.info(`default watchlist ${watchlist.name} (${watchlist.watchlistId})`);
  return watchlist;
}

// --- Uploads -------------------------------------------------------------------------------------------

interface UploadTarget {
  local: string;
  s3Uri: string;
}

async function collectTargets(context: Context): Promise<UploadTarget[]> {
  const targets: UploadTarget[] = [];
  const seen = new Set<string>();
  for await (const speaker of plannedSpeakers(context.planDir)) {
    for (const recording of speaker.recordings) {
      if (recording.audio.startsWith("s3://") || seen.has(recording.s3Uri)) continue;
      seen.add(recording.s3Uri);
      targets.push({ local: recording.audio, s3Uri: recording.s3Uri });
    }
  }
  // Manifests last: a job never sees a manifest whose recordings are not all uploaded.
  for (const shard of context.plan.shards) {
    if (seen.has(shard.manifestS3Uri)) continue;
    seen.add(shard.manifestS3Uri);
    targets.push({ local: resolve(context.planDir, shard.manifest), s3Uri: shard.manifestS3Uri });
  }
  return targets;
}

/** Sizes of the objects under the plan's input prefix (one ListObjectsV2 page per 1,000 keys). */
async function listSizes(
  context: Context,
): Promise<{ bucket: string; prefix: string; sizes: Map<string, number> }> {
  const { bucket, key: prefix } = parseS3Uri(context.plan.inputS3Uri);
  const sizes = new Map<string, number>();
  let token: string | undefined;
  try {
    do {
      const page = await context.options.clients.s3.send(
        new (await s3Sdk()).ListObjectsV2Command({
          Bucket: bucket,
          ...(prefix ? { Prefix: prefix } : {}),
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      for (const object of page.Contents ?? []) if (object.Key) sizes.set(object.Key, object.Size ?? -1);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  } catch (error) {
    throw fromAwsError(error, { operation: "S3.ListObjectsV2", resource: `s3://${bucket}/${prefix}` });
  }
  return { bucket, prefix, sizes };
}

function roundUpTo(value: number, step: number): number {
  return Math.ceil(value / step) * step;
}

/** Failures worth another round once the SDK's own retries are spent (server errors, throttling, the network). */
const TRANSIENT_UPLOAD_CODES = new Set(["AWS_SERVICE", "AWS_THROTTLED", "AWS_UNREACHABLE"]);
const UPLOAD_RETRY_ROUNDS = 2;

async function uploadAll(context: Context, report: StepReporter): Promise<RunResult["uploads"]> {
  const before = state(context);
  if (before.uploadsDone) {
    report.info(`uploads done earlier (${before.uploadsDone.files} files)`);
    return before.uploadsDone;
  }
  const all = await collectTargets(context);
  const pending = all.filter((target) => !before.uploaded.has(target.s3Uri));
  const totals = { files: all.length, uploaded: 0, skipped: all.length - pending.length, bytes: 0 };
  report.started(all.length, `${all.length} files, ${pending.length} not yet uploaded`);
  const listing = pending.length > 0 ? await listSizes(context) : undefined;
  const s3 = context.options.clients.s3;
  const concurrency = Math.max(1, context.options.concurrency ?? DEFAULT_CONCURRENCY);

  let batch: string[] = [];
  const flush = () => {
    if (batch.length === 0) return;
    // Not flushed: on resume, S3 itself (ListObjectsV2 sizes, HeadObject SHA-256) confirms uploads.
    context.journal.append(JOURNAL.uploaded, { uris: batch }, { flush: false });
    batch = [];
  };
  let done = totals.skipped;
  const every = Math.max(1, Math.floor(all.length / 100));

  // Read buffers go back here once their upload has ended, for the next file: a fresh 160 KB
  // buffer per file cost more in page faults than the read itself (bench/upload.bench.ts). There are
  // at most as many as uploads in flight, each at most PART_SIZE, the memory those uploads hold anyway.
  const spare: Buffer[] = [];
  const one = async (target: UploadTarget): Promise<void> => {
    let recycle: Buffer | undefined;
    try {
      await uploadOne(target, (size) => {
        if (size > PART_SIZE) return undefined;
        const reused = spare.pop();
        recycle = reused && reused.length >= size ? reused : Buffer.allocUnsafe(roundUpTo(size, 64 * 1024));
        return recycle;
      });
    } finally {
      // Only after the upload has ended: until then the SDK may still send (or resend) the body.
      if (recycle) spare.push(recycle);
    }
  };

  const uploadOne = async (
    target: UploadTarget,
    bufferFor: (size: number) => Buffer | undefined,
  ): Promise<void> => {
    const { bucket, key } = parseS3Uri(target.s3Uri);
    let body: Buffer;
    try {
      const read = readWhole(target.local, MAX_READ_BYTES, bufferFor);
      if (!read.body || read.body.length !== read.size) {
        throw new CvkError("INPUT_INVALID", `${target.local} is larger than Voice ID accepts (20 MB)`, {
          hint: "Re-plan the caller list: `cvk enroll plan` rejects recordings over 20 MB.",
        });
      }
      body = read.body;
    } catch (error) {
      if (error instanceof CvkError) throw error;
      throw new CvkError("INPUT_NOT_FOUND", `Cannot read ${target.local}: ${(error as Error).message}`, {
        hint: "The plan points at a local file that moved or was deleted; restore it or re-plan.",
        cause: error,
      });
    }
    const digest = createHash("sha256").update(body).digest();
    const sha256 = digest.toString("hex");
    const listedSize =
      listing && bucket === listing.bucket && key.startsWith(listing.prefix)
        ? listing.sizes.get(key)
        : undefined;
    const listedAbsent =
      listing !== undefined &&
      bucket === listing.bucket &&
      key.startsWith(listing.prefix) &&
      listedSize === undefined;
    let present = false;
    if (!listedAbsent && (listedSize === undefined || listedSize === body.length)) {
      try {
        const head = await s3.send(new (await s3Sdk()).HeadObjectCommand({ Bucket: bucket, Key: key }));
        present = head.ContentLength === body.length && head.Metadata?.[SHA256_METADATA] === sha256;
      } catch (error) {
        if (!isNotFoundError(error) && awsErrorName(error) !== "NotFound") {
          throw fromAwsError(error, { operation: "S3.HeadObject", resource: target.s3Uri });
        }
      }
    }
    if (present) {
      totals.skipped++;
    } else {
      const params = {
        Bucket: bucket,
        Key: key,
        Body: body,
        ContentType: key.endsWith(".json")
          ? "application/json"
          : key.endsWith(".wav")
            ? "audio/wav"
            : undefined,
        Metadata: { [SHA256_METADATA]: sha256 },
      };
      try {
        if (body.length <= PART_SIZE) {
          // One PutObject carrying the SHA-256 already computed for the skip check: S3 verifies the
          // body against it (BadDigest otherwise), and the SDK then computes no CRC32 of its own
          // (checking-object-integrity.html); on plain HTTP the client reuses it as the SigV4
          // payload hash (@cvk/core createAwsClients). lib-storage's Upload costs more per small file.
          const put = new (await s3Sdk()).PutObjectCommand({
            ...params,
            ChecksumSHA256: digest.toString("base64"),
          });
          await s3.send(put);
        } else {
          await new (await storageSdk()).Upload({
            client: s3,
            params,
            partSize: PART_SIZE,
            queueSize: 2,
            leavePartsOnError: false,
          }).done();
        }
      } catch (error) {
        throw fromAwsError(error, { operation: "S3.PutObject", resource: target.s3Uri });
      }
      totals.uploaded++;
      totals.bytes += body.length;
    }
    batch.push(target.s3Uri);
    if (batch.length >= UPLOAD_JOURNAL_BATCH) flush();
    done++;
    if (done % every === 0 || done === all.length) report.progress(done, all.length, basename(key));
  };

  // A file whose upload still fails transiently after the SDK's own retries (8 attempts: at a 25%
  // fault rate some file in 25,000 meets 8 faults in a row) is set aside while the others go on,
  // then tried again in up to UPLOAD_RETRY_ROUNDS more rounds: one unlucky file does not stop a
  // bulk upload. Anything else (a missing file, access denied) stops it at once.
  const setAside: UploadTarget[] = [];
  let lastTransient: CvkError | undefined;
  const oneOrSetAside = async (target: UploadTarget): Promise<void> => {
    try {
      await one(target);
    } catch (error) {
      if (!(error instanceof CvkError) || !TRANSIENT_UPLOAD_CODES.has(error.code)) throw error;
      lastTransient = error;
      setAside.push(target);
    }
  };
  try {
    await forEachConcurrently(pending, concurrency, oneOrSetAside, context.signal);
    for (let round = 1; round <= UPLOAD_RETRY_ROUNDS && setAside.length > 0; round++) {
      checkAbort(context, "uploads");
      const again = setAside.splice(0);
      report.info(
        `${again.length} upload(s) failed transiently after the SDK's retries (${lastTransient?.code}); trying them again (round ${round} of ${UPLOAD_RETRY_ROUNDS})`,
      );
      await forEachConcurrently(again, concurrency, oneOrSetAside, context.signal);
    }
  } finally {
    // Whatever finished is on record, whether the step ends normally, by failure or by Ctrl-C.
    flush();
  }
  checkAbort(context, "uploads");
  if (setAside.length > 0 && lastTransient) {
    throw new CvkError(
      lastTransient.code,
      `${setAside.length} file(s) could not be uploaded after ${UPLOAD_RETRY_ROUNDS + 1} rounds of retries; the last error: ${lastTransient.message}`,
      { hint: lastTransient.hint ?? "Re-run later: cvk resumes where it stopped.", cause: lastTransient },
    );
  }
  context.journal.append(JOURNAL.uploadsDone, totals);
  report.finished(`${totals.uploaded} uploaded, ${totals.skipped} already there`, { ...totals });
  return totals;
}

// --- Jobs ------------------------------------------------------------------------------------------------

function enrollmentConfig(
  options: RunEnrollmentOptions,
  watchlistId: string | undefined,
): EnrollmentConfig | undefined {
  const { existingEnrollmentAction, fraudDetection } = options;
  const fraud = fraudDetection
    ? {
        ...(fraudDetection.action ? { FraudDetectionAction: fraudDetection.action } : {}),
        ...(fraudDetection.riskThreshold === undefined
          ? {}
          : { RiskThreshold: fraudDetection.riskThreshold }),
        ...(watchlistId ? { WatchlistIds: [watchlistId] } : {}),
      }
    : undefined;
  if (!existingEnrollmentAction && !fraud) return undefined;
  return {
    ...(existingEnrollmentAction ? { ExistingEnrollmentAction: existingEnrollmentAction } : {}),
    ...(fraud ? { FraudDetectionConfig: fraud } : {}),
  };
}

async function startJob(
  context: Context,
  shard: PlannedShard,
  current: ShardState,
  domainId: string,
  watchlistId: string | undefined,
  report: StepReporter,
): Promise<string> {
  let starting: JobStartingData;
  if (current.starting && !current.jobId) {
    // Crashed (or stopped) between sending Start and journaling its answer: replay the same request.
    starting = current.starting;
    report.info(`shard ${shard.index}: replaying the journaled start request (same ClientToken)`);
  } else {
    const attempt = current.attempt + 1;
    const config = context.settings.config(watchlistId);
    const request = {
      DomainId: domainId,
      JobName: `cvk-${context.planId}-shard-${String(shard.index).padStart(3, "0")}-${attempt}`,
      DataAccessRoleArn: context.options.dataAccessRoleArn,
      InputDataConfig: { S3Uri: shard.manifestS3Uri },
      OutputDataConfig: {
        S3Uri: context.options.outputS3Uri,
        ...(context.options.outputKmsKeyId ? { KmsKeyId: context.options.outputKmsKeyId } : {}),
      },
      ClientToken: clientTokenFor(
        shard.sha256,
        domainId,
        attempt,
        // The configuration is part of the job's identity: the same shard re-run with OVERWRITE after
        // SKIP is a different job, and reusing its token would be a ConflictException.
        config ? JSON.stringify(config) : undefined,
      ),
      ...(config ? { [context.kind.configField]: config } : {}),
    };
    starting = { shard: shard.index, attempt, request };
    context.journal.append(JOURNAL.jobStarting, starting);
  }
  const { request } = starting;
  const { kind } = context;
  let waitMs = context.options.pollIntervalMs ?? DEFAULT_POLL_MS;
  for (;;) {
    try {
      const jobId = await kind.start(context.options.clients.voiceId, request);
      if (!jobId) throw new CvkError("AWS_UNKNOWN", `${kind.startOperation} returned no JobId`);
      context.journal.append(JOURNAL.jobStarted, {
        shard: shard.index,
        attempt: starting.attempt,
        jobId,
        clientToken: request.ClientToken as string,
      });
      return jobId;
    } catch (error) {
      if (awsErrorName(error) === "ServiceQuotaExceededException") {
        // One active job of each kind per domain: another (not ours) is running. Wait for it.
        report.warning(
          "DOMAIN_BUSY",
          `shard ${shard.index}: the domain already runs a ${kind.title} job; waiting for it to end`,
        );
        checkAbort(context, `jobs (shard ${shard.index} waiting to start)`);
        await abortableSleep(context.clock, waitMs, context.signal);
        checkAbort(context, `jobs (shard ${shard.index} waiting to start)`);
        waitMs = Math.min(Math.max(waitMs * 1.5, 1000), MAX_POLL_MS);
        continue;
      }
      if (error instanceof CvkError) throw error;
      throw fromAwsError(error, {
        operation: `VoiceID.${kind.startOperation}`,
        resource: `domain ${domainId}`,
      });
    }
  }
}

async function pollJob(
  context: Context,
  shard: PlannedShard,
  jobId: string,
  domainId: string,
  report: StepReporter,
): Promise<JobEndedData> {
  const total = context.plan.shards.length;
  const base = context.options.pollIntervalMs ?? DEFAULT_POLL_MS;
  let wait = base;
  let lastStatus = state(context).shards.get(shard.index)?.status;
  let lastPercent = -1;
  let progressSince: { at: number; percent: number } | undefined;
  const attempt = state(context).shards.get(shard.index)?.attempt ?? 1;
  for (;;) {
    let job: BatchJobView | undefined;
    try {
      job = await context.kind.describe(context.options.clients.voiceId, domainId, jobId);
    } catch (error) {
      throw fromAwsError(error, {
        operation: `VoiceID.${context.kind.describeOperation}`,
        resource: `job ${jobId}`,
      });
    }
    const status = job?.JobStatus ?? "SUBMITTED";
    const percent = job?.JobProgress?.PercentComplete ?? 0;
    if (status === "COMPLETED" || status === "COMPLETED_WITH_ERRORS" || status === "FAILED") {
      const ended: JobEndedData = {
        shard: shard.index,
        attempt,
        jobId,
        status,
        ...(job?.FailureDetails
          ? { failure: { StatusCode: job.FailureDetails.StatusCode, Message: job.FailureDetails.Message } }
          : {}),
        ...(status === "FAILED"
          ? {}
          : {
              outputS3Uri: `${(job?.OutputDataConfig?.S3Uri ?? context.options.outputS3Uri).replace(/\/+$/, "")}/${jobId}/${basename(parseS3Uri(shard.manifestS3Uri).key)}.out`,
            }),
      };
      context.journal.append(JOURNAL.jobEnded, ended);
      report.progress(100, 100, `shard ${shard.index}/${total}: job ${jobId} ${status}`);
      return ended;
    }
    if (status !== lastStatus) {
      context.journal.append(JOURNAL.jobStatus, { shard: shard.index, jobId, status, percent });
      lastStatus = status;
    }
    const now = context.clock.now();
    if (status === "IN_PROGRESS" && !progressSince) progressSince = { at: now, percent };
    let eta = "";
    if (progressSince && percent > progressSince.percent) {
      const rate = (percent - progressSince.percent) / Math.max(1, now - progressSince.at);
      eta = `, ETA ${formatDuration((100 - percent) / rate)}`;
    }
    report.progress(percent, 100, `shard ${shard.index}/${total}: job ${jobId} ${status} ${percent}%${eta}`);
    if (percent !== lastPercent) {
      wait = base;
      lastPercent = percent;
    } else wait = Math.min(Math.max(wait * 1.5, base), Math.max(MAX_POLL_MS, base));
    checkAbort(context, `jobs (shard ${shard.index}, job ${jobId} ${status})`);
    await abortableSleep(context.clock, wait, context.signal);
    checkAbort(context, `jobs (shard ${shard.index}, job ${jobId} ${status})`);
  }
}

async function downloadOutput(context: Context, ended: JobEndedData, report: StepReporter): Promise<void> {
  const uri = ended.outputS3Uri as string;
  const { bucket, key } = parseS3Uri(uri);
  let text: string;
  try {
    const { Body } = await context.options.clients.s3.send(
      new (await s3Sdk()).GetObjectCommand({ Bucket: bucket, Key: key }),
    );
    text = (await Body?.transformToString("utf8")) ?? "";
  } catch (error) {
    throw fromAwsError(error, { operation: "S3.GetObject", resource: uri });
  }
  let parsed: { Errors?: unknown[] } & Record<string, unknown[] | undefined>;
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch (error) {
    throw new CvkError("AWS_SERVICE", `The output file ${uri} is not valid JSON`, {
      hint: "Re-run to download it again; if it persists, inspect the object in S3.",
      cause: error,
    });
  }
  const successes = parsed[context.kind.report.successSection]?.length ?? 0;
  // The same layout as in S3: outputs/{JobId}/{manifest file name}.out
  const file = join("outputs", ended.jobId, basename(key));
  await writeFileAtomic(join(context.runDir, file), text);
  context.journal.append(JOURNAL.outputSaved, {
    shard: ended.shard,
    jobId: ended.jobId,
    file,
    errors: parsed.Errors?.length ?? 0,
    successes,
  });
  report.info(
    `shard ${ended.shard}: ${successes} ${context.kind.doneVerb}, ${parsed.Errors?.length ?? 0} errors (${file})`,
  );
}

// --- The run -----------------------------------------------------------------------------------------------

export async function runEnrollment(options: RunEnrollmentOptions): Promise<RunResult> {
  const watchlistName = options.fraudDetection?.watchlist ?? options.watchlist?.name;
  const {
    counts: _counts,
    rows,
    retryRows,
    report,
    paths,
    ...run
  } = await runJobs(options, SPEAKER_ENROLLMENT, {
    ...(watchlistName ? { watchlist: { name: watchlistName } } : {}),
    config: (watchlistId) => enrollmentConfig(options, watchlistId),
  });
  return {
    ...run,
    counts: report.counts,
    callers: rows,
    retryCallers: retryRows,
    paths,
  };
}

/**
 * Runs a plan's batch jobs of one kind: ensure the domain and watchlist, upload, start the shards'
 * jobs one at a time, poll, download the outputs and write the kind's report; resumable from the
 * run journal (see the module comment).
 */
export async function runJobs<Row, Report>(
  options: JobRunOptions,
  kind: JobKind<Row, Report>,
  settings: JobSettings,
): Promise<JobsRunResult<Report>> {
  const planDir = resolve(options.planDir);
  const runDir = resolve(options.runDir);
  const plan = readPlan(planDir);
  if (plan.kind !== kind.planKind) {
    throw new CvkError("INPUT_INVALID", `${planDir} is a ${plan.kind} plan, not a ${kind.title} plan`, {
      hint: kind.otherKindHint,
    });
  }
  parseS3Uri(options.outputS3Uri);
  const clock = options.clock ?? systemClock;
  const planId = planIdOf(plan);
  const journal = RunJournal.open(join(runDir, "journal.jsonl"), { clock });
  const context: Context = {
    options,
    kind: kind as JobKind<unknown, unknown>,
    settings,
    plan,
    planDir,
    runDir,
    journal,
    clock,
    signal: options.signal,
    planId,
  };
  const listener = options.onEvent;
  try {
    const earlier = state(context);
    if (earlier.started && earlier.started.planId !== planId) {
      throw new CvkError("INPUT_INVALID", `${runDir} belongs to another plan (${earlier.started.planId})`, {
        hint: "Use a new run directory (--run-dir) for a different plan.",
      });
    }
    const resumed = earlier.started !== undefined;
    if (!existsSync(join(runDir, "plan.json"))) {
      await writeFileAtomic(join(runDir, "plan.json"), await readFile(join(planDir, "plan.json")));
    }
    journal.append(JOURNAL.runStarted, { planId, planDir, shards: plan.shards.length, resumed });
    const invocationSeq = journal.entries.length;
    stepReporter("run", listener).info(
      `${resumed ? "resuming" : "starting"} run ${planId} in ${runDir} (${plan.shards.length} shards)`,
    );

    checkAbort(context, "domain");
    const domainReport = stepReporter("domain", listener);
    const domain = await ensureDomain(context, domainReport);
    let watchlistId: string | undefined;
    if (settings.watchlist) {
      checkAbort(context, "watchlist");
      watchlistId = (
        await ensureWatchlist(
          context,
          domain.domainId,
          settings.watchlist.name,
          stepReporter("watchlist", listener),
        )
      ).watchlistId;
    }

    checkAbort(context, "uploads");
    const uploads = await uploadAll(context, stepReporter("upload", listener));

    const jobs = stepReporter("jobs", listener);
    jobs.started(plan.shards.length, `${plan.shards.length} shard job(s), one at a time`);
    // A shard whose job was started and has not ended goes first: a domain runs one job at a time
    // (aws-facts.md §3), so after a crash the job still running must be waited for and collected
    // before a failed shard is retried — starting the retry first only meets
    // ServiceQuotaExceededException until that job ends. Otherwise shards keep the plan's order.
    const started = state(context).shards;
    const isRunning = (index: number) => {
      const s = started.get(index);
      return s?.jobId !== undefined && s.ended === undefined && !s.output;
    };
    const order = [...plan.shards].sort((a, b) => Number(isRunning(b.index)) - Number(isRunning(a.index)));
    for (const shard of order) {
      let current = state(context).shards.get(shard.index) ?? { shard: shard.index, attempt: 0 };
      const retry =
        current.ended?.status === "FAILED" &&
        isTransientCode(current.ended.failure?.StatusCode) &&
        (current.endedSeq ?? 0) < invocationSeq &&
        current.attempt < MAX_ATTEMPTS;
      if (current.output || (current.ended?.status === "FAILED" && !retry)) continue;
      checkAbort(context, `jobs (shard ${shard.index})`);
      let jobId = current.jobId;
      if (!jobId || retry) {
        if (retry) {
          jobs.info(
            `shard ${shard.index}: job ${current.jobId} had failed transiently; starting attempt ${current.attempt + 1}`,
          );
          current = { shard: shard.index, attempt: current.attempt };
        }
        jobId = await startJob(context, shard, current, domain.domainId, watchlistId, jobs);
        jobs.info(`shard ${shard.index}/${plan.shards.length}: job ${jobId} started`);
      }
      let ended = state(context).shards.get(shard.index)?.ended;
      if (!ended) ended = await pollJob(context, shard, jobId, domain.domainId, jobs);
      if (ended.status === "FAILED") {
        jobs.warning(
          "JOB_FAILED",
          `shard ${shard.index}: job ${jobId} FAILED. ${explainJobFailure(ended.failure)}`,
        );
        continue;
      }
      checkAbort(context, `download (shard ${shard.index})`);
      await downloadOutput(context, ended, stepReporter("download", listener));
    }

    const finalState = state(context);
    const { report, parts, paths } = await writeReport(runDir, planDir, finalState, kind.report);
    journal.append(JOURNAL.reportWritten, { counts: parts.counts, [kind.rowNoun]: parts.rows.length });
    journal.append(JOURNAL.runFinished, {});
    const shards: ShardOutcome[] = plan.shards.map((shard) => {
      const s = finalState.shards.get(shard.index);
      return {
        shard: shard.index,
        attempt: s?.attempt ?? 0,
        ...(s?.jobId ? { jobId: s.jobId } : {}),
        status: s?.status ?? "NOT_STARTED",
        ...(s?.ended?.failure
          ? { failure: { ...s.ended.failure, explanation: explainJobFailure(s.ended.failure) } }
          : {}),
      };
    });
    stepReporter("report", listener).finished(
      `${parts.rows.length} ${kind.rowNoun}: ${Object.entries(parts.counts)
        .filter(([, n]) => n > 0)
        .map(([status, n]) => `${status} ${n}`)
        .join(", ")}`,
      {
        ...parts.counts,
      },
    );
    return {
      runDir,
      planId,
      domainId: domain.domainId,
      ...(watchlistId ? { watchlistId } : {}),
      resumed,
      uploads,
      shards,
      counts: parts.counts,
      rows: parts.rows.length,
      retryRows: parts.retryRows,
      report,
      paths,
    };
  } finally {
    journal.close();
  }
}
