import {
  CreateWatchlistCommand,
  DescribeFraudsterCommand,
  DescribeFraudsterRegistrationJobCommand,
  DescribeSpeakerEnrollmentJobCommand,
  type EnrollmentConfig,
  ListFraudsterRegistrationJobsCommand,
  ListFraudstersCommand,
  type RegistrationConfig,
  StartFraudsterRegistrationJobCommand,
  StartSpeakerEnrollmentJobCommand,
} from "@aws-sdk/client-voice-id";
import { afterEach, describe, expect, it } from "vitest";
import { type StartedSandbox, TRANSPORTS } from "../test-support.ts";
import {
  createBucket,
  createDomain,
  enrollmentManifest,
  getJson,
  outputUri,
  putObject,
  ROLE_ARN,
  registrationManifest,
  start,
  voiceWav,
} from "./test-support.ts";

const IN = "s3://fraud-in";
const OUT = "s3://fraud-out/jobs/";
const audio = (name: string) => [{ S3Uri: `${IN}/audio/${name}.wav`, ChannelId: 0 }];

/**
 * Voices and utterances chosen for clear margins with @cvk/audio's voiceprint at 8 s: two
 * utterances of "alice" score ~79, of "caller-3" ~79; different voices score below 20.
 */
const FRAUDSTER_VOICE = "alice";
const OTHER_VOICE = "caller-3";

for (const transport of TRANSPORTS) {
  describe(`Voice ID fraudster registration and fraud detection (${transport})`, () => {
    let started: StartedSandbox;
    let domainId: string;
    let defaultWatchlistId: string;
    afterEach(async () => {
      await started.stop();
    });

    async function setup(): Promise<void> {
      started = await start(transport, { minNetSpeechSeconds: 3 });
      await createBucket(started, "fraud-in");
      await createBucket(started, "fraud-out");
      ({ domainId, defaultWatchlistId } = await createDomain(started.clients.voiceId));
      await putObject(started, `${IN}/audio/fraudster-take1.wav`, voiceWav(FRAUDSTER_VOICE, 8, { seed: 1 }));
      await putObject(started, `${IN}/audio/fraudster-take2.wav`, voiceWav(FRAUDSTER_VOICE, 8, { seed: 2 }));
      await putObject(started, `${IN}/audio/honest.wav`, voiceWav(OTHER_VOICE, 8, { seed: 1 }));
    }

    async function register(name: string, requests: unknown[], config?: RegistrationConfig) {
      const manifestUri = `${IN}/manifests/${name}`;
      await putObject(started, manifestUri, registrationManifest(requests));
      const { Job } = await started.clients.voiceId.send(
        new StartFraudsterRegistrationJobCommand({
          DomainId: domainId,
          JobName: name.replace(/\W/g, "-"),
          DataAccessRoleArn: ROLE_ARN,
          InputDataConfig: { S3Uri: manifestUri },
          OutputDataConfig: { S3Uri: OUT },
          ...(config ? { RegistrationConfig: config } : {}),
        }),
      );
      const jobId = Job?.JobId as string;
      const done = await started.clients.voiceId.send(
        new DescribeFraudsterRegistrationJobCommand({ DomainId: domainId, JobId: jobId }),
      );
      return { job: done.Job, output: await getJson(started, outputUri(OUT, jobId, manifestUri)) };
    }

    async function enroll(name: string, requests: unknown[], config?: EnrollmentConfig) {
      const manifestUri = `${IN}/manifests/${name}`;
      await putObject(started, manifestUri, enrollmentManifest(requests));
      const { Job } = await started.clients.voiceId.send(
        new StartSpeakerEnrollmentJobCommand({
          DomainId: domainId,
          DataAccessRoleArn: ROLE_ARN,
          InputDataConfig: { S3Uri: manifestUri },
          OutputDataConfig: { S3Uri: OUT },
          ...(config ? { EnrollmentConfig: config } : {}),
        }),
      );
      const jobId = Job?.JobId as string;
      const done = await started.clients.voiceId.send(
        new DescribeSpeakerEnrollmentJobCommand({ DomainId: domainId, JobId: jobId }),
      );
      return { job: done.Job, output: await getJson(started, outputUri(OUT, jobId, manifestUri)) };
    }

    it("registers fraudsters into the default watchlist; a second take of the same voice is DUPLICATE_SKIPPED", async () => {
      await setup();
      const first = await register("reg-1.json", [
        { RequestId: "f1", AudioSpecifications: audio("fraudster-take1") },
        { RequestId: "f2", AudioSpecifications: audio("honest") },
      ]);
      expect(first.job).toMatchObject({ JobStatus: "COMPLETED", JobProgress: { PercentComplete: 100 } });
      expect(Object.keys(first.output)).toEqual(["Version", "Errors", "SuccessfulRegistrations"]);
      const registered = first.output.SuccessfulRegistrations as Record<string, unknown>[];
      expect(registered.map((entry) => [entry.RequestId, entry.RegistrationStatus])).toEqual([
        ["f1", "NEW_REGISTRATION"],
        ["f2", "NEW_REGISTRATION"],
      ]);
      expect(registered[0]).not.toHaveProperty("FraudsterSimilarityScore");
      const fraudsterId = registered[0]?.GeneratedFraudsterId as string;
      expect(fraudsterId).toMatch(/^id#[a-zA-Z0-9]{22}$/);
      const { Fraudster } = await started.clients.voiceId.send(
        new DescribeFraudsterCommand({ DomainId: domainId, FraudsterId: fraudsterId }),
      );
      expect(Fraudster?.WatchlistIds).toEqual([defaultWatchlistId]);

      const again = await register("reg-2.json", [
        { RequestId: "again", AudioSpecifications: audio("fraudster-take2") },
      ]);
      const [duplicate] = again.output.SuccessfulRegistrations as Record<string, unknown>[];
      expect(duplicate).toMatchObject({
        RequestId: "again",
        RegistrationStatus: "DUPLICATE_SKIPPED",
        GeneratedFraudsterId: fraudsterId,
      });
      expect(duplicate?.FraudsterSimilarityScore).toBeGreaterThanOrEqual(50);

      const forced = await register(
        "reg-3.json",
        [{ RequestId: "new", AudioSpecifications: audio("fraudster-take2") }],
        {
          DuplicateRegistrationAction: "REGISTER_AS_NEW",
        },
      );
      const [fresh] = forced.output.SuccessfulRegistrations as Record<string, unknown>[];
      expect(fresh).toMatchObject({ RegistrationStatus: "NEW_REGISTRATION" });
      expect(fresh?.GeneratedFraudsterId).not.toBe(fraudsterId);
      const { FraudsterSummaries } = await started.clients.voiceId.send(
        new ListFraudstersCommand({ DomainId: domainId }),
      );
      expect(FraudsterSummaries).toHaveLength(3);
      const { JobSummaries } = await started.clients.voiceId.send(
        new ListFraudsterRegistrationJobsCommand({ DomainId: domainId, MaxResults: 2 }),
      );
      expect(JobSummaries).toHaveLength(2);
    });

    it("a similarity threshold of 100 registers a second take as new; WatchlistIds picks the watchlist; a full watchlist gives 402", async () => {
      await setup();
      const { Watchlist } = await started.clients.voiceId.send(
        new CreateWatchlistCommand({ DomainId: domainId, Name: "vip" }),
      );
      const vip = Watchlist?.WatchlistId as string;
      await register("a.json", [{ RequestId: "a", AudioSpecifications: audio("fraudster-take1") }], {
        WatchlistIds: [vip],
      });
      const strict = await register(
        "b.json",
        [{ RequestId: "b", AudioSpecifications: audio("fraudster-take2") }],
        {
          WatchlistIds: [vip],
          FraudsterSimilarityThreshold: 100,
        },
      );
      expect(
        (strict.output.SuccessfulRegistrations as Record<string, unknown>[])[0]?.RegistrationStatus,
      ).toBe("NEW_REGISTRATION");
      const inVip = await started.clients.voiceId.send(
        new ListFraudstersCommand({ DomainId: domainId, WatchlistId: vip }),
      );
      expect(inVip.FraudsterSummaries).toHaveLength(2);
      const inDefault = await started.clients.voiceId.send(
        new ListFraudstersCommand({ DomainId: domainId, WatchlistId: defaultWatchlistId }),
      );
      expect(inDefault.FraudsterSummaries).toEqual([]);

      started.sandbox.engine.voiceId.seedFraudsters(
        domainId,
        Array.from({ length: 498 }, () => ({ watchlistIds: [vip] })),
      );
      const full = await register("c.json", [{ RequestId: "c", AudioSpecifications: audio("honest") }], {
        WatchlistIds: [vip],
      });
      expect(full.job?.JobStatus).toBe("COMPLETED_WITH_ERRORS");
      expect((full.output.Errors as Record<string, unknown>[])[0]).toMatchObject({
        RequestId: "c",
        ErrorCode: 402,
      });
    });

    it("a registration manifest over 500 requests fails the job (402)", async () => {
      await setup();
      const many = Array.from({ length: 501 }, (_, i) => ({
        RequestId: `r${i}`,
        AudioSpecifications: audio("honest"),
      }));
      const manifestUri = `${IN}/manifests/many.json`;
      await putObject(started, manifestUri, registrationManifest(many));
      const { Job } = await started.clients.voiceId.send(
        new StartFraudsterRegistrationJobCommand({
          DomainId: domainId,
          DataAccessRoleArn: ROLE_ARN,
          InputDataConfig: { S3Uri: manifestUri },
          OutputDataConfig: { S3Uri: OUT },
        }),
      );
      const done = await started.clients.voiceId.send(
        new DescribeFraudsterRegistrationJobCommand({ DomainId: domainId, JobId: Job?.JobId }),
      );
      expect(done.Job).toMatchObject({ JobStatus: "FAILED", FailureDetails: { StatusCode: 402 } });
    });

    it("enrolling a caller whose audio is a registered fraudster's voice fails under FAIL and passes under IGNORE", async () => {
      await setup();
      await register("fraudster.json", [{ RequestId: "f", AudioSpecifications: audio("fraudster-take1") }]);

      const failed = await enroll("victim.json", [
        { RequestId: "impostor", SpeakerId: "account-1001", AudioSpecifications: audio("fraudster-take2") },
        { RequestId: "genuine", SpeakerId: "account-2002", AudioSpecifications: audio("honest") },
      ]);
      expect(failed.job?.JobStatus).toBe("COMPLETED_WITH_ERRORS");
      const [error] = failed.output.Errors as Record<string, unknown>[];
      expect(error).toMatchObject({ RequestId: "impostor", ErrorCode: 400 });
      expect(error?.ErrorMessage).toMatch(/^Fraud checks failed/);
      expect(
        (failed.output.SuccessfulEnrollments as Record<string, unknown>[]).map((entry) => entry.RequestId),
      ).toEqual(["genuine"]);

      const ignored = await enroll(
        "victim-ignore.json",
        [{ RequestId: "impostor", SpeakerId: "account-1001", AudioSpecifications: audio("fraudster-take2") }],
        { FraudDetectionConfig: { FraudDetectionAction: "IGNORE" } },
      );
      expect(ignored.job?.JobStatus).toBe("COMPLETED");
      expect((ignored.output.SuccessfulEnrollments as Record<string, unknown>[])[0]).toMatchObject({
        EnrollmentStatus: "NEW_ENROLLMENT",
      });
    });

    it("fraud detection uses the configured watchlist and threshold", async () => {
      await setup();
      const { Watchlist } = await started.clients.voiceId.send(
        new CreateWatchlistCommand({ DomainId: domainId, Name: "empty" }),
      );
      await register("fraudster.json", [{ RequestId: "f", AudioSpecifications: audio("fraudster-take1") }]);
      // Checked against a watchlist the fraudster is not in: no match.
      const elsewhere = await enroll(
        "a.json",
        [{ RequestId: "a", SpeakerId: "acct-a", AudioSpecifications: audio("fraudster-take2") }],
        {
          FraudDetectionConfig: { WatchlistIds: [Watchlist?.WatchlistId as string] },
        },
      );
      expect(elsewhere.job?.JobStatus).toBe("COMPLETED");
      // A risk threshold of 100 needs an identical voiceprint: a second take passes.
      const lenient = await enroll(
        "b.json",
        [{ RequestId: "b", SpeakerId: "acct-b", AudioSpecifications: audio("fraudster-take2") }],
        {
          FraudDetectionConfig: { RiskThreshold: 100 },
        },
      );
      expect(lenient.job?.JobStatus).toBe("COMPLETED");
      // The very recording the fraudster was registered with matches at 100.
      const same = await enroll(
        "c.json",
        [{ RequestId: "c", SpeakerId: "acct-c", AudioSpecifications: audio("fraudster-take1") }],
        {
          FraudDetectionConfig: { RiskThreshold: 100 },
        },
      );
      expect(same.job?.JobStatus).toBe("COMPLETED_WITH_ERRORS");
    });
  });
}
