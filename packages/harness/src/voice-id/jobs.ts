/**
 * Batch speaker-enrollment and fraudster-registration jobs, run the way the service documents them
 * (aws-facts.md §3; the job schema pages
 * https://docs.aws.amazon.com/connect/latest/adminguide/speaker-enrollment-job-schema.html and
 * …/fraudster-registration-schema.html):
 *
 * - Start creates the job SUBMITTED. Starting reads the manifest from S3 (the job FAILS with
 *   FailureDetails if the manifest or a bucket is missing, the JSON is bad, the Version is not
 *   "1.0", or there are more requests than a job takes); then IN_PROGRESS while requests are
 *   processed one by one (JobProgress.PercentComplete rising); then the output file is written to
 *   `{OutputDataConfig.S3Uri}/{JobId}/{manifest file name}.out` and the job ends COMPLETED, or
 *   COMPLETED_WITH_ERRORS when any request failed (its error is in the output file).
 * - One active job of each kind per domain (quota page).
 *
 * How fast jobs move is `context.jobs`, never a wall-clock timer (harness-anchors.md §2):
 * - `immediate`: processing starts right after Start; a Describe waits until the job is done.
 * - `polls`: one step per N Describe calls: begin (IN_PROGRESS at 0%), then a quarter of the
 *   requests per step, the last step writing the output and ending the job.
 * - `clock`: the job begins one tick (1 / requestsPerSecond) after Start and processes one request
 *   per tick of the sandbox clock; every request for the domain first catches its jobs up to "now".
 *   No timers run: with a ManualClock, tests advance time and the next request sees the progress.
 *
 * Each request's outcome and its effect on speakers or fraudsters are committed together in one
 * synchronous step, and the job's progress is persisted with it, so a job interrupted by a
 * restart of a durable sandbox resumes at the next request. The output file is written before the
 * job shows COMPLETED, so a client that sees COMPLETED can always read it.
 */

import { readFile } from "node:fs/promises";
import { joinS3Key, parseS3Uri } from "@cvk/core";
import { alphanumericId, hashPrefixedId } from "../ids.ts";
import type { S3ObjectAccess, ServiceContext } from "../service-context.ts";
import {
  AudioAnalysisCache,
  type AudioSpecification,
  analyzeAudio,
  closestFraudster,
  isAnalysisFailure,
} from "./audio-analysis.ts";
import {
  CUSTOMER_SPEAKER_ID,
  conflict,
  type DomainRecord,
  effectiveSpeakerStatus,
  epochSeconds,
  type FraudsterRecord,
  fingerprint,
  GENERATED_ID,
  type JobKind,
  type JobRecord,
  type JobStatus,
  notFound,
  quotaExceeded,
  type SpeakerRecord,
  VOICE_ID_DEFAULTS,
  VOICE_ID_LIMITS,
} from "./model.ts";
import { type PageRequest, paginate, timeKey } from "./pagination.ts";
import { RESULTS_PER_CHUNK, type ResultEntry, type VoiceIdState } from "./state.ts";

const ACTIVE: ReadonlySet<JobStatus> = new Set(["SUBMITTED", "IN_PROGRESS"]);

/** How far a job should have got by now: begun or not, and how many requests processed. */
interface Target {
  begin: boolean;
  requests: number;
}

const EVERYTHING: Target = { begin: true, requests: Number.POSITIVE_INFINITY };

/** One request's outcome, applied later in a synchronous step (see `#processNext`). */
type Commit = () => ResultEntry;

interface RunningJob {
  requests: unknown[];
  /** First index of each RequestId, for the uniqueness rule. */
  firstIndex: Map<string, number>;
  chunkIndex: number;
  chunk: ResultEntry[];
}

const KIND = {
  enrollment: {
    listField: "SpeakerEnrollmentRequests",
    limit: VOICE_ID_LIMITS.requestsPerEnrollmentJob,
    configField: "EnrollmentConfig",
    successField: "SuccessfulEnrollments",
  },
  registration: {
    listField: "FraudsterRegistrationRequests",
    limit: VOICE_ID_LIMITS.requestsPerRegistrationJob,
    configField: "RegistrationConfig",
    successField: "SuccessfulRegistrations",
  },
} as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function requestError(requestId: string | undefined, code: number, message: string): ResultEntry {
  return {
    error: {
      ...(requestId === undefined ? {} : { RequestId: requestId }),
      ErrorCode: code,
      ErrorMessage: message,
    },
  };
}

export class JobRunner {
  readonly #context: ServiceContext;
  readonly #s3: S3ObjectAccess;
  readonly #state: VoiceIdState;
  /** Per job, the tail of its work queue: one advance at a time. */
  readonly #chains = new Map<string, Promise<void>>();
  readonly #running = new Map<string, RunningJob>();
  readonly #background = new Set<Promise<void>>();
  /** Analyses by content, shared by every job of this sandbox (audio-analysis.ts). */
  readonly #analyses: AudioAnalysisCache | undefined;
  #closed = false;

  constructor(context: ServiceContext, s3: S3ObjectAccess, state: VoiceIdState) {
    this.#context = context;
    this.#s3 = s3;
    this.#state = state;
    this.#analyses = context.cacheAudioAnalysis ? new AudioAnalysisCache() : undefined;
  }

  /** After a restart of a durable sandbox: `immediate` jobs carry on by themselves. */
  resume(): void {
    if (this.#context.jobs.mode !== "immediate") return;
    for (const job of this.#state.allJobs()) if (ACTIVE.has(job.status)) this.#kick(job);
  }

  /** Waits until no job is being worked on in the background (tests, demos, shutdown). */
  async settle(): Promise<void> {
    while (this.#background.size > 0) await Promise.all([...this.#background]);
  }

  close(): void {
    this.#closed = true;
  }

  // --- Operations --------------------------------------------------------------------------------

  /** StartSpeakerEnrollmentJob / StartFraudsterRegistrationJob; `domain` is known to exist. */
  start(kind: JobKind, domain: DomainRecord, input: Record<string, unknown>): Record<string, unknown> {
    const token = input.ClientToken as string | undefined;
    const print = fingerprint(input);
    if (token !== undefined) {
      const earlier = this.#state
        .jobs(domain.domainId)
        .find((job) => job.kind === kind && job.clientToken?.token === token);
      if (earlier) {
        if (earlier.clientToken?.fingerprint !== print) throw tokenReused(token);
        return this.#jobOutput(earlier);
      }
    }
    const config = this.#effectiveConfig(
      kind,
      domain,
      input[KIND[kind].configField] as Record<string, unknown> | undefined,
    );
    if (this.#state.jobs(domain.domainId).some((job) => job.kind === kind && ACTIVE.has(job.status))) {
      throw quotaExceeded(
        `The domain already has an active ${kind === "enrollment" ? "speaker enrollment" : "fraudster registration"} job; a domain runs one at a time.`,
      );
    }
    const jobId = alphanumericId(22);
    const output = input.OutputDataConfig as { S3Uri: string; KmsKeyId?: string };
    const job: JobRecord = {
      kind,
      jobId,
      ...(input.JobName === undefined ? {} : { jobName: input.JobName as string }),
      domainId: domain.domainId,
      dataAccessRoleArn: input.DataAccessRoleArn as string,
      config,
      inputS3Uri: (input.InputDataConfig as { S3Uri: string }).S3Uri,
      output: {
        S3Uri: output.S3Uri,
        ...(output.KmsKeyId === undefined ? {} : { KmsKeyId: output.KmsKeyId }),
      },
      status: "SUBMITTED",
      createdAt: this.#context.clock.now(),
      processed: 0,
      errors: 0,
      describes: 0,
      ...(this.#context.faults.takeJobFailure(jobId, kind) ? { injectedFailure: true } : {}),
      ...(token === undefined ? {} : { clientToken: { token, fingerprint: print } }),
    };
    this.#state.saveJob(job);
    if (this.#context.jobs.mode === "immediate") this.#kick(job);
    return this.#jobOutput(job);
  }

  async describe(kind: JobKind, domainId: string, jobId: string): Promise<Record<string, unknown>> {
    const job = this.#state.job(domainId, jobId);
    if (!job || job.kind !== kind) {
      throw notFound(
        "BATCH_JOB",
        `The ${kind === "enrollment" ? "speaker enrollment" : "fraudster registration"} job ${jobId} does not exist in domain ${domainId}.`,
      );
    }
    const mode = this.#context.jobs;
    if (mode.mode === "polls" && ACTIVE.has(job.status)) {
      job.describes++;
      this.#state.saveJob(job);
    }
    await this.#advance(job, this.#target);
    return this.#jobOutput(job);
  }

  async list(
    kind: JobKind,
    domainId: string,
    input: Record<string, unknown> & PageRequest,
  ): Promise<Record<string, unknown>> {
    if (this.#context.jobs.mode === "immediate") {
      await Promise.all(
        this.#state
          .jobs(domainId)
          .filter((job) => job.kind === kind)
          .map((job) => this.#advance(job, () => EVERYTHING)),
      );
    }
    const status = input.JobStatus as JobStatus | undefined;
    const jobs = this.#state
      .jobs(domainId)
      .filter((job) => job.kind === kind && (status === undefined || job.status === status))
      .map((job) => ({ job, key: timeKey(job.createdAt, job.jobId) }))
      .sort((a, b) => (a.key < b.key ? -1 : 1));
    const operation = kind === "enrollment" ? "ListSpeakerEnrollmentJobs" : "ListFraudsterRegistrationJobs";
    const page = paginate(
      jobs.map((entry) => entry.job),
      jobs.map((entry) => entry.key),
      input,
      `${operation}:${domainId}:${status ?? ""}`,
      100,
      this.#context.clock.now(),
    );
    return {
      JobSummaries: page.items.map((job) => this.#summary(job)),
      ...(page.nextToken ? { NextToken: page.nextToken } : {}),
    };
  }

  /** `clock` progression: brings the domain's jobs up to the current time before a request. */
  async catchUp(domainId: string): Promise<void> {
    if (this.#context.jobs.mode !== "clock") return;
    await Promise.all(
      this.#state
        .jobs(domainId)
        .filter((job) => ACTIVE.has(job.status))
        .map((job) => this.#advance(job, this.#target)),
    );
  }

  /** Where a finished job's output file is (the model's documented location). */
  outputFileUri(job: JobRecord): string {
    const { bucket, key } = parseS3Uri(job.output.S3Uri);
    return `s3://${bucket}/${joinS3Key(key, job.jobId, `${manifestFileName(job.inputS3Uri)}.out`)}`;
  }

  // --- Output shapes -----------------------------------------------------------------------------

  #percent(job: JobRecord): number {
    if (job.status === "COMPLETED" || job.status === "COMPLETED_WITH_ERRORS") return 100;
    if (!job.total) return 0;
    return Math.floor((job.processed * 100) / job.total);
  }

  #summary(job: JobRecord): Record<string, unknown> {
    return {
      ...(job.jobName === undefined ? {} : { JobName: job.jobName }),
      JobId: job.jobId,
      JobStatus: job.status,
      DomainId: job.domainId,
      CreatedAt: epochSeconds(job.createdAt),
      ...(job.endedAt === undefined ? {} : { EndedAt: epochSeconds(job.endedAt) }),
      ...(job.failure ? { FailureDetails: job.failure } : {}),
      JobProgress: { PercentComplete: this.#percent(job) },
    };
  }

  /**
   * The full job. OutputDataConfig.S3Uri stays the folder the caller gave: the model documents it as
   * "The S3 path of the folder where Voice ID writes the job output file" and the file's location
   * as `{S3Uri}/{JobId}/{input file name}.out` (aws-facts.md §3 "Output file").
   */
  #jobOutput(job: JobRecord): Record<string, unknown> {
    const summary = this.#summary(job);
    return {
      ...summary,
      DataAccessRoleArn: job.dataAccessRoleArn,
      ...(job.config ? { [KIND[job.kind].configField]: job.config } : {}),
      InputDataConfig: { S3Uri: job.inputS3Uri },
      OutputDataConfig: job.output,
    };
  }

  /**
   * The configuration the job runs with, defaults filled in: SKIP and FAIL are the model's
   * documented defaults; "If a watchlist isn't provided, the fraudsters are registered to the default
   * watchlist" (RegistrationConfig.WatchlistIds); thresholds default as Connect's do (model.ts).
   */
  #effectiveConfig(
    kind: JobKind,
    domain: DomainRecord,
    given: Record<string, unknown> | undefined,
  ): Record<string, unknown> {
    const watchlistOf = (ids: unknown): string => {
      const id = (ids as string[] | undefined)?.[0] ?? domain.defaultWatchlistId;
      if (!domain.watchlists.some((watchlist) => watchlist.watchlistId === id)) {
        throw notFound("WATCHLIST", `The watchlist ${id} does not exist in domain ${domain.domainId}.`);
      }
      return id;
    };
    if (kind === "enrollment") {
      const fraud = given?.FraudDetectionConfig as Record<string, unknown> | undefined;
      return {
        ExistingEnrollmentAction: given?.ExistingEnrollmentAction ?? "SKIP",
        FraudDetectionConfig: {
          FraudDetectionAction: fraud?.FraudDetectionAction ?? "FAIL",
          RiskThreshold: fraud?.RiskThreshold ?? VOICE_ID_DEFAULTS.riskThreshold,
          WatchlistIds: [watchlistOf(fraud?.WatchlistIds)],
        },
      };
    }
    return {
      DuplicateRegistrationAction: given?.DuplicateRegistrationAction ?? "SKIP",
      FraudsterSimilarityThreshold:
        given?.FraudsterSimilarityThreshold ?? VOICE_ID_DEFAULTS.fraudsterSimilarityThreshold,
      WatchlistIds: [watchlistOf(given?.WatchlistIds)],
    };
  }

  // --- Progression -------------------------------------------------------------------------------

  /** Where the job should be now under the configured progression (see the module comment). */
  #target = (job: JobRecord): Target => {
    const mode = this.#context.jobs;
    if (mode.mode === "immediate") return EVERYTHING;
    const step =
      mode.mode === "polls"
        ? Math.floor(job.describes / Math.max(1, mode.describesPerStep))
        : Math.floor(((this.#context.clock.now() - job.createdAt) * mode.requestsPerSecond) / 1000);
    if (step < 1) return { begin: false, requests: 0 };
    if (mode.mode === "clock") return { begin: true, requests: step - 1 };
    const perStep = Math.max(1, Math.ceil((job.total ?? 0) / 4));
    return { begin: true, requests: (step - 1) * perStep };
  };

  #kick(job: JobRecord): void {
    const work = this.#advance(job, () => EVERYTHING);
    this.#background.add(work);
    void work.finally(() => this.#background.delete(work));
  }

  /** Queues work on a job; resolves when the job has reached its target (or cannot go further). */
  #advance(job: JobRecord, target: (job: JobRecord) => Target): Promise<void> {
    const previous = this.#chains.get(job.jobId) ?? Promise.resolve();
    const next = previous.then(async () => {
      try {
        await this.#run(job, target);
      } catch (error) {
        // A sandbox bug must not leave a job hanging: end it as the service would, with a 500.
        if (this.#live(job) && ACTIVE.has(job.status))
          this.#fail(job, 500, `Internal failure while running the job: ${String(error)}`);
      }
    });
    this.#chains.set(job.jobId, next);
    void next.then(() => {
      if (this.#chains.get(job.jobId) === next) this.#chains.delete(job.jobId);
    });
    return next;
  }

  /** True while the job's domain exists and the sandbox is open. */
  #live(job: JobRecord): boolean {
    return !this.#closed && this.#state.job(job.domainId, job.jobId) === job;
  }

  async #run(job: JobRecord, targetOf: (job: JobRecord) => Target): Promise<void> {
    if (!ACTIVE.has(job.status)) return;
    if (job.status === "SUBMITTED") {
      if (!targetOf(job).begin) return;
      await this.#begin(job);
    }
    while (this.#live(job) && job.status === "IN_PROGRESS") {
      const total = job.total ?? 0;
      if (job.processed >= total) {
        await this.#finish(job);
        return;
      }
      if (job.processed >= targetOf(job).requests) return;
      await this.#processNext(job);
      // Let other requests in between two requests' audio analysis.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  #fail(job: JobRecord, statusCode: number, message: string): void {
    job.status = "FAILED";
    job.failure = { StatusCode: statusCode, Message: message };
    job.endedAt = this.#context.clock.now();
    this.#state.saveJob(job);
    this.#state.dropJobData(job);
    this.#running.delete(job.jobId);
  }

  /** SUBMITTED → IN_PROGRESS (manifest read and checked) or FAILED. */
  async #begin(job: JobRecord): Promise<void> {
    const fail = (code: number, message: string) => {
      if (this.#live(job)) this.#fail(job, code, message);
    };
    if (job.injectedFailure) return fail(500, "An internal error occurred while processing the job.");
    const input = parseS3Uri(job.inputS3Uri);
    const output = parseS3Uri(job.output.S3Uri);
    if (!this.#s3.bucketExists(input.bucket)) {
      return fail(
        400,
        `The input bucket ${input.bucket} does not exist or cannot be read with the data access role.`,
      );
    }
    if (!this.#s3.bucketExists(output.bucket)) {
      return fail(
        400,
        `The output bucket ${output.bucket} does not exist or cannot be written with the data access role.`,
      );
    }
    const object = input.key === "" ? undefined : this.#s3.objectFile(input.bucket, input.key);
    if (!object) return fail(400, `The input manifest ${job.inputS3Uri} does not exist.`);
    let text: string;
    try {
      text = await readFile(object.path, "utf8");
    } catch (error) {
      return fail(400, `The input manifest ${job.inputS3Uri} could not be read: ${(error as Error).message}`);
    }
    let manifest: unknown;
    try {
      manifest = JSON.parse(text);
    } catch (error) {
      return fail(400, `The input manifest ${job.inputS3Uri} is not valid JSON: ${(error as Error).message}`);
    }
    const { listField, limit } = KIND[job.kind];
    if (!isRecord(manifest)) return fail(400, "The input manifest must be a JSON object.");
    if (manifest.Version !== "1.0") {
      return fail(
        400,
        `The input manifest has Version ${JSON.stringify(manifest.Version ?? null)}; the only supported Version is "1.0".`,
      );
    }
    const requests = manifest[listField];
    if (!Array.isArray(requests)) return fail(400, `The input manifest has no ${listField} list.`);
    if (requests.length > limit) {
      return fail(402, `The input manifest has ${requests.length} requests; a job takes at most ${limit}.`);
    }
    if (!this.#live(job)) return;
    job.status = "IN_PROGRESS";
    job.total = requests.length;
    this.#state.saveManifest(job, requests);
    this.#state.saveJob(job);
  }

  #runningJob(job: JobRecord): RunningJob {
    let running = this.#running.get(job.jobId);
    if (!running) {
      const requests = this.#state.manifest(job);
      const firstIndex = new Map<string, number>();
      requests.forEach((request, index) => {
        const id = isRecord(request) ? request.RequestId : undefined;
        if (typeof id === "string" && !firstIndex.has(id)) firstIndex.set(id, index);
      });
      const chunkIndex = Math.floor(job.processed / RESULTS_PER_CHUNK);
      running = { requests, firstIndex, chunkIndex, chunk: [...this.#state.resultChunk(job, chunkIndex)] };
      this.#running.set(job.jobId, running);
    }
    return running;
  }

  async #processNext(job: JobRecord): Promise<void> {
    const running = this.#runningJob(job);
    const index = job.processed;
    const request = running.requests[index];
    let commit: Commit;
    try {
      commit =
        job.kind === "enrollment"
          ? await this.#prepareEnrollment(job, request, index, running)
          : await this.#prepareRegistration(job, request, index, running);
    } catch (error) {
      // "500: internal failure" is a documented per-request ErrorCode: one request's failure does not
      // fail the job.
      const requestId =
        isRecord(request) && typeof request.RequestId === "string" ? request.RequestId : undefined;
      commit = () =>
        requestError(
          requestId,
          500,
          `Internal failure while processing the request: ${(error as Error).message}`,
        );
    }
    if (!this.#live(job) || job.processed !== index) return;
    // One synchronous step: the request's effect, its result and the job's progress.
    const entry = commit();
    const chunkIndex = Math.floor(index / RESULTS_PER_CHUNK);
    if (chunkIndex !== running.chunkIndex) {
      running.chunkIndex = chunkIndex;
      running.chunk = [];
    }
    running.chunk.push(entry);
    this.#state.saveResultChunk(job, chunkIndex, running.chunk);
    job.processed = index + 1;
    if ("error" in entry) job.errors++;
    this.#state.saveJob(job);
  }

  /** Checks shared by both kinds: the request is an object with a unique RequestId and 1–10 audio files. */
  #checkRequest(
    request: unknown,
    index: number,
    running: RunningJob,
  ): { requestId: string; audio: AudioSpecification[]; request: Record<string, unknown> } | ResultEntry {
    if (!isRecord(request)) return requestError(undefined, 400, "Each request must be a JSON object.");
    const requestId = request.RequestId;
    if (typeof requestId !== "string" || requestId === "")
      return requestError(undefined, 400, "RequestId is required.");
    if (running.firstIndex.get(requestId) !== index) {
      return requestError(
        requestId,
        400,
        `RequestId ${requestId} is used by more than one request; RequestIds must be unique in the manifest.`,
      );
    }
    const specs = request.AudioSpecifications;
    if (!Array.isArray(specs) || specs.length === 0)
      return requestError(
        requestId,
        400,
        "AudioSpecifications is required and must list at least one audio file.",
      );
    if (specs.length > VOICE_ID_LIMITS.audioFilesPerRequest) {
      return requestError(
        requestId,
        400,
        `The request has ${specs.length} audio files; at most ${VOICE_ID_LIMITS.audioFilesPerRequest} are allowed.`,
      );
    }
    const audio: AudioSpecification[] = [];
    for (const spec of specs) {
      if (!isRecord(spec) || typeof spec.S3Uri !== "string")
        return requestError(requestId, 400, "Each audio specification needs an S3Uri.");
      if (spec.ChannelId !== 0 && spec.ChannelId !== 1) {
        return requestError(
          requestId,
          400,
          `ChannelId must be 0 or 1, got ${JSON.stringify(spec.ChannelId ?? null)} for ${spec.S3Uri}.`,
        );
      }
      audio.push({ S3Uri: spec.S3Uri, ChannelId: spec.ChannelId });
    }
    return { requestId, audio, request };
  }

  async #prepareEnrollment(
    job: JobRecord,
    raw: unknown,
    index: number,
    running: RunningJob,
  ): Promise<Commit> {
    const checked = this.#checkRequest(raw, index, running);
    if ("error" in checked || "success" in checked) return () => checked;
    const { requestId, audio, request } = checked;
    const speakerId = request.SpeakerId;
    if (typeof speakerId !== "string" || speakerId === "")
      return () => requestError(requestId, 400, "SpeakerId is required.");
    if (GENERATED_ID.test(speakerId)) {
      return () =>
        requestError(
          requestId,
          400,
          "SpeakerId must be the CustomerSpeakerId: a GeneratedSpeakerId is not supported in batch enrollment.",
        );
    }
    if (!CUSTOMER_SPEAKER_ID.test(speakerId) || [...speakerId].length > 256) {
      return () =>
        requestError(
          requestId,
          400,
          "SpeakerId must be 1–256 letters, digits, '_' or '-', starting with a letter or digit.",
        );
    }
    const config = job.config as {
      ExistingEnrollmentAction: "SKIP" | "OVERWRITE";
      FraudDetectionConfig: {
        FraudDetectionAction: "IGNORE" | "FAIL";
        RiskThreshold: number;
        WatchlistIds: string[];
      };
    };
    const speakers = this.#state.speakers(job.domainId);
    const now = () => this.#context.clock.now();

    // What would happen without audio, checked again when committing (requests run concurrently).
    const shortcut = (): ResultEntry | undefined => {
      const existing = speakers.byCustomerId(speakerId);
      const status = existing ? effectiveSpeakerStatus(existing, now()) : undefined;
      if (status === "OPTED_OUT") {
        return requestError(
          requestId,
          409,
          `The speaker ${speakerId} has opted out of Voice ID; enrollment is rejected until the speaker is deleted.`,
        );
      }
      if (existing && status === "ENROLLED" && config.ExistingEnrollmentAction === "SKIP") {
        return {
          success: {
            RequestId: requestId,
            GeneratedSpeakerId: existing.generatedSpeakerId,
            CustomerSpeakerId: speakerId,
            EnrollmentStatus: "DUPLICATE_SKIPPED",
          },
        };
      }
      if (!existing && speakers.size >= VOICE_ID_LIMITS.speakersPerDomain) {
        return requestError(
          requestId,
          402,
          `ServiceQuotaLimitExceededException: the domain has reached its limit of ${VOICE_ID_LIMITS.speakersPerDomain} speakers.`,
        );
      }
      return undefined;
    };
    const early = shortcut();
    if (early) return () => early;

    const analysis = await analyzeAudio(this.#s3, audio, this.#context.minNetSpeechSeconds, this.#analyses);
    if (isAnalysisFailure(analysis)) return () => requestError(requestId, analysis.code, analysis.message);

    const fraud = config.FraudDetectionConfig;
    const watchlistId = fraud.WatchlistIds[0] as string;
    return () => {
      const again = shortcut();
      if (again) return again;
      // "If the detected risk score … is greater than or equal to the threshold, the speaker is
      // considered a fraudster" (EnrollmentJobFraudDetectionConfig.RiskThreshold).
      const match = closestFraudster(
        this.#state.fraudsters(job.domainId).inWatchlist(watchlistId),
        analysis.voiceprint,
      );
      if (match && match.score >= fraud.RiskThreshold && fraud.FraudDetectionAction === "FAIL") {
        return requestError(
          requestId,
          400,
          `Fraud checks failed: the voice matches a known fraudster in watchlist ${watchlistId} (risk score ${match.score}, threshold ${fraud.RiskThreshold}).`,
        );
      }
      const at = now();
      const existing = speakers.byCustomerId(speakerId);
      let status: string;
      let speaker: SpeakerRecord;
      if (existing) {
        status =
          effectiveSpeakerStatus(existing, at) === "ENROLLED" ? "ENROLLMENT_OVERWRITE" : "NEW_ENROLLMENT";
        speaker = existing;
        speaker.status = "ENROLLED";
        speaker.updatedAt = at;
        speaker.lastAccessedAt = at;
        speaker.voiceprint = analysis.voiceprint;
      } else {
        status = "NEW_ENROLLMENT";
        speaker = {
          customerSpeakerId: speakerId,
          generatedSpeakerId: hashPrefixedId(),
          status: "ENROLLED",
          createdAt: at,
          updatedAt: at,
          lastAccessedAt: at,
          voiceprint: analysis.voiceprint,
        };
      }
      speakers.save(speaker);
      return {
        success: {
          RequestId: requestId,
          GeneratedSpeakerId: speaker.generatedSpeakerId,
          CustomerSpeakerId: speakerId,
          EnrollmentStatus: status,
        },
      };
    };
  }

  async #prepareRegistration(
    job: JobRecord,
    raw: unknown,
    index: number,
    running: RunningJob,
  ): Promise<Commit> {
    const checked = this.#checkRequest(raw, index, running);
    if ("error" in checked || "success" in checked) return () => checked;
    const { requestId, audio } = checked;
    const config = job.config as {
      DuplicateRegistrationAction: "SKIP" | "REGISTER_AS_NEW";
      FraudsterSimilarityThreshold: number;
      WatchlistIds: string[];
    };
    const watchlistId = config.WatchlistIds[0] as string;
    const fraudsters = this.#state.fraudsters(job.domainId);

    const blocked = (): ResultEntry | undefined => {
      const domain = this.#state.domain(job.domainId);
      if (!domain?.watchlists.some((watchlist) => watchlist.watchlistId === watchlistId)) {
        return requestError(requestId, 400, `The watchlist ${watchlistId} no longer exists.`);
      }
      return undefined;
    };
    const full = (): ResultEntry | undefined =>
      fraudsters.inWatchlist(watchlistId).length >= VOICE_ID_LIMITS.fraudstersPerWatchlist
        ? requestError(
            requestId,
            402,
            `ServiceQuotaLimitExceededException: the watchlist ${watchlistId} has reached its limit of ${VOICE_ID_LIMITS.fraudstersPerWatchlist} fraudsters.`,
          )
        : undefined;
    const early =
      blocked() ?? (config.DuplicateRegistrationAction === "REGISTER_AS_NEW" ? full() : undefined);
    if (early) return () => early;

    const analysis = await analyzeAudio(this.#s3, audio, this.#context.minNetSpeechSeconds, this.#analyses);
    if (isAnalysisFailure(analysis)) return () => requestError(requestId, analysis.code, analysis.message);

    return () => {
      const again = blocked();
      if (again) return again;
      const match = closestFraudster(fraudsters.inWatchlist(watchlistId), analysis.voiceprint);
      if (
        config.DuplicateRegistrationAction === "SKIP" &&
        match &&
        match.score >= config.FraudsterSimilarityThreshold
      ) {
        // "For DUPLICATE_SKIPPED, GeneratedFraudsterId is the closest existing fraudster."
        return {
          success: {
            RequestId: requestId,
            GeneratedFraudsterId: match.fraudster.generatedFraudsterId,
            RegistrationStatus: "DUPLICATE_SKIPPED",
            FraudsterSimilarityScore: match.score,
          },
        };
      }
      const quota = full();
      if (quota) return quota;
      const fraudster: FraudsterRecord = {
        generatedFraudsterId: hashPrefixedId(),
        createdAt: this.#context.clock.now(),
        watchlistIds: [watchlistId],
        voiceprint: analysis.voiceprint,
      };
      fraudsters.save(fraudster);
      return {
        success: {
          RequestId: requestId,
          GeneratedFraudsterId: fraudster.generatedFraudsterId,
          RegistrationStatus: "NEW_REGISTRATION",
        },
      };
    };
  }

  /** Writes the output file, then ends the job: COMPLETED only once the file exists. */
  async #finish(job: JobRecord): Promise<void> {
    const output = parseS3Uri(job.output.S3Uri);
    if (!this.#s3.bucketExists(output.bucket)) {
      this.#fail(
        job,
        400,
        `The output bucket ${output.bucket} does not exist or cannot be written with the data access role.`,
      );
      return;
    }
    const chunks = Math.ceil((job.total ?? 0) / RESULTS_PER_CHUNK);
    const errors: unknown[] = [];
    const successes: unknown[] = [];
    for (let chunk = 0; chunk < chunks; chunk++) {
      const running = this.#running.get(job.jobId);
      const entries =
        running && running.chunkIndex === chunk ? running.chunk : this.#state.resultChunk(job, chunk);
      for (const entry of entries) {
        if ("error" in entry) errors.push(entry.error);
        else successes.push(entry.success);
      }
    }
    const document = { Version: "1.0", Errors: errors, [KIND[job.kind].successField]: successes };
    const target = parseS3Uri(this.outputFileUri(job));
    try {
      await this.#s3.putObject(
        target.bucket,
        target.key,
        new TextEncoder().encode(JSON.stringify(document)),
        "application/json",
      );
    } catch (error) {
      if (this.#live(job))
        this.#fail(job, 500, `The output file could not be written: ${(error as Error).message}`);
      return;
    }
    if (!this.#live(job)) return;
    job.status = job.errors > 0 ? "COMPLETED_WITH_ERRORS" : "COMPLETED";
    job.endedAt = this.#context.clock.now();
    this.#state.saveJob(job);
    this.#state.dropJobData(job);
    this.#running.delete(job.jobId);
  }
}

function manifestFileName(uri: string): string {
  const { key } = parseS3Uri(uri);
  return key.split("/").pop() ?? key;
}

/**
 * The same ClientToken with a different request. The model has no IdempotentParameterMismatch
 * error, so this answers ConflictException (409), as AWS's idempotency guidance treats a reused
 * token with changed parameters as a conflicting request.
 */
export function tokenReused(token: string): ReturnType<typeof conflict> {
  return conflict(`The ClientToken ${token} was already used for a request with different parameters.`);
}
