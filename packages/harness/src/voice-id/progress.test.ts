import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import {
  DescribeSpeakerEnrollmentJobCommand,
  ListSpeakerEnrollmentJobsCommand,
  ListSpeakersCommand,
  type SpeakerEnrollmentJob,
  StartSpeakerEnrollmentJobCommand,
} from "@aws-sdk/client-voice-id";
import { ManualClock } from "@cvk/core";
import { afterEach, describe, expect, it } from "vitest";
import type { SandboxOptions } from "../sandbox.ts";
import { type StartedSandbox, TRANSPORTS, type Transport } from "../test-support.ts";
import {
  createBucket,
  createDomain,
  enrollmentManifest,
  errorOf,
  getJson,
  outputUri,
  putObject,
  ROLE_ARN,
  start,
  voiceWav,
} from "./test-support.ts";

const IN = "s3://progress-in";
const OUT = "s3://progress-out";
const MANIFEST = `${IN}/manifest.json`;

/** Four requests: two real enrollments and two that fail fast (missing audio), so progress has four steps. */
const REQUESTS = [
  { RequestId: "r1", SpeakerId: "ann", AudioSpecifications: [{ S3Uri: `${IN}/ann.wav`, ChannelId: 0 }] },
  {
    RequestId: "r2",
    SpeakerId: "gone-1",
    AudioSpecifications: [{ S3Uri: `${IN}/missing-1.wav`, ChannelId: 0 }],
  },
  { RequestId: "r3", SpeakerId: "ben", AudioSpecifications: [{ S3Uri: `${IN}/ben.wav`, ChannelId: 0 }] },
  {
    RequestId: "r4",
    SpeakerId: "gone-2",
    AudioSpecifications: [{ S3Uri: `${IN}/missing-2.wav`, ChannelId: 0 }],
  },
];

async function prepare(
  transport: Transport,
  options: SandboxOptions,
): Promise<{ started: StartedSandbox; domainId: string }> {
  const started = await start(transport, { minNetSpeechSeconds: 3, ...options });
  await createBucket(started, "progress-in");
  await createBucket(started, "progress-out");
  await putObject(started, `${IN}/ann.wav`, voiceWav("ann", 5));
  await putObject(started, `${IN}/ben.wav`, voiceWav("ben", 5));
  await putObject(started, MANIFEST, enrollmentManifest(REQUESTS));
  const { domainId } = await createDomain(started.clients.voiceId);
  return { started, domainId };
}

async function startJob(started: StartedSandbox, domainId: string): Promise<string> {
  const { Job } = await started.clients.voiceId.send(
    new StartSpeakerEnrollmentJobCommand({
      DomainId: domainId,
      DataAccessRoleArn: ROLE_ARN,
      InputDataConfig: { S3Uri: MANIFEST },
      OutputDataConfig: { S3Uri: OUT },
    }),
  );
  expect(Job?.JobStatus).toBe("SUBMITTED");
  return Job?.JobId as string;
}

const state = (job: SpeakerEnrollmentJob | undefined) =>
  `${job?.JobStatus} ${job?.JobProgress?.PercentComplete}`;

for (const transport of TRANSPORTS) {
  describe(`Voice ID job progression (${transport})`, () => {
    let started: StartedSandbox | undefined;
    const dirs: string[] = [];
    afterEach(async () => {
      await started?.stop();
      started = undefined;
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    });

    const describeJob = async (domainId: string, jobId: string) =>
      (
        await (started as StartedSandbox).clients.voiceId.send(
          new DescribeSpeakerEnrollmentJobCommand({ DomainId: domainId, JobId: jobId }),
        )
      ).Job;

    it("polls: one step per N Describe calls, SUBMITTED → IN_PROGRESS (rising %) → COMPLETED_WITH_ERRORS", async () => {
      const prepared = await prepare(transport, { jobs: { mode: "polls", describesPerStep: 2 } });
      started = prepared.started;
      const { domainId } = prepared;
      const jobId = await startJob(started, domainId);
      const seen: string[] = [];
      for (let i = 0; i < 10; i++) seen.push(state(await describeJob(domainId, jobId)));
      expect(seen).toEqual([
        "SUBMITTED 0",
        "IN_PROGRESS 0",
        "IN_PROGRESS 0",
        "IN_PROGRESS 25",
        "IN_PROGRESS 25",
        "IN_PROGRESS 50",
        "IN_PROGRESS 50",
        "IN_PROGRESS 75",
        "IN_PROGRESS 75",
        "COMPLETED_WITH_ERRORS 100",
      ]);
    });

    it("polls: work is visible as it happens and the output file appears only with the final status", async () => {
      const prepared = await prepare(transport, { jobs: { mode: "polls", describesPerStep: 1 } });
      started = prepared.started;
      const { domainId } = prepared;
      const jobId = await startJob(started, domainId);
      expect(state(await describeJob(domainId, jobId))).toBe("IN_PROGRESS 0");
      expect(state(await describeJob(domainId, jobId))).toBe("IN_PROGRESS 25");
      const speakers = await started.clients.voiceId.send(new ListSpeakersCommand({ DomainId: domainId }));
      expect(speakers.SpeakerSummaries?.map((speaker) => speaker.CustomerSpeakerId)).toEqual(["ann"]);
      // Listing does not advance a `polls` job.
      const listed = await started.clients.voiceId.send(
        new ListSpeakerEnrollmentJobsCommand({ DomainId: domainId }),
      );
      expect(listed.JobSummaries?.[0]).toMatchObject({
        JobStatus: "IN_PROGRESS",
        JobProgress: { PercentComplete: 25 },
      });
      const key = outputUri(OUT, jobId, MANIFEST).slice("s3://progress-out/".length);
      const missing = await errorOf(
        started.clients.s3.send(new GetObjectCommand({ Bucket: "progress-out", Key: key })),
      );
      expect(missing.name).toBe("NoSuchKey");
      for (let i = 0; i < 3; i++) await describeJob(domainId, jobId);
      expect(state(await describeJob(domainId, jobId))).toBe("COMPLETED_WITH_ERRORS 100");
      const output = await getJson(started, outputUri(OUT, jobId, MANIFEST));
      expect(
        (output.SuccessfulEnrollments as { RequestId: string }[]).map((entry) => entry.RequestId),
      ).toEqual(["r1", "r3"]);
      expect((output.Errors as { RequestId: string }[]).map((entry) => entry.RequestId)).toEqual([
        "r2",
        "r4",
      ]);
    });

    it("clock: requests processed at a rate on the sandbox clock (ManualClock stepped, no sleeping)", async () => {
      const clock = new ManualClock(Date.UTC(2026, 0, 1));
      const prepared = await prepare(transport, { clock, jobs: { mode: "clock", requestsPerSecond: 2 } });
      started = prepared.started;
      const { domainId } = prepared;
      const jobId = await startJob(started, domainId);
      const seen = [state(await describeJob(domainId, jobId))];
      for (let tick = 0; tick < 6; tick++) {
        await clock.advance(500);
        seen.push(state(await describeJob(domainId, jobId)));
      }
      expect(seen).toEqual([
        "SUBMITTED 0",
        "IN_PROGRESS 0",
        "IN_PROGRESS 25",
        "IN_PROGRESS 50",
        "IN_PROGRESS 75",
        "COMPLETED_WITH_ERRORS 100",
        "COMPLETED_WITH_ERRORS 100",
      ]);
      const job = await describeJob(domainId, jobId);
      expect(job?.EndedAt?.getTime()).toBe(Date.UTC(2026, 0, 1) + 2500);
    });

    it("clock: any request for the domain catches its jobs up to the clock", async () => {
      const clock = new ManualClock(Date.UTC(2026, 0, 1));
      const prepared = await prepare(transport, { clock, jobs: { mode: "clock", requestsPerSecond: 1 } });
      started = prepared.started;
      const { domainId } = prepared;
      await startJob(started, domainId);
      const names = async () =>
        (
          (await started?.clients.voiceId.send(new ListSpeakersCommand({ DomainId: domainId })))
            ?.SpeakerSummaries ?? []
        ).map((s) => s.CustomerSpeakerId);
      expect(await names()).toEqual([]);
      await clock.advance(2000);
      expect(await names()).toEqual(["ann"]);
      await clock.advance(60_000);
      expect((await names()).sort()).toEqual(["ann", "ben"]);
    });

    it("a durable sandbox resumes an IN_PROGRESS job after a restart, without redoing requests", async () => {
      const dataDir = mkdtempSync(join(tmpdir(), "cvk-voiceid-durable-"));
      dirs.push(dataDir);
      const prepared = await prepare(transport, { dataDir, jobs: { mode: "polls", describesPerStep: 1 } });
      started = prepared.started;
      const { domainId } = prepared;
      const jobId = await startJob(started, domainId);
      await describeJob(domainId, jobId);
      await describeJob(domainId, jobId);
      expect(state(await describeJob(domainId, jobId))).toBe("IN_PROGRESS 50");
      await started.stop();

      started = await start(transport, {
        dataDir,
        minNetSpeechSeconds: 3,
        jobs: { mode: "polls", describesPerStep: 1 },
      });
      expect(state(await describeJob(domainId, jobId))).toBe("IN_PROGRESS 75");
      expect(state(await describeJob(domainId, jobId))).toBe("COMPLETED_WITH_ERRORS 100");
      const output = await getJson(started, outputUri(OUT, jobId, MANIFEST));
      expect(output.SuccessfulEnrollments).toEqual([
        expect.objectContaining({
          RequestId: "r1",
          CustomerSpeakerId: "ann",
          EnrollmentStatus: "NEW_ENROLLMENT",
        }),
        expect.objectContaining({
          RequestId: "r3",
          CustomerSpeakerId: "ben",
          EnrollmentStatus: "NEW_ENROLLMENT",
        }),
      ]);
      expect((output.Errors as unknown[]).length).toBe(2);
    });

    it("an `immediate` sandbox finishes a job left IN_PROGRESS by itself when reopened", async () => {
      const dataDir = mkdtempSync(join(tmpdir(), "cvk-voiceid-durable-"));
      dirs.push(dataDir);
      const prepared = await prepare(transport, { dataDir, jobs: { mode: "polls", describesPerStep: 1 } });
      started = prepared.started;
      const { domainId } = prepared;
      const jobId = await startJob(started, domainId);
      await describeJob(domainId, jobId);
      expect(state(await describeJob(domainId, jobId))).toBe("IN_PROGRESS 25");
      await started.stop();

      started = await start(transport, { dataDir, minNetSpeechSeconds: 3 });
      await started.sandbox.engine.voiceId.settle();
      const listed = await started.clients.voiceId.send(
        new ListSpeakerEnrollmentJobsCommand({ DomainId: domainId, JobStatus: "COMPLETED_WITH_ERRORS" }),
      );
      expect(listed.JobSummaries?.map((job) => job.JobId)).toEqual([jobId]);
    });
  });
}

describe("enrollment at the documented 30 s of net speech", () => {
  let started: StartedSandbox | undefined;
  afterEach(async () => {
    await started?.stop();
  });

  it.each(TRANSPORTS)("accepts ~32 s of speech and rejects ~27 s (%s)", async (transport) => {
    started = await start(transport);
    await createBucket(started, "progress-in");
    await createBucket(started, "progress-out");
    await putObject(started, `${IN}/long.wav`, voiceWav("carol", 42));
    await putObject(started, `${IN}/shorter.wav`, voiceWav("dave", 35));
    await putObject(
      started,
      MANIFEST,
      enrollmentManifest([
        {
          RequestId: "long",
          SpeakerId: "carol",
          AudioSpecifications: [{ S3Uri: `${IN}/long.wav`, ChannelId: 0 }],
        },
        {
          RequestId: "short",
          SpeakerId: "dave",
          AudioSpecifications: [{ S3Uri: `${IN}/shorter.wav`, ChannelId: 0 }],
        },
      ]),
    );
    const { domainId } = await createDomain(started.clients.voiceId);
    const jobId = await startJob(started, domainId);
    const job = (
      await started.clients.voiceId.send(
        new DescribeSpeakerEnrollmentJobCommand({ DomainId: domainId, JobId: jobId }),
      )
    ).Job;
    expect(job?.JobStatus).toBe("COMPLETED_WITH_ERRORS");
    const output = await getJson(started, outputUri(OUT, jobId, MANIFEST));
    expect((output.SuccessfulEnrollments as { RequestId: string }[]).map((entry) => entry.RequestId)).toEqual(
      ["long"],
    );
    const [error] = output.Errors as { RequestId: string; ErrorCode: number; ErrorMessage: string }[];
    expect(error).toMatchObject({ RequestId: "short", ErrorCode: 400 });
    expect(error?.ErrorMessage).toMatch(
      /Not enough speech: the audio has 2\d(\.\d)? s of net speech; Voice ID needs 30 s\./,
    );
  });
});
