import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCsv } from "../../enrollment/src/run-fixtures/test-support.ts";
import { type CvkRun, cvkAsync, type KillPoint } from "../test/cvk-bin.ts";
import {
  CREDENTIALS,
  comparableReport,
  crashKillPoints,
  jobsByShard,
  jobsCreated,
  removeInBackground,
  runThroughKills,
  type SandboxProcess,
  sandboxJobs,
  serveSandboxProcess,
} from "./sandbox-process.ts";
import {
  DEFECTS,
  type Expectation,
  MIN_SPEECH_SECONDS,
  type ScaleCorpus,
  writeScaleCorpus,
} from "./scale-corpus.ts";

// Issue 5's Done-when at full scale, black-box: the built `cvk` (`npm run build` first) against a
// `cvk sandbox serve` process. A 25,000-caller list with 5% planted defects of every kind goes from
// CSV to enrolled speakers across 3 shards (`cvk fraudsters register`, then `cvk enroll run`), and
// report.csv matches what was planted. Then `cvk enroll run` itself, against 20% throttling and 5%
// server errors, is SIGKILLed in its upload and in each shard's job and resumed each time: no
// duplicate job, the same report. (`cvk migrate`'s crash run, with every fault, is in
// migrate-at-scale.test.ts.) CVK_SCALE_CALLERS scales it down for a quick local run.
const CALLERS = Number(process.env.CVK_SCALE_CALLERS ?? 25_000);
const SHARDS = 3;
const ENV = "scale";
const BUCKETS = ["cvk-scale-in", "cvk-scale-out"];
/** The Done-when's faults: 20% throttling and 5% server errors, on every API. */
const FAULTS = { seed: 5, global: { throttle: 0.2, serverError: 0.05 } };
const RANDOM_KILLS = 6;

function cvk(args: string[], cwd: string, kill?: KillPoint): Promise<CvkRun> {
  return cvkAsync(args, cwd, { home: cwd, env: CREDENTIALS, ...(kill ? { kill } : {}) });
}

function serve(dataDir: string, faults?: object): Promise<SandboxProcess> {
  return serveSandboxProcess(dataDir, {
    minSpeechSeconds: MIN_SPEECH_SECONDS,
    buckets: BUCKETS,
    // Jobs move one step per 3 polls, so a kill can land while a shard's job runs.
    jobs: "polls:3",
    ...(faults ? { faults } : {}),
  });
}

function config(): string {
  return `version: 1
environments:
  ${ENV}:
    region: us-west-2
    accountId: "123456789012"
    voiceId:
      domain:
        name: cvk-scale
        create: true
        kmsKeyId: arn:aws:kms:us-west-2:123456789012:key/11111111-2222-3333-4444-555555555555
      watchlist:
        name: known-fraudsters
    enrollment:
      inputS3Uri: s3://cvk-scale-in/enroll
      outputS3Uri: s3://cvk-scale-out/results/
      dataAccessRoleArn: arn:aws:iam::123456789012:role/VoiceIdBatchAccess
      minNetSpeechSeconds: ${MIN_SPEECH_SECONDS}
      fraudDetection:
        action: FAIL
        riskThreshold: 50
    fraudsters:
      duplicateRegistrationAction: SKIP
`;
}

function common(url: string): string[] {
  return ["--endpoint-url", url, "--env", ENV, "--json", "--poll-interval", "20"];
}

function enrollRun(name: string, url: string): string[] {
  return ["enroll", "run", "plan", "--run-dir", `${name}/enroll-run`, ...common(url)];
}

function reportRows(cwd: string, name: string): Record<string, string>[] {
  return parseCsv(readFileSync(join(cwd, name, "enroll-run", "report.csv"), "utf8"));
}

/** Registers the fraudster (its own job, not interrupted), with run directories under `name`. */
async function registerFraudster(cwd: string, name: string, url: string): Promise<void> {
  const fraudsters = await cvk(
    [
      "fraudsters",
      "register",
      "fraudsters.csv",
      "--out",
      `${name}/fraudster-plan`,
      "--run-dir",
      `${name}/fraudster-run`,
      ...common(url),
    ],
    cwd,
  );
  expect(fraudsters.code, fraudsters.stderr).toBe(0);
}

describe(`cvk enroll at scale: ${CALLERS.toLocaleString("en")} callers, planted defects (black-box)`, () => {
  let base: string;
  let corpus: ScaleCorpus;
  let planned = 0;
  let reference: string[] = [];
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), "cvk-scale-"));
    const source = join(base, "source");
    corpus = writeScaleCorpus(source, CALLERS);
    writeFileSync(join(source, "cvk.config.yaml"), config());
    // Header checks only: the no-speech callers are then Voice ID's own verdict, in the job.
    const good = [...corpus.expected.values()].filter((e) => e.status !== "EXCLUDED_IN_PLAN").length;
    const shardSize = Math.min(10_000, Math.ceil(good / SHARDS));
    const plan = await cvk(
      [
        "enroll",
        "plan",
        corpus.list,
        "--out",
        "plan",
        "--env",
        ENV,
        "--no-speech",
        "--min-speech",
        String(MIN_SPEECH_SECONDS),
        "--shard-size",
        String(shardSize),
        "--json",
      ],
      source,
    );
    expect(plan.code, plan.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(join(source, "plan", "plan.json"), "utf8")) as {
      counts: { plannedSpeakers: number };
      shards: unknown[];
    };
    planned = summary.counts.plannedSpeakers;
    expect(summary.shards).toHaveLength(SHARDS);
  }, 600_000);

  afterAll(async () => {
    for (const stop of stops) await stop();
    if (base) removeInBackground(base);
  });

  /** Every caller once, each with the outcome its planted defect calls for. */
  function expectPlantedOutcomes(rows: Record<string, string>[]): void {
    expect(rows).toHaveLength(corpus.expected.size);
    const seen = new Set(rows.map((row) => row.customer_speaker_id));
    expect(seen.size).toBe(rows.length);
    const mismatches: string[] = [];
    for (const row of rows) {
      const id = row.customer_speaker_id ?? "";
      const expected: Expectation | undefined = corpus.expected.get(id);
      if (!expected) {
        mismatches.push(`${id}: not in the list`);
        continue;
      }
      const codeMatches =
        expected.code === undefined ||
        (expected.status === "EXCLUDED_IN_PLAN"
          ? row.error_code === expected.code
          : (row.reason ?? "").toLowerCase().includes(expected.code));
      if (row.status !== expected.status || !codeMatches)
        mismatches.push(
          `${id}: ${row.status} ${row.error_code} ${row.reason} (expected ${JSON.stringify(expected)})`,
        );
    }
    expect(mismatches.slice(0, 10)).toEqual([]);
    // The counts by outcome are the planted ones.
    const byStatus: Record<string, number> = {};
    for (const row of rows) byStatus[row.status ?? ""] = (byStatus[row.status ?? ""] ?? 0) + 1;
    const plantedBy = (status: string) =>
      DEFECTS.filter((d) => d.expect.status === status).reduce(
        (n, d) => n + (corpus.planted[d.name] ?? 0),
        0,
      );
    expect(byStatus.EXCLUDED_IN_PLAN).toBe(plantedBy("EXCLUDED_IN_PLAN"));
    expect(byStatus.FAILED).toBe(plantedBy("FAILED"));
    expect(byStatus.NEW_ENROLLMENT).toBe(
      corpus.expected.size - plantedBy("EXCLUDED_IN_PLAN") - plantedBy("FAILED"),
    );
    // What the plan put in its manifests is what was enrolled or failed in a job.
    expect((byStatus.NEW_ENROLLMENT ?? 0) + (byStatus.FAILED ?? 0)).toBe(planned);
  }

  it("plans, registers the fraudster, enrolls across 3 shards; report.csv matches the planted defects", async () => {
    const cwd = join(base, "source");
    const sandbox = await serve(join(base, "sandbox-clean"));
    stops.push(sandbox.stop);
    await registerFraudster(cwd, "clean", sandbox.url);
    const final = await cvk(enrollRun("clean", sandbox.url), cwd);
    expect(final.code, final.stderr.slice(-2000)).toBe(0);
    const rows = reportRows(cwd, "clean");
    expectPlantedOutcomes(rows);
    reference = comparableReport(rows);
    // Every kind of defect was planted, and the plan recorded the ones it can see.
    expect(Object.keys(corpus.planted).sort()).toEqual(DEFECTS.map((d) => d.name).sort());
    const problems = readFileSync(join(cwd, "plan", "problems.jsonl"), "utf8")
      .trim()
      .split("\n");
    const reasons = new Map<string, number>();
    for (const line of problems) {
      const reason = (JSON.parse(line) as { reason: string }).reason;
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    for (const defect of DEFECTS) {
      const reason = defect.expect.status === "EXCLUDED_IN_PLAN" ? defect.expect.code : defect.planReason;
      if (reason) expect(reasons.get(reason), reason).toBe(corpus.planted[defect.name]);
    }
    const { domains, enrollment } = await sandboxJobs(sandbox.url);
    expect(domains).toEqual(["cvk-scale"]);
    expect(enrollment).toHaveLength(SHARDS);
    await sandbox.stop();
    removeInBackground(join(base, "sandbox-clean"));
  }, 1_200_000);

  it(`cvk enroll run with 20% throttling and 5% server errors, SIGKILLed at ${RANDOM_KILLS} seeded random points in its upload and jobs and as each shard's job starts, resumed each time: no duplicate job, the same report`, async () => {
    expect(reference.length, "the uninterrupted run must have passed").toBe(corpus.expected.size);
    const cwd = join(base, "source");
    const sandbox = await serve(join(base, "sandbox-crash"), FAULTS);
    stops.push(sandbox.stop);
    await registerFraudster(cwd, "crash", sandbox.url);
    // `cvk enroll run` has no steps of its own to announce (`during` stays empty): its events are
    // the upload's and the jobs', the latter naming their shard.
    const kills = crashKillPoints(20_261_125, RANDOM_KILLS, [
      // One progress event per 1% of the files.
      { name: "upload", during: "", step: /(^|\/)upload$/, maxEvents: 40 },
      ...Array.from({ length: SHARDS }, (_, i) => ({
        name: `shard ${i + 1}'s job`,
        during: "",
        step: /(^|\/)jobs$/,
        message: new RegExp(`shard ${i + 1}/${SHARDS}\\b`),
        entry: true,
        maxEvents: 4,
      })),
    ]);
    const { outcomes } = await runThroughKills(kills, (kill) =>
      cvk(enrollRun("crash", sandbox.url), cwd, kill),
    );
    console.log(outcomes.join("\n"));
    // Faults were injected, and no job was started twice: one per shard, each COMPLETED.
    const faults = new Set(sandbox.requests().map((entry) => entry.fault));
    expect(faults.has("throttle") && faults.has("serverError")).toBe(true);
    const created = jobsCreated(sandbox, "StartSpeakerEnrollmentJob");
    expect(created).toHaveLength(SHARDS);
    const { enrollment } = await sandboxJobs(sandbox.url);
    expect(enrollment.map((job) => job.JobId).sort()).toEqual([...created].sort());
    const shards = jobsByShard(enrollment);
    expect(shards.size).toBe(SHARDS);
    for (const [shard, jobs] of shards) {
      expect(jobs, `shard ${shard}`).toHaveLength(1);
      // COMPLETED_WITH_ERRORS where the shard holds callers with planted defects Voice ID rejects.
      expect(jobs[0]?.JobStatus, `shard ${shard}`).toMatch(/^COMPLETED/);
    }
    // Every caller once, with the planted outcome: the uninterrupted run's report.
    const rows = reportRows(cwd, "crash");
    expectPlantedOutcomes(rows);
    expect(comparableReport(rows)).toEqual(reference);
    await sandbox.stop();
  }, 2_400_000);
});
