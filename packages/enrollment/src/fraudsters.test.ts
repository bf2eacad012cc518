import { mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DescribeDomainCommand,
  ListFraudsterRegistrationJobsCommand,
  ListFraudstersCommand,
} from "@aws-sdk/client-voice-id";
import { AudioWorkerPool } from "@cvk/audio";
import { type CvkEvent, ManualClock } from "@cvk/core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FRAUDSTER_REPORT_COLUMNS } from "./fraudster-report.ts";
import { type RegisterFraudstersOptions, registerFraudsters } from "./fraudsters.ts";
import { planEnrollment } from "./plan.ts";
import { MAX_REQUESTS_PER_REGISTRATION_JOB } from "./plan-types.ts";
import { renderReport } from "./report.ts";
import { runEnrollment } from "./run.ts";
import {
  INPUT_S3_URI,
  KMS_KEY,
  OUTPUT_S3_URI,
  parseCsv,
  ROLE_ARN,
  startTestSandbox,
  type TestSandbox,
  voiceWav,
  writeTestPlan,
} from "./run-fixtures/test-support.ts";

let pool: AudioWorkerPool;
let running: TestSandbox | undefined;
beforeAll(() => {
  pool = new AudioWorkerPool({ threads: 1 });
});
afterAll(async () => {
  await pool.destroy();
});
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

function temp(name: string): string {
  return realpathSync(mkdtempSync(join(tmpdir(), `cvk-${name}-`)));
}

interface Voice {
  label: string;
  voice: string;
  seed?: number;
}

/** Writes the recordings and a fraudster list (the caller-list CSV: the id column labels the row). */
function writeList(dir: string, voices: Voice[]): string {
  mkdirSync(join(dir, "audio"), { recursive: true });
  const lines = ["customer_speaker_id,audio"];
  for (const v of voices) {
    const file = `audio/${v.label}.wav`;
    writeFileSync(join(dir, file), voiceWav(v.voice, 6, v.seed ?? 1));
    lines.push(`${v.label},${file}`);
  }
  const list = join(dir, "fraudsters.csv");
  writeFileSync(list, `${lines.join("\n")}\n`);
  return list;
}

async function plan(dir: string, voices: Voice[], maxRequestsPerShard?: number): Promise<string> {
  const planDir = join(dir, "plan");
  await planEnrollment({
    list: writeList(dir, voices),
    outDir: planDir,
    inputS3Uri: INPUT_S3_URI,
    kind: "fraudster-registration",
    minNetSpeechSeconds: 3,
    measureSpeech: false,
    pool,
    ...(maxRequestsPerShard === undefined ? {} : { maxRequestsPerShard }),
  });
  return planDir;
}

function options(planDir: string, runDir: string, sandbox: TestSandbox): RegisterFraudstersOptions {
  return {
    planDir,
    runDir,
    clients: sandbox.clients,
    domain: { name: "cvk-test", create: true, kmsKeyId: KMS_KEY },
    dataAccessRoleArn: ROLE_ARN,
    outputS3Uri: OUTPUT_S3_URI,
    pollIntervalMs: 0,
    clock: new ManualClock(),
    concurrency: 2,
  };
}

function reportRows(runDir: string) {
  return parseCsv(readFileSync(join(runDir, "report.csv"), "utf8"));
}

async function fraudstersIn(sandbox: TestSandbox, domainId: string, watchlistId: string): Promise<string[]> {
  const { FraudsterSummaries } = await sandbox.clients.voiceId.send(
    new ListFraudstersCommand({ DomainId: domainId, WatchlistId: watchlistId }),
  );
  return (FraudsterSummaries ?? []).map((f) => f.GeneratedFraudsterId as string).sort();
}

const THREE: Voice[] = [
  { label: "mallory", voice: "mallory" },
  { label: "oscar", voice: "oscar" },
  { label: "trudy", voice: "trudy" },
];

describe("registerFraudsters", () => {
  it("shards at 500 requests per registration job by default", async () => {
    const dir = temp("fraud-shard");
    writeFileSync(join(dir, "one.wav"), voiceWav("mallory", 6, 1));
    const rows = Array.from({ length: 501 }, (_, i) => `f${i},one.wav`);
    writeFileSync(join(dir, "list.csv"), `customer_speaker_id,audio\n${rows.join("\n")}\n`);
    const result = await planEnrollment({
      list: join(dir, "list.csv"),
      outDir: join(dir, "plan"),
      inputS3Uri: INPUT_S3_URI,
      kind: "fraudster-registration",
      measureSpeech: false,
      minNetSpeechSeconds: 3,
      pool,
    });
    expect(MAX_REQUESTS_PER_REGISTRATION_JOB).toBe(500);
    expect(result.shards.map((s) => s.requests)).toEqual([500, 1]);
    const manifest = JSON.parse(readFileSync(join(dir, "plan", "manifests", "shard-002.json"), "utf8"));
    expect(manifest.FraudsterRegistrationRequests).toHaveLength(1);
    await expect(
      planEnrollment({
        list: join(dir, "list.csv"),
        outDir: join(dir, "plan2"),
        inputS3Uri: INPUT_S3_URI,
        kind: "fraudster-registration",
        maxRequestsPerShard: 501,
        pool,
      }),
    ).rejects.toMatchObject({ code: "USAGE" });
  });

  it("registers 3 voices; the same voice again is DUPLICATE_SKIPPED under SKIP and NEW_REGISTRATION under REGISTER_AS_NEW; fraud detection then fails an enrollment", async () => {
    running = await startTestSandbox();
    const sandbox = running;
    const first = temp("fraud-first");
    const planDir = await plan(first, THREE);
    const result = await registerFraudsters({
      ...options(planDir, join(first, "run"), sandbox),
      watchlist: { name: "fraud-list" },
    });
    expect(result.counts).toMatchObject({ NEW_REGISTRATION: 3, DUPLICATE_SKIPPED: 0, FAILED: 0, PENDING: 0 });
    expect(result.fraudsters).toBe(3);
    expect(result.shards.map((s) => s.status)).toEqual(["COMPLETED"]);
    const csv = readFileSync(result.paths.csv, "utf8");
    expect(csv.split("\n")[0]).toBe(FRAUDSTER_REPORT_COLUMNS.join(","));
    const rows = reportRows(result.runDir);
    expect(rows.map((r) => r.fraudster).sort()).toEqual(["mallory", "oscar", "trudy"]);
    for (const row of rows) {
      expect(row.status).toBe("NEW_REGISTRATION");
      expect(row.generated_fraudster_id).toMatch(/^id#[a-zA-Z0-9]{22}$/);
      expect(row.similarity_score).toBe("");
    }
    const ids = Object.fromEntries(rows.map((r) => [r.fraudster, r.generated_fraudster_id]));
    expect(await fraudstersIn(sandbox, result.domainId, result.watchlistId)).toEqual(
      Object.values(ids).sort(),
    );
    const json = JSON.parse(readFileSync(result.paths.json, "utf8"));
    expect(json).toMatchObject({ fraudsters: 3, counts: { NEW_REGISTRATION: 3 } });
    expect(sandbox.sandbox.log.count("StartFraudsterRegistrationJob")).toBe(1);
    const rendered = await renderReport(result.runDir, {
      kind: (await import("./fraudster-report.ts")).FRAUDSTER_REPORT,
    });
    expect(rendered.report.counts.NEW_REGISTRATION).toBe(3);
    await expect(renderReport(result.runDir)).rejects.toMatchObject({ code: "INPUT_INVALID" });

    // Another recording of mallory's voice, under SKIP: the closest fraudster, with its score.
    const second = temp("fraud-second");
    const againPlan = await plan(second, [{ label: "mallory-again", voice: "mallory", seed: 7 }]);
    const skipped = await registerFraudsters({
      ...options(againPlan, join(second, "run-skip"), sandbox),
      watchlist: { name: "fraud-list" },
      duplicateRegistrationAction: "SKIP",
      similarityThreshold: 50,
    });
    expect(skipped.watchlistId).toBe(result.watchlistId);
    const skipRow = reportRows(skipped.runDir)[0];
    expect(skipRow).toMatchObject({
      fraudster: "mallory-again",
      status: "DUPLICATE_SKIPPED",
      generated_fraudster_id: ids.mallory,
    });
    expect(Number(skipRow?.similarity_score)).toBeGreaterThanOrEqual(50);
    expect(await fraudstersIn(sandbox, result.domainId, result.watchlistId)).toHaveLength(3);

    // The same plan under REGISTER_AS_NEW: a new fraudster (a new job, not a reused ClientToken).
    const asNew = await registerFraudsters({
      ...options(againPlan, join(second, "run-new"), sandbox),
      watchlist: { name: "fraud-list" },
      duplicateRegistrationAction: "REGISTER_AS_NEW",
    });
    const newRow = reportRows(asNew.runDir)[0];
    expect(newRow).toMatchObject({ status: "NEW_REGISTRATION", similarity_score: "" });
    expect(newRow?.generated_fraudster_id).not.toBe(ids.mallory);
    expect(await fraudstersIn(sandbox, result.domainId, result.watchlistId)).toEqual(
      [...Object.values(ids), newRow?.generated_fraudster_id as string].sort(),
    );
    expect(sandbox.sandbox.log.count("StartFraudsterRegistrationJob")).toBe(3);

    // Enrolling a caller with a registered fraudster's voice, fraud detection FAIL: 400.
    const enrollDir = temp("fraud-enroll");
    writeTestPlan(enrollDir, {
      callers: [
        { id: "caller-t", voice: "trudy", seconds: 6, seed: 1 },
        { id: "caller-h", voice: "honest-harry", seconds: 8 },
      ],
      shardSize: 5,
    });
    const enrolled = await runEnrollment({
      ...options(enrollDir, join(enrollDir, "run"), sandbox),
      domain: { name: "cvk-test" },
      fraudDetection: { action: "FAIL", watchlist: "fraud-list" },
    });
    const enrollRows = reportRows(enrolled.runDir);
    expect(enrollRows.find((r) => r.customer_speaker_id === "caller-t")).toMatchObject({
      status: "FAILED",
      error_code: "400",
    });
    expect(enrollRows.find((r) => r.customer_speaker_id === "caller-h")?.status).toBe("NEW_ENROLLMENT");
  });

  it("shards by maxRequestsPerShard into 2 jobs, uses the default watchlist, and resumes after abort with no duplicate job", async () => {
    running = await startTestSandbox({ jobs: { mode: "polls", describesPerStep: 1 } });
    const sandbox = running;
    const dir = temp("fraud-resume");
    const planDir = await plan(dir, THREE, 2);
    const runDir = join(dir, "run");
    const stopWhen = async (match: (e: CvkEvent) => boolean) => {
      const controller = new AbortController();
      const attempt = registerFraudsters({
        ...options(planDir, runDir, sandbox),
        signal: controller.signal,
        onEvent: (e) => {
          if (match(e)) controller.abort();
        },
      });
      await expect(attempt).rejects.toMatchObject({ code: "INTERRUPTED" });
    };
    await stopWhen(
      (e) => e.type === "info" && e.step === "jobs" && /shard 1\/2: job \w+ started/.test(e.message ?? ""),
    );
    await stopWhen(
      (e) => e.type === "progress" && e.step === "jobs" && /shard 2\/2: .*IN_PROGRESS/.test(e.message ?? ""),
    );
    const result = await registerFraudsters(options(planDir, runDir, sandbox));
    expect(result.resumed).toBe(true);
    expect(result.shards.map((s) => s.status)).toEqual(["COMPLETED", "COMPLETED"]);
    expect(result.counts.NEW_REGISTRATION).toBe(3);
    expect(
      reportRows(runDir)
        .map((r) => r.fraudster)
        .sort(),
    ).toEqual(["mallory", "oscar", "trudy"]);
    expect(sandbox.sandbox.log.count("StartFraudsterRegistrationJob")).toBe(2);
    const { JobSummaries } = await sandbox.clients.voiceId.send(
      new ListFraudsterRegistrationJobsCommand({ DomainId: result.domainId }),
    );
    expect(JobSummaries).toHaveLength(2);

    const { Domain } = await sandbox.clients.voiceId.send(
      new DescribeDomainCommand({ DomainId: result.domainId }),
    );
    expect(result.watchlistId).toBe(Domain?.WatchlistDetails?.DefaultWatchlistId);
    expect(await fraudstersIn(sandbox, result.domainId, result.watchlistId)).toHaveLength(3);

    // A speaker enrollment plan is not a registration plan.
    const enrollPlan = temp("fraud-wrong");
    writeTestPlan(enrollPlan, { callers: [{ id: "alice" }], shardSize: 1 });
    await expect(
      registerFraudsters(options(enrollPlan, join(enrollPlan, "run"), sandbox)),
    ).rejects.toMatchObject({ code: "INPUT_INVALID" });
  });
});
