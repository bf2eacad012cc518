import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import {
  CreateDomainCommand,
  CreateWatchlistCommand,
  DescribeFraudsterRegistrationJobCommand,
  ListSpeakerEnrollmentJobsCommand,
  StartFraudsterRegistrationJobCommand,
} from "@aws-sdk/client-voice-id";
import { type CvkEvent, ManualClock } from "@cvk/core";
import { afterEach, describe, expect, it } from "vitest";
import { enrollmentStatus, renderReport } from "./report.ts";
import { type RunEnrollmentOptions, runEnrollment } from "./run.ts";
import {
  INPUT_S3_URI,
  KMS_KEY,
  OUTPUT_S3_URI,
  parseCsv,
  ROLE_ARN,
  startTestSandbox,
  type TestCaller,
  type TestSandbox,
  voiceWav,
  writeTestPlan,
} from "./run-fixtures/test-support.ts";

const SIX: TestCaller[] = ["alice", "bob", "carol", "dave", "erin", "frank"].map((id) => ({ id }));
/** 6 callers in 3 shards of 2, 7 files + 3 manifests. */
const FILES = 9;

let running: TestSandbox | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

function temp(name: string): string {
  return mkdtempSync(join(tmpdir(), `cvk-${name}-`));
}

function baseOptions(planDir: string, runDir: string, sandbox: TestSandbox): RunEnrollmentOptions {
  return {
    planDir,
    runDir,
    clients: sandbox.clients,
    domain: { name: "cvk-test", create: true, kmsKeyId: KMS_KEY },
    dataAccessRoleArn: ROLE_ARN,
    outputS3Uri: OUTPUT_S3_URI,
    pollIntervalMs: 0,
    clock: new ManualClock(),
    concurrency: 3,
  };
}

function reportRows(runDir: string) {
  return parseCsv(readFileSync(join(runDir, "report.csv"), "utf8"));
}

function expectEveryCallerOnce(runDir: string, ids: string[]) {
  const rows = reportRows(runDir);
  expect(rows.map((r) => r.customer_speaker_id).sort()).toEqual([...ids].sort());
}

function writes(sandbox: TestSandbox): number {
  return sandbox.sandbox.log.count("PutObject") + sandbox.sandbox.log.count("UploadPart");
}

describe("runEnrollment", () => {
  it("enrolls everyone across 3 shards, reports exact counts, and a re-run changes nothing", async () => {
    const planDir = temp("plan");
    const runDir = join(planDir, "run");
    writeTestPlan(planDir, {
      callers: [...SIX.slice(0, 5), { id: "frank", recordings: 2 }],
      shardSize: 2,
      excluded: [{ id: "mallory", reason: "too_little_speech" }],
    });
    running = await startTestSandbox({ jobs: { mode: "polls", describesPerStep: 1 } });
    const events: CvkEvent[] = [];
    const result = await runEnrollment({
      ...baseOptions(planDir, runDir, running),
      onEvent: (e) => events.push(e),
    });

    expect(result.counts).toMatchObject({ NEW_ENROLLMENT: 6, EXCLUDED_IN_PLAN: 1, FAILED: 0, PENDING: 0 });
    expect(result.callers).toBe(7);
    expect(result.shards.map((s) => s.status)).toEqual(["COMPLETED", "COMPLETED", "COMPLETED"]);
    expect(result.uploads).toMatchObject({ files: FILES + 1, uploaded: FILES + 1, skipped: 0 });
    expectEveryCallerOnce(runDir, [...SIX.map((c) => c.id), "mallory"]);
    const rows = reportRows(runDir);
    expect(rows.find((r) => r.customer_speaker_id === "alice")).toMatchObject({
      status: "NEW_ENROLLMENT",
      request_id: "r1",
    });
    expect(rows.find((r) => r.customer_speaker_id === "alice")?.generated_speaker_id).toMatch(/^id#/);
    expect(rows.find((r) => r.customer_speaker_id === "mallory")?.status).toBe("EXCLUDED_IN_PLAN");
    expect(readFileSync(join(runDir, "retry.csv"), "utf8").trim()).toBe("customer_speaker_id,audio,channel");
    expect(readdirSync(join(runDir, "outputs"))).toHaveLength(3);
    expect(readdirSync(join(runDir, "outputs", result.shards[0]?.jobId as string))).toEqual([
      "shard-001.json.out",
    ]);
    expect(existsSync(join(runDir, "plan.json"))).toBe(true);
    expect(running.sandbox.log.count("StartSpeakerEnrollmentJob")).toBe(3);
    // Progress: PercentComplete per shard, "shard k/n".
    expect(
      events.some((e) => e.type === "progress" && e.step === "jobs" && e.message?.includes("shard 2/3")),
    ).toBe(true);

    // Status and re-render from the journal alone.
    const status = enrollmentStatus(runDir);
    expect(status).toMatchObject({
      finished: true,
      steps: { uploads: true, jobs: { total: 3, outputsSaved: 3 } },
    });
    const before = readFileSync(join(runDir, "report.csv"), "utf8");
    const rendered = await renderReport(runDir);
    expect(rendered.report.counts.NEW_ENROLLMENT).toBe(6);
    expect(readFileSync(join(runDir, "report.csv"), "utf8")).toBe(before);

    // A re-run of a finished run: no uploads, no jobs, the same report.
    const log = running.sandbox.log;
    const startsBefore = log.count("StartSpeakerEnrollmentJob");
    const writesBefore = writes(running);
    const again = await runEnrollment(baseOptions(planDir, runDir, running));
    expect(again.resumed).toBe(true);
    expect(log.count("StartSpeakerEnrollmentJob")).toBe(startsBefore);
    expect(writes(running)).toBe(writesBefore);
    expect(again.counts).toEqual(result.counts);
  });

  it("uploads a recording over 8 MB in parts; a new run finds every object in place by SHA-256 and uploads nothing", async () => {
    const planDir = temp("plan");
    // 540 s of 8 kHz PCM-16 is 8.6 MB: over the 8 MB part size, under Voice ID's 20 MB.
    writeTestPlan(planDir, { callers: [{ id: "longcall", seconds: 540 }, { id: "brief" }], shardSize: 2 });
    running = await startTestSandbox();
    const log = running.sandbox.log;
    const first = await runEnrollment(baseOptions(planDir, join(planDir, "run-1"), running));
    expect(first.uploads).toMatchObject({ files: 3, uploaded: 3, skipped: 0 });
    expect(log.count("CreateMultipartUpload")).toBe(1);
    expect(log.count("UploadPart")).toBe(2);
    expect(log.count("CompleteMultipartUpload")).toBe(1);
    // The small recording and the manifest went up in one PutObject each, with their SHA-256.
    expect(log.count("PutObject")).toBe(2);
    expect(first.counts.NEW_ENROLLMENT).toBe(2);

    // The multipart object's ETag is no MD5 of its content; the SHA-256 metadata still proves it.
    log.clear();
    const second = await runEnrollment(baseOptions(planDir, join(planDir, "run-2"), running));
    expect(second.uploads).toMatchObject({ files: 3, uploaded: 0, skipped: 3 });
    expect(log.count("PutObject") + log.count("UploadPart") + log.count("CreateMultipartUpload")).toBe(0);
    expect(log.count("HeadObject")).toBe(3);
  });

  it("uploads every file byte for byte while recycling read buffers across files of growing and shrinking sizes", async () => {
    const planDir = temp("plan");
    // Sizes alternate up and down, so a recycled buffer is sometimes too small and sometimes larger
    // than the next file: the body must be exactly the file either way.
    const callers = [3, 9, 4, 12, 5, 7, 3, 10].map((seconds, i) => ({ id: `c${i}`, seconds, seed: i }));
    writeTestPlan(planDir, { callers, shardSize: 8 });
    running = await startTestSandbox();
    const result = await runEnrollment({
      ...baseOptions(planDir, join(planDir, "run"), running),
      concurrency: 2,
    });
    expect(result.uploads).toMatchObject({ files: 9, uploaded: 9 });
    const s3 = running.sandbox.engine.s3;
    for (const caller of callers) {
      const local = readFileSync(join(planDir, "audio", `${caller.id}-1.wav`));
      const object = s3.objectFile("cvk-in", `enroll/audio/${caller.id}-1.wav`);
      expect(object?.size).toBe(local.length);
      expect(object && readFileSync(object.path).equals(local)).toBe(true);
    }
  });

  it("re-running a plan with OVERWRITE after SKIP starts new jobs instead of reusing the SKIP jobs' tokens", async () => {
    const planDir = temp("plan");
    writeTestPlan(planDir, { callers: SIX.slice(0, 2), shardSize: 2 });
    running = await startTestSandbox({ jobs: { mode: "polls", describesPerStep: 1 } });
    const skip = await runEnrollment({
      ...baseOptions(planDir, join(planDir, "run-skip"), running),
      existingEnrollmentAction: "SKIP",
    });
    expect(skip.counts).toMatchObject({ NEW_ENROLLMENT: 2 });
    const overwrite = await runEnrollment({
      ...baseOptions(planDir, join(planDir, "run-overwrite"), running),
      existingEnrollmentAction: "OVERWRITE",
    });
    expect(overwrite.counts).toMatchObject({ ENROLLMENT_OVERWRITE: 2 });
    expect(overwrite.shards[0]?.jobId).not.toBe(skip.shards[0]?.jobId);
    expect(
      running.sandbox.log.entries({ operation: "StartSpeakerEnrollmentJob" }).map((e) => e.status),
    ).toEqual([200, 200]);
  });

  it("stopped (AbortSignal) at several points, resumes with no duplicate job, no re-upload, everyone once", async () => {
    const planDir = temp("plan");
    const runDir = join(planDir, "run");
    writeTestPlan(planDir, { callers: SIX, shardSize: 2 });
    running = await startTestSandbox({ jobs: { mode: "polls", describesPerStep: 1 } });
    const stopWhen = async (match: (e: CvkEvent) => boolean) => {
      const controller = new AbortController();
      const attempt = runEnrollment({
        ...baseOptions(planDir, runDir, running as TestSandbox),
        signal: controller.signal,
        onEvent: (e) => {
          if (match(e)) controller.abort();
        },
      });
      await expect(attempt).rejects.toMatchObject({ code: "INTERRUPTED" });
    };
    await stopWhen((e) => e.type === "progress" && e.step === "upload");
    await stopWhen(
      (e) => e.type === "info" && e.step === "jobs" && /shard 2\/3: job \w+ started/.test(e.message ?? ""),
    );
    await stopWhen(
      (e) => e.type === "progress" && e.step === "jobs" && /shard 3\/3: .*IN_PROGRESS/.test(e.message ?? ""),
    );
    expect(enrollmentStatus(runDir).interrupted?.step).toMatch(/jobs \(shard 3/);
    const result = await runEnrollment(baseOptions(planDir, runDir, running));
    expect(result.counts.NEW_ENROLLMENT).toBe(6);
    expectEveryCallerOnce(
      runDir,
      SIX.map((c) => c.id),
    );
    const log = running.sandbox.log;
    expect(log.count("StartSpeakerEnrollmentJob")).toBe(3);
    expect(writes(running)).toBe(FILES);
    const { JobSummaries } = await running.clients.voiceId.send(
      new ListSpeakerEnrollmentJobsCommand({ DomainId: result.domainId }),
    );
    expect(JobSummaries).toHaveLength(3);
  });

  it("stopped while a shard's job runs after an earlier shard FAILED: waits for that job before retrying (one job at a time)", async () => {
    const planDir = temp("plan");
    const runDir = join(planDir, "run");
    writeTestPlan(planDir, { callers: SIX, shardSize: 2 });
    // Jobs move only when polled, as a real job would not: a resumed run that retried shard 1
    // before finishing shard 2's job would meet ServiceQuotaExceededException until it hung.
    running = await startTestSandbox({
      jobs: { mode: "polls", describesPerStep: 1 },
      faults: { failJobs: ["next-enrollment"] },
    });
    const controller = new AbortController();
    await expect(
      runEnrollment({
        ...baseOptions(planDir, runDir, running),
        signal: controller.signal,
        onEvent: (e) => {
          if (e.type === "info" && e.step === "jobs" && /shard 2\/3: job \w+ started/.test(e.message ?? ""))
            controller.abort();
        },
      }),
    ).rejects.toMatchObject({ code: "INTERRUPTED" });
    const result = await runEnrollment(baseOptions(planDir, runDir, running));
    expect(result.counts.NEW_ENROLLMENT).toBe(6);
    expect(result.shards.map((shard) => [shard.status, shard.attempt])).toEqual([
      ["COMPLETED", 2],
      ["COMPLETED", 1],
      ["COMPLETED", 1],
    ]);
    const starts = running.sandbox.log.entries({ operation: "StartSpeakerEnrollmentJob" });
    expect(starts.filter((entry) => entry.error === "ServiceQuotaExceededException")).toEqual([]);
    expect(new Set(starts.map((entry) => entry.resource).filter(Boolean)).size).toBe(4);
  });

  it("after a crash (process state dropped) resumes from the journal against the same durable sandbox", async () => {
    const planDir = temp("plan");
    const runDir = join(planDir, "run");
    const dataDir = temp("sandbox");
    writeTestPlan(planDir, { callers: SIX, shardSize: 2 });
    let puts = 0;
    let starts = 0;

    // Crash 1: the third upload reaches S3, then the process "dies" before hearing back.
    running = await startTestSandbox({ dataDir, jobs: { mode: "polls", describesPerStep: 1 } });
    crashAfter(running, "PutObjectCommand", () => ++puts === 3);
    await expect(runEnrollment(baseOptions(planDir, runDir, running))).rejects.toThrow(/simulated crash/);
    puts = writes(running);
    await running.stop();

    // Crash 2: shard 2's Start reaches Voice ID (the job exists), the answer is lost.
    running = await startTestSandbox({ dataDir, jobs: { mode: "polls", describesPerStep: 1 } });
    crashAfter(running, "StartSpeakerEnrollmentJobCommand", () => ++starts === 2);
    await expect(runEnrollment(baseOptions(planDir, runDir, running))).rejects.toThrow(/simulated crash/);
    puts += writes(running);
    await running.stop();

    running = await startTestSandbox({ dataDir, jobs: { mode: "polls", describesPerStep: 1 } });
    const result = await runEnrollment(baseOptions(planDir, runDir, running));
    puts += writes(running);
    expect(result.counts.NEW_ENROLLMENT).toBe(6);
    expectEveryCallerOnce(
      runDir,
      SIX.map((c) => c.id),
    );
    expect(puts).toBe(FILES);
    // Shard 2's Start was replayed (same ClientToken → same job), shard 3 started once.
    expect(running.sandbox.log.count("StartSpeakerEnrollmentJob")).toBe(2);
    const { JobSummaries } = await running.clients.voiceId.send(
      new ListSpeakerEnrollmentJobsCommand({ DomainId: result.domainId }),
    );
    expect(JobSummaries).toHaveLength(3);
    expect(new Set(result.shards.map((s) => s.jobId)).size).toBe(3);
  });

  it("completes under injected throttling and server errors with retries on", async () => {
    const planDir = temp("plan");
    const runDir = join(planDir, "run");
    // Three callers, one per shard: the SDK's retry backoff runs in real time.
    writeTestPlan(planDir, { callers: SIX.slice(0, 3), shardSize: 1 });
    running = await startTestSandbox({ jobs: { mode: "polls", describesPerStep: 1 } }, { maxAttempts: 8 });
    running.sandbox.faults.configure({ seed: 3, global: { throttle: 0.2, serverError: 0.05 } });
    const result = await runEnrollment(baseOptions(planDir, runDir, running));
    running.sandbox.faults.clear();
    expect(result.counts.NEW_ENROLLMENT).toBe(3);
    expectEveryCallerOnce(
      runDir,
      SIX.slice(0, 3).map((c) => c.id),
    );
    expect(running.sandbox.faults.injected.throttle).toBeGreaterThan(0);
    const { JobSummaries } = await running.clients.voiceId.send(
      new ListSpeakerEnrollmentJobsCommand({ DomainId: result.domainId }),
    );
    expect(JobSummaries).toHaveLength(3);
  });

  it("a job that FAILED gives FAILED rows with the reason and retry.csv; the next run retries the shard", async () => {
    const planDir = temp("plan");
    const runDir = join(planDir, "run");
    writeTestPlan(planDir, { callers: SIX, shardSize: 2 });
    running = await startTestSandbox({ jobs: { mode: "immediate" }, faults: { failJobs: ["next"] } });
    const events: CvkEvent[] = [];
    const first = await runEnrollment({
      ...baseOptions(planDir, runDir, running),
      onEvent: (e) => events.push(e),
    });
    expect(first.counts).toMatchObject({ NEW_ENROLLMENT: 4, FAILED: 2 });
    expect(first.shards[0]).toMatchObject({ status: "FAILED", failure: { StatusCode: 500 } });
    expect(first.shards[0]?.failure?.explanation).toMatch(/transient/);
    expect(events.some((e) => e.type === "warning" && e.code === "JOB_FAILED")).toBe(true);
    const failed = reportRows(runDir).filter((r) => r.status === "FAILED");
    expect(failed.map((r) => r.customer_speaker_id)).toEqual(["alice", "bob"]);
    expect(failed[0]).toMatchObject({ error_code: "500" });
    const retry = parseCsv(readFileSync(join(runDir, "retry.csv"), "utf8"));
    expect(retry.map((r) => r.customer_speaker_id)).toEqual(["alice", "bob"]);
    expect(retry[0]?.audio).toBe(join(planDir, "audio", "alice-1.wav"));

    const second = await runEnrollment(baseOptions(planDir, runDir, running));
    expect(second.counts).toMatchObject({ NEW_ENROLLMENT: 6, FAILED: 0 });
    expect(second.shards[0]).toMatchObject({ status: "COMPLETED", attempt: 2 });
    expect(running.sandbox.log.count("StartSpeakerEnrollmentJob")).toBe(4);
    expect(readFileSync(join(runDir, "retry.csv"), "utf8").trim()).toBe("customer_speaker_id,audio,channel");
  });

  it("sets aside an upload that still fails after the SDK's retries, tries it again in later rounds, and completes", async () => {
    const planDir = temp("plan");
    const runDir = join(planDir, "run");
    writeTestPlan(planDir, { callers: SIX, shardSize: 2 });
    // One attempt per SDK call and 30% of all PutObjects failing: files fail in the first round,
    // and the seeded faults let every one through within the three rounds.
    running = await startTestSandbox(
      { faults: { seed: 3, operations: { "s3:PutObject": { serverError: 0.3 } } } },
      { maxAttempts: 1 },
    );
    const events: CvkEvent[] = [];
    const result = await runEnrollment({
      ...baseOptions(planDir, runDir, running),
      onEvent: (e) => events.push(e),
    });
    const rounds = events.filter(
      (e) => e.type === "info" && /failed transiently after the SDK's retries/.test(e.message),
    );
    expect(rounds.length).toBeGreaterThanOrEqual(1);
    expect(result.uploads.uploaded).toBe(FILES);
    expect(result.counts).toMatchObject({ NEW_ENROLLMENT: 6 });
    const failedPuts = running.sandbox.log
      .entries({ operation: "PutObject" })
      .filter((entry) => entry.fault === "serverError").length;
    expect(failedPuts).toBeGreaterThan(0);
  });

  it("stops with the transient error, naming how many files, when uploads keep failing through every round", async () => {
    const planDir = temp("plan");
    const runDir = join(planDir, "run");
    writeTestPlan(planDir, { callers: SIX, shardSize: 2 });
    running = await startTestSandbox(
      { faults: { operations: { "s3:PutObject": { serverError: 1 } } } },
      { maxAttempts: 1 },
    );
    await expect(runEnrollment(baseOptions(planDir, runDir, running))).rejects.toMatchObject({
      code: "AWS_SERVICE",
      message: expect.stringMatching(/^\d+ file\(s\) could not be uploaded after 3 rounds of retries/),
      hint: expect.stringMatching(/re-run/i),
    });
    // Three rounds, each file once per round (manifests included).
    expect(running.sandbox.log.entries({ operation: "PutObject" })).toHaveLength(3 * FILES);
    expect(running.sandbox.log.count("StartSpeakerEnrollmentJob")).toBe(0);
  });

  it("reports COMPLETED_WITH_ERRORS requests per caller (not worth retrying)", async () => {
    const planDir = temp("plan");
    const runDir = join(planDir, "run");
    writeTestPlan(planDir, { callers: [{ id: "alice" }, { id: "shorty", seconds: 1 }], shardSize: 5 });
    running = await startTestSandbox();
    const result = await runEnrollment(baseOptions(planDir, runDir, running));
    expect(result.shards[0]?.status).toBe("COMPLETED_WITH_ERRORS");
    expect(result.counts).toMatchObject({ NEW_ENROLLMENT: 1, FAILED: 1 });
    const row = reportRows(runDir).find((r) => r.customer_speaker_id === "shorty");
    expect(row).toMatchObject({ status: "FAILED", error_code: "400" });
    expect(row?.reason).toMatch(/speech/i);
    expect(result.retryCallers).toBe(0);
  });

  it("fraud detection FAIL: a caller with a registered fraudster's voice fails with 400", async () => {
    const planDir = temp("plan");
    const runDir = join(planDir, "run");
    writeTestPlan(planDir, {
      callers: [
        { id: "caller-a", voice: "alice", seconds: 8, seed: 3 },
        { id: "caller-b", voice: "caller-3", seconds: 8 },
      ],
      shardSize: 5,
    });
    running = await startTestSandbox();
    const { voiceId, s3 } = running.clients;
    const { Domain } = await voiceId.send(
      new CreateDomainCommand({ Name: "cvk-test", ServerSideEncryptionConfiguration: { KmsKeyId: KMS_KEY } }),
    );
    const domainId = Domain?.DomainId as string;
    const { Watchlist } = await voiceId.send(
      new CreateWatchlistCommand({ DomainId: domainId, Name: "fraud-list" }),
    );
    const audio = voiceWav("alice", 8, 1);
    await s3.send(new PutObjectCommand({ Bucket: "cvk-in", Key: "fraud/alice.wav", Body: audio }));
    await s3.send(
      new PutObjectCommand({
        Bucket: "cvk-in",
        Key: "fraud/manifest.json",
        Body: JSON.stringify({
          Version: "1.0",
          FraudsterRegistrationRequests: [
            {
              RequestId: "f1",
              AudioSpecifications: [{ S3Uri: "s3://cvk-in/fraud/alice.wav", ChannelId: 0 }],
            },
          ],
        }),
      }),
    );
    const { Job } = await voiceId.send(
      new StartFraudsterRegistrationJobCommand({
        DomainId: domainId,
        DataAccessRoleArn: ROLE_ARN,
        InputDataConfig: { S3Uri: "s3://cvk-in/fraud/manifest.json" },
        OutputDataConfig: { S3Uri: OUTPUT_S3_URI },
        RegistrationConfig: { WatchlistIds: [Watchlist?.WatchlistId as string] },
      }),
    );
    const registered = await voiceId.send(
      new DescribeFraudsterRegistrationJobCommand({ DomainId: domainId, JobId: Job?.JobId as string }),
    );
    expect(registered.Job?.JobStatus).toBe("COMPLETED");

    const result = await runEnrollment({
      ...baseOptions(planDir, runDir, running),
      domain: { name: "cvk-test" },
      fraudDetection: { action: "FAIL", watchlist: "fraud-list" },
    });
    expect(result.watchlistId).toBe(Watchlist?.WatchlistId);
    const rows = reportRows(runDir);
    expect(rows.find((r) => r.customer_speaker_id === "caller-a")).toMatchObject({
      status: "FAILED",
      error_code: "400",
    });
    expect(rows.find((r) => r.customer_speaker_id === "caller-a")?.reason).toMatch(/fraud/i);
    expect(rows.find((r) => r.customer_speaker_id === "caller-b")?.status).toBe("NEW_ENROLLMENT");
    expect(result.shards[0]?.status).toBe("COMPLETED_WITH_ERRORS");
  });

  it("an unknown domain without create is AWS_NOT_FOUND with a hint, before any upload", async () => {
    const planDir = temp("plan");
    writeTestPlan(planDir, { callers: SIX.slice(0, 1), shardSize: 1 });
    running = await startTestSandbox();
    const error = await runEnrollment({
      ...baseOptions(planDir, join(planDir, "run"), running),
      domain: { name: "nope" },
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "AWS_NOT_FOUND" });
    expect((error as { hint?: string }).hint).toMatch(/create/);
    expect(writes(running)).toBe(0);
    expect(INPUT_S3_URI).toMatch(/^s3:/);
  });
});

/** Simulates the process dying right after a request reached the service: the answer is lost. */
function crashAfter(sandbox: TestSandbox, commandName: string, when: () => boolean): void {
  const add = (client: { middlewareStack: { add: (m: unknown, o: object) => void } }) =>
    client.middlewareStack.add(
      (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
        async (args: unknown) => {
          const result = await next(args);
          if (context.commandName === commandName && when()) throw new Error("simulated crash");
          return result;
        },
      { step: "initialize", name: "simulatedCrash" },
    );
  add(sandbox.clients.s3 as never);
  add(sandbox.clients.voiceId as never);
}
