import {
  DescribeFraudsterRegistrationJobCommand,
  DescribeSpeakerCommand,
  DescribeSpeakerEnrollmentJobCommand,
  type EnrollmentConfig,
  ListSpeakerEnrollmentJobsCommand,
  ListSpeakersCommand,
  OptOutSpeakerCommand,
  StartFraudsterRegistrationJobCommand,
  StartSpeakerEnrollmentJobCommand,
} from "@aws-sdk/client-voice-id";
import { afterEach, describe, expect, it } from "vitest";
import { type StartedSandbox, TRANSPORTS } from "../test-support.ts";
import {
  createBucket,
  createDomain,
  enrollmentManifest,
  expectAwsError,
  getJson,
  outputUri,
  putObject,
  ROLE_ARN,
  start,
  voiceWav,
} from "./test-support.ts";

const IN = "s3://voice-in";
const OUT = "s3://voice-out/results";
const MISSING_ID = "Z".repeat(22);

/** One request's audio: `s3://voice-in/audio/<name>.wav`, channel 0. */
const audio = (name: string, channel = 0) => [{ S3Uri: `${IN}/audio/${name}.wav`, ChannelId: channel }];

interface Setup {
  started: StartedSandbox;
  domainId: string;
  defaultWatchlistId: string;
}

async function setup(
  transport: (typeof TRANSPORTS)[number],
  options: Parameters<typeof start>[1] = {},
): Promise<Setup> {
  const started = await start(transport, { minNetSpeechSeconds: 3, ...options });
  await createBucket(started, "voice-in");
  await createBucket(started, "voice-out");
  const { domainId, defaultWatchlistId } = await createDomain(started.clients.voiceId);
  return { started, domainId, defaultWatchlistId };
}

async function startEnrollment(
  s: Setup,
  manifestName: string,
  requests: unknown[],
  config?: EnrollmentConfig,
  extra: Record<string, unknown> = {},
) {
  const manifestUri = `${IN}/manifests/${manifestName}`;
  await putObject(s.started, manifestUri, enrollmentManifest(requests));
  const { Job } = await s.started.clients.voiceId.send(
    new StartSpeakerEnrollmentJobCommand({
      DomainId: s.domainId,
      JobName: "enroll",
      DataAccessRoleArn: ROLE_ARN,
      InputDataConfig: { S3Uri: manifestUri },
      OutputDataConfig: { S3Uri: OUT },
      ...(config ? { EnrollmentConfig: config } : {}),
      ...extra,
    }),
  );
  return { jobId: Job?.JobId as string, job: Job, manifestUri };
}

async function describeEnrollment(s: Setup, jobId: string) {
  const { Job } = await s.started.clients.voiceId.send(
    new DescribeSpeakerEnrollmentJobCommand({ DomainId: s.domainId, JobId: jobId }),
  );
  return Job;
}

async function describeRegistration(s: Setup, jobId: string) {
  const { Job } = await s.started.clients.voiceId.send(
    new DescribeFraudsterRegistrationJobCommand({ DomainId: s.domainId, JobId: jobId }),
  );
  return Job;
}

for (const transport of TRANSPORTS) {
  describe(`Voice ID batch jobs (${transport})`, () => {
    let s: Setup;
    afterEach(async () => {
      await s.started.stop();
    });

    it("enrolls speakers: SUBMITTED on Start, COMPLETED by the first Describe, output file in the documented format", async () => {
      s = await setup(transport);
      await putObject(s.started, `${IN}/audio/ann.wav`, voiceWav("ann", 5));
      await putObject(s.started, `${IN}/audio/ben.wav`, voiceWav("ben", 5));
      const { jobId, job, manifestUri } = await startEnrollment(s, "batch-1.json", [
        { RequestId: "r1", SpeakerId: "ann-1", AudioSpecifications: audio("ann") },
        { RequestId: "r2", SpeakerId: "ben-1", AudioSpecifications: audio("ben") },
      ]);
      expect(jobId).toMatch(/^[a-zA-Z0-9]{22}$/);
      expect(job).toMatchObject({
        JobStatus: "SUBMITTED",
        JobName: "enroll",
        DomainId: s.domainId,
        DataAccessRoleArn: ROLE_ARN,
        JobProgress: { PercentComplete: 0 },
        InputDataConfig: { S3Uri: manifestUri },
        OutputDataConfig: { S3Uri: OUT },
        // Defaults filled in: SKIP and FAIL (model docs), the default watchlist.
        EnrollmentConfig: {
          ExistingEnrollmentAction: "SKIP",
          FraudDetectionConfig: {
            FraudDetectionAction: "FAIL",
            RiskThreshold: 50,
            WatchlistIds: [s.defaultWatchlistId],
          },
        },
      });
      const done = await describeEnrollment(s, jobId);
      expect(done).toMatchObject({ JobStatus: "COMPLETED", JobProgress: { PercentComplete: 100 } });
      expect(done?.EndedAt).toBeInstanceOf(Date);
      expect(done?.FailureDetails).toBeUndefined();
      expect(done?.OutputDataConfig?.S3Uri).toBe(OUT);

      const output = await getJson(s.started, outputUri(OUT, jobId, manifestUri));
      expect(Object.keys(output)).toEqual(["Version", "Errors", "SuccessfulEnrollments"]);
      expect(output.Version).toBe("1.0");
      expect(output.Errors).toEqual([]);
      const successes = output.SuccessfulEnrollments as Record<string, string>[];
      expect(successes.map((entry) => Object.keys(entry))).toEqual([
        ["RequestId", "GeneratedSpeakerId", "CustomerSpeakerId", "EnrollmentStatus"],
        ["RequestId", "GeneratedSpeakerId", "CustomerSpeakerId", "EnrollmentStatus"],
      ]);
      expect(
        successes.map((entry) => [entry.RequestId, entry.CustomerSpeakerId, entry.EnrollmentStatus]),
      ).toEqual([
        ["r1", "ann-1", "NEW_ENROLLMENT"],
        ["r2", "ben-1", "NEW_ENROLLMENT"],
      ]);
      expect(s.started.sandbox.engine.voiceId.jobOutputUri(s.domainId, jobId)).toBe(
        outputUri(OUT, jobId, manifestUri),
      );

      const { Speaker } = await s.started.clients.voiceId.send(
        new DescribeSpeakerCommand({ DomainId: s.domainId, SpeakerId: "ann-1" }),
      );
      expect(Speaker).toMatchObject({
        Status: "ENROLLED",
        GeneratedSpeakerId: successes[0]?.GeneratedSpeakerId,
      });
      expect(Speaker?.LastAccessedAt).toBeInstanceOf(Date);
      const listed = await s.started.clients.voiceId.send(
        new ListSpeakerEnrollmentJobsCommand({ DomainId: s.domainId, JobStatus: "COMPLETED" }),
      );
      expect(listed.JobSummaries?.map((summary) => summary.JobId)).toEqual([jobId]);
      expect(listed.JobSummaries?.[0]).not.toHaveProperty("EnrollmentConfig");
      const none = await s.started.clients.voiceId.send(
        new ListSpeakerEnrollmentJobsCommand({ DomainId: s.domainId, JobStatus: "FAILED" }),
      );
      expect(none.JobSummaries).toEqual([]);
    });

    it("re-enrollment: SKIP → DUPLICATE_SKIPPED, OVERWRITE → ENROLLMENT_OVERWRITE (same GeneratedSpeakerId)", async () => {
      s = await setup(transport);
      await putObject(s.started, `${IN}/audio/ann.wav`, voiceWav("ann", 5));
      const first = await startEnrollment(s, "one.json", [
        { RequestId: "a", SpeakerId: "ann-1", AudioSpecifications: audio("ann") },
      ]);
      await describeEnrollment(s, first.jobId);
      const generated = (
        (await getJson(s.started, outputUri(OUT, first.jobId, first.manifestUri)))
          .SuccessfulEnrollments as Record<string, string>[]
      )[0]?.GeneratedSpeakerId;

      const skip = await startEnrollment(s, "two.json", [
        { RequestId: "b", SpeakerId: "ann-1", AudioSpecifications: audio("ann") },
      ]);
      expect((await describeEnrollment(s, skip.jobId))?.JobStatus).toBe("COMPLETED");
      expect(
        (await getJson(s.started, outputUri(OUT, skip.jobId, skip.manifestUri))).SuccessfulEnrollments,
      ).toEqual([
        {
          RequestId: "b",
          GeneratedSpeakerId: generated,
          CustomerSpeakerId: "ann-1",
          EnrollmentStatus: "DUPLICATE_SKIPPED",
        },
      ]);

      const overwrite = await startEnrollment(
        s,
        "three.json",
        [{ RequestId: "c", SpeakerId: "ann-1", AudioSpecifications: audio("ann") }],
        {
          ExistingEnrollmentAction: "OVERWRITE",
        },
      );
      await describeEnrollment(s, overwrite.jobId);
      expect(
        (await getJson(s.started, outputUri(OUT, overwrite.jobId, overwrite.manifestUri)))
          .SuccessfulEnrollments,
      ).toEqual([
        {
          RequestId: "c",
          GeneratedSpeakerId: generated,
          CustomerSpeakerId: "ann-1",
          EnrollmentStatus: "ENROLLMENT_OVERWRITE",
        },
      ]);
    });

    it("reports every per-request problem in Errors and ends COMPLETED_WITH_ERRORS", async () => {
      s = await setup(transport);
      const uploads: [string, Uint8Array | string][] = [
        ["ok", voiceWav("ann", 5)],
        ["rate16k", voiceWav("ann", 5, { sampleRate: 16000 })],
        ["float", voiceWav("ann", 5, { encoding: "float" })],
        ["mulaw", voiceWav("ann", 5, { encoding: "mulaw" })],
        ["short", voiceWav("ann", 3)],
        ["garbage", "this is not audio"],
      ];
      for (const [name, body] of uploads) await putObject(s.started, `${IN}/audio/${name}.wav`, body);
      await putObject(s.started, `${IN}/audio/ok.mp3`, voiceWav("ann", 5));
      // A file just over 20 MB (written straight into the S3 engine: its size alone decides).
      await s.started.sandbox.engine.s3.putObject("voice-in", "audio/huge.wav", new Uint8Array(20_000_001));
      await s.started.clients.voiceId.send(
        new OptOutSpeakerCommand({ DomainId: s.domainId, SpeakerId: "opted-out" }),
      );
      const eleven = Array.from({ length: 11 }, () => audio("ok")[0]);
      const { jobId, manifestUri } = await startEnrollment(s, "errors.json", [
        { RequestId: "good", SpeakerId: "good-1", AudioSpecifications: audio("ok") },
        { RequestId: "good", SpeakerId: "dup-1", AudioSpecifications: audio("ok") },
        { RequestId: "generated", SpeakerId: `id#${"A".repeat(22)}`, AudioSpecifications: audio("ok") },
        { RequestId: "no-speaker", AudioSpecifications: audio("ok") },
        { RequestId: "bad-speaker", SpeakerId: "-x", AudioSpecifications: audio("ok") },
        { RequestId: "no-audio", SpeakerId: "s-1", AudioSpecifications: [] },
        { RequestId: "eleven", SpeakerId: "s-2", AudioSpecifications: eleven },
        { RequestId: "missing", SpeakerId: "s-3", AudioSpecifications: audio("nope") },
        {
          RequestId: "not-wav",
          SpeakerId: "s-4",
          AudioSpecifications: [{ S3Uri: `${IN}/audio/ok.mp3`, ChannelId: 0 }],
        },
        { RequestId: "huge", SpeakerId: "s-5", AudioSpecifications: audio("huge") },
        { RequestId: "rate", SpeakerId: "s-6", AudioSpecifications: audio("rate16k") },
        { RequestId: "float", SpeakerId: "s-7", AudioSpecifications: audio("float") },
        { RequestId: "mulaw", SpeakerId: "s-8", AudioSpecifications: audio("mulaw") },
        { RequestId: "channel-1", SpeakerId: "s-9", AudioSpecifications: audio("ok", 1) },
        { RequestId: "channel-2", SpeakerId: "s-10", AudioSpecifications: audio("ok", 2) },
        { RequestId: "garbage", SpeakerId: "s-11", AudioSpecifications: audio("garbage") },
        { RequestId: "short", SpeakerId: "s-12", AudioSpecifications: audio("short") },
        { RequestId: "opted-out", SpeakerId: "opted-out", AudioSpecifications: audio("ok") },
        {
          RequestId: "bad-uri",
          SpeakerId: "s-13",
          AudioSpecifications: [{ S3Uri: "https://example.com/a.wav", ChannelId: 0 }],
        },
      ]);
      const done = await describeEnrollment(s, jobId);
      expect(done).toMatchObject({
        JobStatus: "COMPLETED_WITH_ERRORS",
        JobProgress: { PercentComplete: 100 },
      });
      expect(done?.FailureDetails).toBeUndefined();
      const output = await getJson(s.started, outputUri(OUT, jobId, manifestUri));
      expect(
        (output.SuccessfulEnrollments as { RequestId: string }[]).map((entry) => entry.RequestId),
      ).toEqual(["good"]);
      const errors = Object.fromEntries(
        (output.Errors as { RequestId: string; ErrorCode: number; ErrorMessage: string }[]).map((entry) => [
          entry.RequestId,
          entry,
        ]),
      );
      const expectError = (requestId: string, code: number, fragment: RegExp) => {
        expect(errors[requestId], requestId).toMatchObject({ RequestId: requestId, ErrorCode: code });
        expect(errors[requestId]?.ErrorMessage, requestId).toMatch(fragment);
      };
      expect((output.Errors as unknown[]).length).toBe(18);
      expectError("good", 400, /RequestIds must be unique/);
      expectError("generated", 400, /CustomerSpeakerId.*GeneratedSpeakerId is not supported/);
      expectError("bad-speaker", 400, /SpeakerId must be/);
      expectError("no-audio", 400, /at least one audio file/);
      expectError("eleven", 400, /11 audio files; at most 10/);
      expectError("missing", 400, /does not exist/);
      expectError("not-wav", 400, /not a \.wav file/);
      expectError("huge", 400, /at most 20 MB/);
      expectError("rate", 400, /16000 Hz; Voice ID needs 8000 Hz/);
      expectError("float", 400, /PCM-16/);
      expectError("mulaw", 400, /PCM-16/);
      expectError("channel-1", 400, /Channel 1 does not exist/);
      expectError("channel-2", 400, /ChannelId must be 0 or 1/);
      expectError("garbage", 400, /not a readable WAV file/);
      expectError("short", 400, /Not enough speech: .* needs 3 s/);
      expectError("opted-out", 409, /opted out/);
      expectError("bad-uri", 400, /not a valid S3 URI/);
      expect(errors["no-speaker"]).toMatchObject({ ErrorCode: 400, ErrorMessage: "SpeakerId is required." });
      // Only the good request enrolled anyone; the opted-out speaker is untouched.
      const { SpeakerSummaries } = await s.started.clients.voiceId.send(
        new ListSpeakersCommand({ DomainId: s.domainId }),
      );
      expect(SpeakerSummaries?.map((speaker) => [speaker.CustomerSpeakerId, speaker.Status]).sort()).toEqual([
        ["good-1", "ENROLLED"],
        ["opted-out", "OPTED_OUT"],
      ]);
    });

    it("a full domain (100,000 speakers) rejects new enrollments with 402", async () => {
      s = await setup(transport);
      s.started.sandbox.engine.voiceId.seedSpeakers(
        s.domainId,
        Array.from({ length: 100_000 }, (_, i) => ({ customerSpeakerId: `bulk-${i}` })),
      );
      await putObject(s.started, `${IN}/audio/ann.wav`, voiceWav("ann", 5));
      const { jobId, manifestUri } = await startEnrollment(s, "full.json", [
        { RequestId: "new", SpeakerId: "newcomer", AudioSpecifications: audio("ann") },
      ]);
      expect((await describeEnrollment(s, jobId))?.JobStatus).toBe("COMPLETED_WITH_ERRORS");
      const [error] = (await getJson(s.started, outputUri(OUT, jobId, manifestUri))).Errors as {
        ErrorCode: number;
        ErrorMessage: string;
      }[];
      expect(error).toMatchObject({ ErrorCode: 402 });
      expect(error?.ErrorMessage).toMatch(/ServiceQuotaLimitExceededException/);
    });

    it.each([
      ["the manifest is missing", async () => {}, "missing.json", 400, /does not exist/],
      [
        "the manifest is not JSON",
        (st: StartedSandbox) => putObject(st, `${IN}/manifests/bad.json`, "{nope"),
        "bad.json",
        400,
        /not valid JSON/,
      ],
      [
        "the Version is wrong",
        (st: StartedSandbox) =>
          putObject(
            st,
            `${IN}/manifests/v2.json`,
            JSON.stringify({ Version: "2.0", SpeakerEnrollmentRequests: [] }),
          ),
        "v2.json",
        400,
        /Version "2.0"/,
      ],
      [
        "the request list is missing",
        (st: StartedSandbox) =>
          putObject(st, `${IN}/manifests/none.json`, JSON.stringify({ Version: "1.0" })),
        "none.json",
        400,
        /no SpeakerEnrollmentRequests list/,
      ],
      [
        "there are more than 10,000 requests",
        (st: StartedSandbox) =>
          putObject(
            st,
            `${IN}/manifests/big.json`,
            enrollmentManifest(
              Array.from({ length: 10_001 }, (_, i) => ({
                RequestId: `r${i}`,
                SpeakerId: `s${i}`,
                AudioSpecifications: audio("x"),
              })),
            ),
          ),
        "big.json",
        402,
        /10001 requests; a job takes at most 10000/,
      ],
    ] as const)("the job FAILS when %s", async (_what, prepare, manifestName, code, message) => {
      s = await setup(transport);
      await prepare(s.started);
      const manifestUri = `${IN}/manifests/${manifestName}`;
      const { Job } = await s.started.clients.voiceId.send(
        new StartSpeakerEnrollmentJobCommand({
          DomainId: s.domainId,
          DataAccessRoleArn: ROLE_ARN,
          InputDataConfig: { S3Uri: manifestUri },
          OutputDataConfig: { S3Uri: OUT },
        }),
      );
      const failed = await describeEnrollment(s, Job?.JobId as string);
      expect(failed).toMatchObject({ JobStatus: "FAILED", FailureDetails: { StatusCode: code } });
      expect(failed?.FailureDetails?.Message).toMatch(message);
      expect(failed?.EndedAt).toBeInstanceOf(Date);
    });

    it("the job FAILS when the input or output bucket is unusable, or a fault is injected", async () => {
      s = await setup(transport);
      await putObject(s.started, `${IN}/manifests/empty.json`, enrollmentManifest([]));
      const run = async (input: string, output: string) => {
        const { Job } = await s.started.clients.voiceId.send(
          new StartSpeakerEnrollmentJobCommand({
            DomainId: s.domainId,
            DataAccessRoleArn: ROLE_ARN,
            InputDataConfig: { S3Uri: input },
            OutputDataConfig: { S3Uri: output },
          }),
        );
        return await describeEnrollment(s, Job?.JobId as string);
      };
      const noInput = await run("s3://no-such-bucket/m.json", OUT);
      expect(noInput).toMatchObject({ JobStatus: "FAILED", FailureDetails: { StatusCode: 400 } });
      expect(noInput?.FailureDetails?.Message).toMatch(/input bucket no-such-bucket/);
      const noOutput = await run(`${IN}/manifests/empty.json`, "s3://no-such-output/x");
      expect(noOutput?.FailureDetails?.Message).toMatch(/output bucket no-such-output/);
      s.started.sandbox.faults.configure({ failJobs: ["next"] });
      const injected = await run(`${IN}/manifests/empty.json`, OUT);
      expect(injected).toMatchObject({ JobStatus: "FAILED", FailureDetails: { StatusCode: 500 } });
      // An empty manifest is a job with nothing to do: COMPLETED, with an empty output file.
      const empty = await run(`${IN}/manifests/empty.json`, OUT);
      expect(empty).toMatchObject({ JobStatus: "COMPLETED", JobProgress: { PercentComplete: 100 } });
      expect(
        await getJson(s.started, outputUri(OUT, empty?.JobId as string, `${IN}/manifests/empty.json`)),
      ).toEqual({
        Version: "1.0",
        Errors: [],
        SuccessfulEnrollments: [],
      });
    });

    it("Start errors: unknown domain or watchlist (404), one active job per kind (402), ClientToken reuse (409)", async () => {
      s = await setup(transport, { jobs: { mode: "polls", describesPerStep: 1 } });
      const client = s.started.clients.voiceId;
      await putObject(s.started, `${IN}/manifests/empty.json`, enrollmentManifest([]));
      const base = {
        DomainId: s.domainId,
        DataAccessRoleArn: ROLE_ARN,
        InputDataConfig: { S3Uri: `${IN}/manifests/empty.json` },
        OutputDataConfig: { S3Uri: OUT },
      };
      await expectAwsError(
        client.send(new StartSpeakerEnrollmentJobCommand({ ...base, DomainId: MISSING_ID })),
        "ResourceNotFoundException",
        404,
        {
          ResourceType: "DOMAIN",
        },
      );
      await expectAwsError(
        client.send(
          new StartSpeakerEnrollmentJobCommand({
            ...base,
            EnrollmentConfig: { FraudDetectionConfig: { WatchlistIds: [MISSING_ID] } },
          }),
        ),
        "ResourceNotFoundException",
        404,
        { ResourceType: "WATCHLIST" },
      );
      await expectAwsError(
        client.send(
          new StartFraudsterRegistrationJobCommand({
            ...base,
            RegistrationConfig: { WatchlistIds: [MISSING_ID] },
          }),
        ),
        "ResourceNotFoundException",
        404,
        { ResourceType: "WATCHLIST" },
      );
      const first = await client.send(
        new StartSpeakerEnrollmentJobCommand({ ...base, ClientToken: "job-token" }),
      );
      const retry = await client.send(
        new StartSpeakerEnrollmentJobCommand({ ...base, ClientToken: "job-token" }),
      );
      expect(retry.Job?.JobId).toBe(first.Job?.JobId);
      // The request log names the job each successful Start answered with, so an idempotent
      // replay is told apart from a duplicate job; failed Starts name none.
      const starts = s.started.sandbox.log.entries({ operation: "StartSpeakerEnrollmentJob" });
      expect(starts.map((entry) => [entry.status, entry.resource])).toEqual([
        [404, undefined],
        [404, undefined],
        [200, first.Job?.JobId],
        [200, first.Job?.JobId],
      ]);
      await expectAwsError(
        client.send(
          new StartSpeakerEnrollmentJobCommand({ ...base, JobName: "other", ClientToken: "job-token" }),
        ),
        "ConflictException",
        409,
      );
      await expectAwsError(
        client.send(new StartSpeakerEnrollmentJobCommand(base)),
        "ServiceQuotaExceededException",
        402,
      );
      // A registration job is a different kind: allowed alongside; its ClientToken is idempotent too.
      const registration = await client.send(
        new StartFraudsterRegistrationJobCommand({ ...base, ClientToken: "reg-token" }),
      );
      const registrationRetry = await client.send(
        new StartFraudsterRegistrationJobCommand({ ...base, ClientToken: "reg-token" }),
      );
      expect(registrationRetry.Job?.JobId).toBe(registration.Job?.JobId);
      await expectAwsError(
        client.send(
          new StartFraudsterRegistrationJobCommand({ ...base, JobName: "other", ClientToken: "reg-token" }),
        ),
        "ConflictException",
        409,
      );
      await expectAwsError(
        client.send(new StartFraudsterRegistrationJobCommand(base)),
        "ServiceQuotaExceededException",
        402,
      );
      // Once the first job ends another may start.
      expect((await describeEnrollment(s, first.Job?.JobId as string))?.JobStatus).toBe("COMPLETED");
      await client.send(new StartSpeakerEnrollmentJobCommand(base));
      expect(registration.Job?.RegistrationConfig).toEqual({
        DuplicateRegistrationAction: "SKIP",
        FraudsterSimilarityThreshold: 50,
        WatchlistIds: [s.defaultWatchlistId],
      });
    });

    it("Describe of an unknown job, or a job of the other kind, is ResourceNotFoundException BATCH_JOB", async () => {
      s = await setup(transport);
      await putObject(s.started, `${IN}/manifests/empty.json`, enrollmentManifest([]));
      const { jobId } = await startEnrollment(s, "empty.json", []);
      await expectAwsError(describeRegistration(s, jobId), "ResourceNotFoundException", 404, {
        ResourceType: "BATCH_JOB",
      });
      await expectAwsError(describeEnrollment(s, MISSING_ID), "ResourceNotFoundException", 404, {
        ResourceType: "BATCH_JOB",
      });
      await expectAwsError(
        s.started.clients.voiceId.send(
          new DescribeSpeakerEnrollmentJobCommand({ DomainId: MISSING_ID, JobId: jobId }),
        ),
        "ResourceNotFoundException",
        404,
        { ResourceType: "DOMAIN" },
      );
    });
  });
}
