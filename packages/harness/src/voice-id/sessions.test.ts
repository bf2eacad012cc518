import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  DescribeFraudsterRegistrationJobCommand,
  DescribeSpeakerCommand,
  DescribeSpeakerEnrollmentJobCommand,
  EvaluateSessionCommand,
  OptOutSpeakerCommand,
  StartFraudsterRegistrationJobCommand,
  StartSpeakerEnrollmentJobCommand,
} from "@aws-sdk/client-voice-id";
import { synthesizeSpeech } from "@cvk/audio";
import { ManualClock } from "@cvk/core";
import { afterEach, describe, expect, it } from "vitest";
import { type StartedSandbox, TRANSPORTS, type Transport } from "../test-support.ts";
import { authenticationScore } from "./sessions.ts";
import {
  createBucket,
  createDomain,
  enrollmentManifest,
  expectAwsError,
  putObject,
  ROLE_ARN,
  registrationManifest,
  start,
  voiceWav,
} from "./test-support.ts";

const IN = "s3://session-in";
const OUT = "s3://session-out";
const MISSING_ID = "Z".repeat(22);
/** Two 8 s takes of "alice" score ~79 with @cvk/audio's voiceprint; other voices below 20. */
const CALLER = "alice";
const IMPOSTOR = "caller-3";
const speech = (voice: string, seconds: number, seed: number) => ({
  samples: synthesizeSpeech({ voice, seconds, sampleRate: 8000, seed }),
  sampleRate: 8000,
});

for (const transport of TRANSPORTS) {
  describe(`Voice ID sessions and EvaluateSession (${transport})`, () => {
    let started: StartedSandbox;
    let domainId: string;
    afterEach(async () => {
      await started.stop();
    });

    /** A domain where "alice-acct" is enrolled (through a batch job) with alice's first take. */
    async function setup(t: Transport, clock?: ManualClock): Promise<void> {
      started = await start(t, { minNetSpeechSeconds: 3, ...(clock ? { clock } : {}) });
      await createBucket(started, "session-in");
      await createBucket(started, "session-out");
      ({ domainId } = await createDomain(started.clients.voiceId));
      await putObject(started, `${IN}/alice.wav`, voiceWav(CALLER, 8, { seed: 1 }));
      await putObject(
        started,
        `${IN}/enroll.json`,
        enrollmentManifest([
          {
            RequestId: "1",
            SpeakerId: "alice-acct",
            AudioSpecifications: [{ S3Uri: `${IN}/alice.wav`, ChannelId: 0 }],
          },
        ]),
      );
      const { Job } = await started.clients.voiceId.send(
        new StartSpeakerEnrollmentJobCommand({
          DomainId: domainId,
          DataAccessRoleArn: ROLE_ARN,
          InputDataConfig: { S3Uri: `${IN}/enroll.json` },
          OutputDataConfig: { S3Uri: OUT },
        }),
      );
      const done = await started.clients.voiceId.send(
        new DescribeSpeakerEnrollmentJobCommand({ DomainId: domainId, JobId: Job?.JobId }),
      );
      expect(done.Job?.JobStatus).toBe("COMPLETED");
    }

    const evaluate = (sessionNameOrId: string) =>
      started.clients.voiceId.send(
        new EvaluateSessionCommand({ DomainId: domainId, SessionNameOrId: sessionNameOrId }),
      );

    it("ACCEPTs the enrolled caller's voice; results are cached until new audio arrives", async () => {
      await setup(transport);
      const engine = started.sandbox.engine.voiceId;
      const { sessionId } = await engine.simulateSession(domainId, {
        sessionName: "contact-0001",
        customerSpeakerId: "alice-acct",
        ...speech(CALLER, 8, 2),
      });
      expect(sessionId).toMatch(/^id#[a-zA-Z0-9]{22}$/);
      const result = await evaluate("contact-0001");
      expect(result).toMatchObject({
        DomainId: domainId,
        SessionId: sessionId,
        SessionName: "contact-0001",
        StreamingStatus: "ONGOING",
      });
      const auth = result.AuthenticationResult;
      expect(auth).toMatchObject({
        Decision: "ACCEPT",
        CustomerSpeakerId: "alice-acct",
        Configuration: { AcceptanceThreshold: 90 },
      });
      expect(auth?.Score).toBeGreaterThanOrEqual(90);
      expect(auth?.AuthenticationResultId).toMatch(/^[a-zA-Z0-9]{22}$/);
      expect(auth?.GeneratedSpeakerId).toMatch(/^id#/);
      expect(auth?.AudioAggregationEndedAt?.getTime()).toBe(
        (auth?.AudioAggregationStartedAt?.getTime() ?? 0) + 8000,
      );
      expect(result.FraudDetectionResult).toMatchObject({
        Decision: "LOW_RISK",
        Configuration: { RiskThreshold: 50 },
        RiskDetails: { KnownFraudsterRisk: { RiskScore: 0 }, VoiceSpoofingRisk: { RiskScore: 0 } },
      });
      expect(result.FraudDetectionResult?.FraudDetectionResultId).toMatch(/^[a-zA-Z0-9]{22}$/);
      expect(result.FraudDetectionResult?.Reasons).toBeUndefined();

      const byId = await evaluate(sessionId);
      expect(byId.AuthenticationResult?.AuthenticationResultId).toBe(auth?.AuthenticationResultId);
      expect(byId.FraudDetectionResult?.FraudDetectionResultId).toBe(
        result.FraudDetectionResult?.FraudDetectionResultId,
      );
      await engine.simulateSession(domainId, {
        sessionName: "contact-0001",
        customerSpeakerId: "alice-acct",
        ...speech(CALLER, 9, 3),
      });
      const fresh = await evaluate("contact-0001");
      expect(fresh.SessionId).toBe(sessionId);
      expect(fresh.AuthenticationResult?.AuthenticationResultId).not.toBe(auth?.AuthenticationResultId);
      engine.endSession(domainId, "contact-0001");
      expect((await evaluate("contact-0001")).StreamingStatus).toBe("ENDED");
    });

    it("REJECTs another voice claiming the account; the threshold decides", async () => {
      await setup(transport);
      const engine = started.sandbox.engine.voiceId;
      await engine.simulateSession(domainId, {
        sessionName: "impostor",
        customerSpeakerId: "alice-acct",
        ...speech(IMPOSTOR, 8, 1),
      });
      const rejected = await evaluate("impostor");
      expect(rejected.AuthenticationResult?.Decision).toBe("REJECT");
      expect(rejected.AuthenticationResult?.Score).toBeLessThan(90);
      await engine.simulateSession(domainId, {
        sessionName: "lenient",
        customerSpeakerId: "alice-acct",
        ...speech(CALLER, 8, 2),
        acceptanceThreshold: 100,
      });
      const strict = await evaluate("lenient");
      expect(strict.AuthenticationResult).toMatchObject({
        Decision: "REJECT",
        Configuration: { AcceptanceThreshold: 100 },
      });
    });

    it("reports SPEAKER_ID_NOT_PROVIDED, SPEAKER_NOT_ENROLLED, SPEAKER_OPTED_OUT and NOT_ENOUGH_SPEECH", async () => {
      await setup(transport);
      const engine = started.sandbox.engine.voiceId;
      await started.clients.voiceId.send(
        new OptOutSpeakerCommand({ DomainId: domainId, SpeakerId: "quitter" }),
      );
      const cases: [string, string | undefined, ReturnType<typeof speech> | undefined, string][] = [
        ["anonymous", undefined, speech(CALLER, 8, 2), "SPEAKER_ID_NOT_PROVIDED"],
        ["stranger", "nobody-here", speech(CALLER, 8, 2), "SPEAKER_NOT_ENROLLED"],
        ["quitter", "quitter", speech(CALLER, 8, 2), "SPEAKER_OPTED_OUT"],
        ["brief", "alice-acct", speech(CALLER, 2, 2), "NOT_ENOUGH_SPEECH"],
        ["silent", "alice-acct", undefined, "NOT_ENOUGH_SPEECH"],
      ];
      for (const [name, speakerId, audio, decision] of cases) {
        await engine.simulateSession(domainId, {
          sessionName: name,
          ...(speakerId ? { customerSpeakerId: speakerId } : {}),
          ...(audio ?? {}),
        });
        const { AuthenticationResult, FraudDetectionResult } = await evaluate(name);
        expect(AuthenticationResult?.Decision, name).toBe(decision);
        expect(AuthenticationResult?.Score, name).toBeUndefined();
        if (name === "brief" || name === "silent")
          expect(FraudDetectionResult?.Decision).toBe("NOT_ENOUGH_SPEECH");
      }
    });

    it("SPEAKER_EXPIRED after three years without access; an ACCEPT refreshes LastAccessedAt", async () => {
      const clock = new ManualClock(Date.UTC(2026, 0, 1));
      await setup(transport, clock);
      const engine = started.sandbox.engine.voiceId;
      await clock.advance(2 * 365 * 24 * 3600 * 1000);
      await engine.simulateSession(domainId, {
        sessionName: "year-2",
        customerSpeakerId: "alice-acct",
        ...speech(CALLER, 8, 2),
      });
      expect((await evaluate("year-2")).AuthenticationResult?.Decision).toBe("ACCEPT");
      const { Speaker } = await started.clients.voiceId.send(
        new DescribeSpeakerCommand({ DomainId: domainId, SpeakerId: "alice-acct" }),
      );
      expect(Speaker?.LastAccessedAt?.getTime()).toBe(clock.now());
      await clock.advance(3 * 365 * 24 * 3600 * 1000 + 1000);
      await engine.simulateSession(domainId, {
        sessionName: "year-5",
        customerSpeakerId: "alice-acct",
        ...speech(CALLER, 8, 2),
      });
      expect((await evaluate("year-5")).AuthenticationResult?.Decision).toBe("SPEAKER_EXPIRED");
    });

    it("flags a known fraudster's voice HIGH_RISK with KNOWN_FRAUDSTER, against the session's watchlist", async () => {
      await setup(transport);
      await putObject(started, `${IN}/fraudster.wav`, voiceWav(IMPOSTOR, 8, { seed: 1 }));
      await putObject(
        started,
        `${IN}/register.json`,
        registrationManifest([
          { RequestId: "f", AudioSpecifications: [{ S3Uri: `${IN}/fraudster.wav`, ChannelId: 0 }] },
        ]),
      );
      const { Job } = await started.clients.voiceId.send(
        new StartFraudsterRegistrationJobCommand({
          DomainId: domainId,
          DataAccessRoleArn: ROLE_ARN,
          InputDataConfig: { S3Uri: `${IN}/register.json` },
          OutputDataConfig: { S3Uri: OUT },
        }),
      );
      expect(
        (
          await started.clients.voiceId.send(
            new DescribeFraudsterRegistrationJobCommand({ DomainId: domainId, JobId: Job?.JobId }),
          )
        ).Job?.JobStatus,
      ).toBe("COMPLETED");
      const engine = started.sandbox.engine.voiceId;
      await engine.simulateSession(domainId, {
        sessionName: "fraud-call",
        customerSpeakerId: "alice-acct",
        ...speech(IMPOSTOR, 8, 2),
      });
      const { FraudDetectionResult, AuthenticationResult } = await evaluate("fraud-call");
      expect(AuthenticationResult?.Decision).toBe("REJECT");
      expect(FraudDetectionResult).toMatchObject({ Decision: "HIGH_RISK", Reasons: ["KNOWN_FRAUDSTER"] });
      expect(FraudDetectionResult?.RiskDetails?.KnownFraudsterRisk?.RiskScore).toBeGreaterThan(50);
      expect(FraudDetectionResult?.RiskDetails?.KnownFraudsterRisk?.GeneratedFraudsterId).toMatch(/^id#/);
      // Spoofing risk reported as configured.
      await engine.simulateSession(domainId, {
        sessionName: "spoof",
        customerSpeakerId: "alice-acct",
        ...speech(CALLER, 8, 2),
        voiceSpoofingRisk: 80,
      });
      const spoof = await evaluate("spoof");
      expect(spoof.FraudDetectionResult).toMatchObject({
        Decision: "HIGH_RISK",
        Reasons: ["VOICE_SPOOFING"],
      });
    });

    it("takes audio from a WAV file, and answers ResourceNotFoundException for unknown sessions and domains", async () => {
      await setup(transport);
      const path = join(started.sandbox.store.dir, "call.wav");
      writeFileSync(path, voiceWav(CALLER, 8, { seed: 2, sampleRate: 16000 }));
      await started.sandbox.engine.voiceId.simulateSession(domainId, {
        sessionName: "from-file",
        customerSpeakerId: "alice-acct",
        audioPath: path,
      });
      expect((await evaluate("from-file")).AuthenticationResult?.Decision).toBe("ACCEPT");
      await expectAwsError(evaluate("no-such-contact"), "ResourceNotFoundException", 404, {
        ResourceType: "SESSION",
      });
      await expectAwsError(evaluate(`id#${"Q".repeat(22)}`), "ResourceNotFoundException", 404, {
        ResourceType: "SESSION",
      });
      await expectAwsError(
        started.clients.voiceId.send(
          new EvaluateSessionCommand({ DomainId: MISSING_ID, SessionNameOrId: "from-file" }),
        ),
        "ResourceNotFoundException",
        404,
        { ResourceType: "DOMAIN" },
      );
      await expect(
        started.sandbox.engine.voiceId.simulateSession(domainId, { sessionName: "bad name!" }),
      ).rejects.toMatchObject({ type: "ValidationException" });
    });
  });
}

describe("authentication score mapping", () => {
  it("maps SAME_SPEAKER_THRESHOLD to Connect's default acceptance threshold and is monotone", () => {
    expect(authenticationScore(0)).toBe(0);
    expect(authenticationScore(50)).toBe(90);
    expect(authenticationScore(100)).toBe(100);
    for (let s = 1; s <= 100; s++)
      expect(authenticationScore(s)).toBeGreaterThanOrEqual(authenticationScore(s - 1));
  });
});
