import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { SANDBOX_INSTANCE_ID } from "@cvk/harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCsv } from "../../enrollment/src/run-fixtures/test-support.ts";
import { type CvkRun, cvkAsync, type KillPoint } from "../test/cvk-bin.ts";
import {
  CREDENTIALS,
  comparableReport,
  crashKillPoints,
  errorCode,
  failureOf,
  jobsByShard,
  jobsCreated,
  removeInBackground,
  runThroughKills,
  type SandboxProcess,
  sandboxJobs,
  serveSandboxProcess,
  shown,
} from "./sandbox-process.ts";
import { MIN_SPEECH_SECONDS, type ScaleCorpus, writeScaleCorpus } from "./scale-corpus.ts";

// Issue 9's crash-and-resume and fault runs, black-box: `cvk migrate` (domain, fraudsters, check,
// prepare, plan, upload, 3 shard jobs, collect, flow publish, instance, verify) of a 25,000-caller
// list against a `cvk sandbox serve` process. Uninterrupted once; then with every fault the sandbox
// injects — throttling, server errors, connection resets, latency spikes and one enrollment job
// that ends FAILED — and SIGKILLed at 20 seeded random points and inside each shard's job, resumed
// each time. The end state must be the uninterrupted one: no duplicate job (from the sandbox's
// request log), every caller once, the same report. CVK_SCALE_CALLERS scales it down.
const CALLERS = Number(process.env.CVK_SCALE_CALLERS ?? 25_000);
/** Voice ID's quota: 10,000 requests per enrollment job (aws-facts.md). */
const PER_JOB = 10_000;
const RANDOM_KILLS = 20;
const ENV = "scale";
const BUCKETS = ["cvk-migrate-in", "cvk-migrate-out"];
const FAULTS = {
  seed: 9,
  global: { throttle: 0.2, serverError: 0.05, connectionReset: 0.02, latencyMs: 1_500, latencyRate: 0.01 },
  failJobs: ["next-enrollment"],
};

function config(): string {
  return `version: 1
environments:
  ${ENV}:
    region: us-west-2
    accountId: "123456789012"
    voiceId:
      domain:
        name: cvk-migrate
        create: true
        kmsKeyId: arn:aws:kms:us-west-2:123456789012:key/11111111-2222-3333-4444-555555555555
      watchlist:
        name: known-fraudsters
    enrollment:
      callers: callers.csv
      inputS3Uri: s3://${BUCKETS[0]}/enroll
      outputS3Uri: s3://${BUCKETS[1]}/results/
      dataAccessRoleArn: arn:aws:iam::123456789012:role/VoiceIdBatchAccess
      minNetSpeechSeconds: ${MIN_SPEECH_SECONDS}
      fraudDetection:
        action: FAIL
        riskThreshold: 50
    fraudsters:
      list: fraudsters.csv
      duplicateRegistrationAction: SKIP
    connect:
      instanceId: ${SANDBOX_INSTANCE_ID}
      flows:
        - name: cvk Voice ID authentication
          template: voiceid-sample-flow
          type: CONTACT_FLOW
          publish: true
          parameters:
            customerId: $.Attributes.customerSpeakerId
            queue: queue:BasicQueue
`;
}

interface MigrationReportJson {
  outcome: string;
  invocations: number;
  enrollment?: {
    callers: number;
    enrolled: number;
    failed: number;
    excluded: number;
    paths: { reportCsv?: string };
  };
  flows: { name: string; published: boolean }[];
  verification?: { passed: boolean; counts: { passed: number; failed: number } };
}

function migrate(cwd: string, name: string, url: string, kill?: KillPoint): Promise<CvkRun> {
  const args = ["migrate", "--env", ENV, "--endpoint-url", url, "--dir", `migrations/${name}`, "--json"];
  args.push("--poll-interval", "20");
  return cvkAsync(args, cwd, { home: cwd, env: CREDENTIALS, ...(kill ? { kill } : {}) });
}

describe(`cvk migrate at scale: ${CALLERS.toLocaleString("en")} callers, SIGKILLed and with faults (black-box)`, () => {
  let base: string;
  let cwd: string;
  let corpus: ScaleCorpus;
  const stops: (() => Promise<void>)[] = [];

  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), "cvk-migrate-scale-"));
    cwd = join(base, "source");
    corpus = writeScaleCorpus(cwd, CALLERS);
    writeFileSync(join(cwd, "cvk.config.yaml"), config());
  }, 600_000);

  afterAll(async () => {
    for (const stop of stops) await stop();
    if (base) removeInBackground(base);
  });

  async function serve(name: string, faults?: object): Promise<SandboxProcess> {
    const sandbox = await serveSandboxProcess(join(base, name), {
      minSpeechSeconds: MIN_SPEECH_SECONDS,
      jobs: "polls:3",
      buckets: BUCKETS,
      ...(faults ? { faults } : {}),
    });
    stops.push(sandbox.stop);
    return sandbox;
  }

  function reportOf(name: string): { report: MigrationReportJson; rows: Record<string, string>[] } {
    const report = JSON.parse(
      readFileSync(join(cwd, "migrations", name, "report.json"), "utf8"),
    ) as MigrationReportJson;
    const csv = report.enrollment?.paths.reportCsv;
    expect(csv, "the migration's enrollment report.csv").toBeDefined();
    return { report, rows: parseCsv(readFileSync(resolve(cwd, "migrations", name, csv ?? ""), "utf8")) };
  }

  /** Every caller of the list exactly once; the fraudster's callers rejected by fraud detection. */
  function expectEveryCallerOnce(rows: Record<string, string>[]): void {
    const ids = rows.map((row) => row.customer_speaker_id ?? "");
    expect(new Set(ids).size).toBe(ids.length);
    const listed = new Set(ids);
    const missing = [...corpus.expected].filter(([id]) => !listed.has(id));
    expect(missing.slice(0, 5), `${missing.length} caller(s) missing from report.csv`).toEqual([]);
    expect(ids.length).toBe(corpus.expected.size);
    const fraudsters = [...corpus.expected].filter(([, e]) => e.status === "FAILED" && e.code === "fraud");
    expect(fraudsters.length).toBeGreaterThan(0);
    const byId = new Map(rows.map((row) => [row.customer_speaker_id, row]));
    for (const [id] of fraudsters) {
      expect(byId.get(id), id).toMatchObject({ status: "FAILED", reason: expect.stringMatching(/fraud/i) });
    }
  }

  let reference: string[] = [];
  let shardCount = 0;

  it("an uninterrupted migration: every caller once, fraudsters' callers rejected, flow published, verification passed", async () => {
    const sandbox = await serve("sandbox-clean");
    const run = await migrate(cwd, "clean", sandbox.url);
    expect(run.code, shown(run)).toBe(0);
    const { report, rows } = reportOf("clean");
    expect(report.outcome).toBe("succeeded");
    expectEveryCallerOnce(rows);
    expect(report.enrollment?.callers).toBe(corpus.expected.size);
    expect(report.enrollment?.enrolled).toBe(rows.filter((row) => row.status === "NEW_ENROLLMENT").length);
    expect(report.flows).toEqual([
      expect.objectContaining({ name: "cvk Voice ID authentication", published: true }),
    ]);
    expect(report.verification).toMatchObject({ passed: true, counts: { failed: 0 } });
    // One job per shard of ≤ 10,000 callers and one fraudster registration job, as the request
    // log shows (every caller not excluded by the plan was in a job).
    const inJobs = rows.filter((row) => row.status !== "EXCLUDED_IN_PLAN").length;
    shardCount = Math.ceil(inJobs / PER_JOB);
    if (CALLERS === 25_000) expect(shardCount).toBe(3);
    expect(jobsCreated(sandbox, "StartSpeakerEnrollmentJob")).toHaveLength(shardCount);
    expect(jobsCreated(sandbox, "StartFraudsterRegistrationJob")).toHaveLength(1);
    reference = comparableReport(rows);
    await sandbox.stop();
    removeInBackground(join(base, "sandbox-clean"));
  }, 1_200_000);

  it("with throttling, server errors, connection resets, latency spikes and a FAILED job, SIGKILLed at 20 seeded random points and in each shard's job, resumed each time: no duplicate job, the same report", async () => {
    expect(reference.length, "the uninterrupted migration must have passed").toBe(corpus.expected.size);
    const sandbox = await serve("sandbox-faulty", FAULTS);
    // 20 seeded random kill points across the stages a resumed migration passes through, the
    // fraudster job and each shard's job just started, in the order a migration reaches them.
    const enrollmentRun = "Enrollment: upload, jobs, collect";
    const kills = crashKillPoints(20_261_124, RANDOM_KILLS, [
      {
        name: "fraudster registration job",
        during: "Watchlist and fraudster registration",
        step: /\/fraudsters\/jobs$/,
        entry: true,
        maxEvents: 0,
      },
      {
        name: "check",
        during: "Enrollment: check the recordings",
        step: /\/enroll-plan$/,
        // One progress event per 2,048 headers checked.
        maxEvents: Math.min(8, Math.max(1, Math.floor(CALLERS / 2048))),
      },
      {
        name: "prepare",
        during: "Enrollment: prepare the recordings Voice ID would refuse",
        step: /\/enroll-prepare$/,
        maxEvents: 4,
      },
      { name: "plan", during: "Enrollment: plan", step: /\/enroll-plan$/, maxEvents: 8 },
      { name: "upload", during: enrollmentRun, step: /\/enrollment\/upload$/, maxEvents: 12 },
      ...Array.from({ length: shardCount }, (_, i) => ({
        name: `shard ${i + 1}'s job`,
        during: enrollmentRun,
        step: /\/enrollment\/jobs$/,
        message: new RegExp(`shard ${i + 1}/${shardCount}\\b`),
        entry: true,
        // The sandbox moves a job one step per 3 polls (--jobs polls:3): ~18 polls per job.
        maxEvents: 4,
      })),
      { name: "verify", during: "Verify all", step: /\/verify speakers$/, maxEvents: 8 },
    ]);
    const { outcomes, stoppedOnTheirOwn } = await runThroughKills(kills, (kill) =>
      migrate(cwd, "faulty", sandbox.url, kill),
    );
    // What each invocation did, for the suite's log.
    console.log(outcomes.join("\n"));

    // A run that met the FAILED job before it was retried stopped with a clear, resumable error.
    for (const run of stoppedOnTheirOwn.filter((stopped) => errorCode(stopped) === "JOB_FAILED")) {
      expect(failureOf(run)).toMatchObject({
        code: "JOB_FAILED",
        message: expect.stringMatching(/^1 of \d+ enrollment job\(s\) FAILED/),
        hint: expect.stringMatching(/re-run the same `cvk migrate`/),
      });
    }
    // Every kind of fault was injected.
    const requests = sandbox.requests();
    const faults = new Set(requests.map((entry) => entry.fault).filter(Boolean));
    expect([...faults].sort()).toEqual(["connectionReset", "serverError", "throttle"]);
    expect(requests.some((entry) => (entry.delayedMs ?? 0) >= FAULTS.global.latencyMs)).toBe(true);
    // No duplicate job: per shard, one job that completed, plus the injected FAILED attempt.
    const created = jobsCreated(sandbox, "StartSpeakerEnrollmentJob");
    expect(created).toHaveLength(shardCount + 1);
    const { enrollment, registration } = await sandboxJobs(sandbox.url);
    expect(enrollment.map((job) => job.JobId).sort()).toEqual([...created].sort());
    const shards = jobsByShard(enrollment);
    expect(shards.size).toBe(shardCount);
    for (const [shard, jobs] of shards) {
      const statuses = jobs.map((job) => job.JobStatus ?? "");
      expect(
        statuses.filter((status) => status.startsWith("COMPLETED")),
        `shard ${shard}`,
      ).toHaveLength(1);
    }
    // The one FAILED job is the injected one; its shard was retried once, and nothing else failed.
    expect(enrollment.filter((job) => job.JobStatus === "FAILED")).toHaveLength(1);
    expect(jobsCreated(sandbox, "StartFraudsterRegistrationJob")).toHaveLength(1);
    expect(registration).toHaveLength(1);

    // Every caller once, and the same report as the uninterrupted migration.
    const { report, rows } = reportOf("faulty");
    expect(report.outcome).toBe("succeeded");
    // Resumed, not restarted: the migration counted its invocations (a kill before its journal
    // opened leaves no trace, so at most one per run).
    expect(report.invocations).toBeGreaterThan(kills.length / 2);
    expect(report.invocations).toBeLessThanOrEqual(kills.length + stoppedOnTheirOwn.length + 1);
    expectEveryCallerOnce(rows);
    expect(comparableReport(rows)).toEqual(reference);
    expect(report.verification).toMatchObject({ passed: true, counts: { failed: 0 } });
    await sandbox.stop();
  }, 2_400_000);
});
