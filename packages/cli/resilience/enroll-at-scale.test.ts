import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import {
  ListDomainsCommand,
  ListSpeakerEnrollmentJobsCommand,
  type SpeakerEnrollmentJobSummary,
  VoiceIDClient,
} from "@aws-sdk/client-voice-id";
import { seededRandom } from "@cvk/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCsv } from "../../enrollment/src/run-fixtures/test-support.ts";
import {
  DEFECTS,
  type Expectation,
  MIN_SPEECH_SECONDS,
  type ScaleCorpus,
  writeScaleCorpus,
} from "./scale-corpus.ts";

// Issue 5's Done-when at full scale, black-box: the built `cvk` (`npm run build` first) against a
// `cvk sandbox serve` process. A 25,000-caller list with 5% planted defects of every kind goes from
// CSV to enrolled speakers across 3 shards, and report.csv matches what was planted; the same run
// with 20% throttling and 5% server errors, SIGKILLed at several points and re-run, ends with one
// job per shard and the same report. CVK_SCALE_CALLERS scales it down for a quick local run.
const CALLERS = Number(process.env.CVK_SCALE_CALLERS ?? 25_000);
const SHARDS = 3;
const RANDOM_KILLS = 20;
const bin = resolve(import.meta.dirname, "../bin/cvk.js");
const credentials = { AWS_ACCESS_KEY_ID: "AKIDSCALE", AWS_SECRET_ACCESS_KEY: "scale-secret" };
const ENV = "scale";

interface Invocation {
  code: number | null;
  killedAt?: string;
  stdout: string;
  stderr: string;
  events: Record<string, unknown>[];
}

type KillWhen = (event: Record<string, unknown>) => boolean;

function cvk(args: string[], cwd: string, kill?: { name: string; when: KillWhen }): Promise<Invocation> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: cwd,
        AWS_EC2_METADATA_DISABLED: "true",
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        ...credentials,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const result: Invocation = { code: null, stdout: "", stderr: "", events: [] };
    let pending = "";
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      result.stderr += chunk;
    });
    child.stdout.on("data", (chunk: string) => {
      result.stdout += chunk;
      pending += chunk;
      for (let newline = pending.indexOf("\n"); newline >= 0; newline = pending.indexOf("\n")) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        let event: Record<string, unknown>;
        try {
          event = JSON.parse(line) as Record<string, unknown>;
        } catch {
          continue;
        }
        result.events.push(event);
        if (kill && result.killedAt === undefined && kill.when(event)) {
          result.killedAt = `${kill.name}: ${event.step} ${event.type} ${event.message ?? ""}`;
          child.kill("SIGKILL");
        }
      }
    });
    child.on("error", reject);
    child.on("close", (code) => {
      result.code = code;
      resolvePromise(result);
    });
  });
}

/** `cvk sandbox serve` on a free port, its state in `dataDir`. */
async function serve(dataDir: string, faults?: object): Promise<{ url: string; stop(): Promise<void> }> {
  const args = ["sandbox", "serve", "--port", "0", "--data-dir", dataDir, "--json"];
  args.push("--min-speech", String(MIN_SPEECH_SECONDS));
  if (faults) {
    const file = `${dataDir}.faults.json`;
    writeFileSync(file, JSON.stringify(faults));
    args.push("--faults", file);
  }
  const child: ChildProcess = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stderr?.on("data", (d) => {
    err += d;
  });
  const url = await new Promise<string>((resolvePromise, reject) => {
    child.stdout?.on("data", (d) => {
      out += d;
      const match = /"url":"([^"]+)"/.exec(out);
      if (match?.[1]) resolvePromise(match[1]);
    });
    child.on("exit", (code) => reject(new Error(`sandbox serve exited ${code}: ${err}`)));
  });
  const clientConfig = {
    region: "us-west-2",
    endpoint: url,
    credentials: { accessKeyId: "AKIDSCALE", secretAccessKey: "scale-secret" },
  };
  // Faults are drawn per request, so the setup calls retry like any client would.
  const s3 = new S3Client({ ...clientConfig, forcePathStyle: true, maxAttempts: 10 });
  for (const bucket of ["cvk-scale-in", "cvk-scale-out"])
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  s3.destroy();
  return {
    url,
    stop: () =>
      new Promise((resolvePromise) => {
        if (child.exitCode !== null) return resolvePromise();
        child.once("exit", () => resolvePromise());
        child.kill("SIGINT");
      }),
  };
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

async function jobsOf(url: string): Promise<SpeakerEnrollmentJobSummary[]> {
  const client = new VoiceIDClient({
    region: "us-west-2",
    endpoint: url,
    credentials: { accessKeyId: "AKIDSCALE", secretAccessKey: "scale-secret" },
    maxAttempts: 10,
  });
  try {
    const { DomainSummaries = [] } = await client.send(new ListDomainsCommand({}));
    expect(DomainSummaries.map((d) => d.Name)).toEqual(["cvk-scale"]);
    const jobs: SpeakerEnrollmentJobSummary[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListSpeakerEnrollmentJobsCommand({
          DomainId: DomainSummaries[0]?.DomainId,
          ...(token ? { NextToken: token } : {}),
        }),
      );
      jobs.push(...(page.JobSummaries ?? []));
      token = page.NextToken;
    } while (token);
    return jobs;
  } finally {
    client.destroy();
  }
}

/** Generated ids (speakers, the watchlist) differ between sandboxes; everything else must be identical. */
function comparable(rows: Record<string, string>[]): string[] {
  return rows
    .map((row) =>
      JSON.stringify({
        ...row,
        generated_speaker_id: row.generated_speaker_id ? "<id>" : "",
        reason: (row.reason ?? "").replace(/watchlist [A-Za-z0-9]{22}/g, "watchlist <id>"),
      }),
    )
    .sort();
}

/**
 * Registers the fraudster, then enrolls, in the corpus folder with run directories of their own
 * (`name`), so scenarios share the corpus and the plan without copying gigabytes of audio.
 */
async function fraudstersThenEnroll(
  cwd: string,
  name: string,
  url: string,
  kills: { name: string; when: KillWhen }[] = [],
) {
  const common = ["--endpoint-url", url, "--env", ENV, "--json", "--poll-interval", "20"];
  const fraudsters = await cvk(
    [
      "fraudsters",
      "register",
      "fraudsters.csv",
      "--out",
      `${name}/fraudster-plan`,
      "--run-dir",
      `${name}/fraudster-run`,
      ...common,
    ],
    cwd,
  );
  expect(fraudsters.code, fraudsters.stderr).toBe(0);
  const enroll = ["enroll", "run", "plan", "--run-dir", `${name}/enroll-run`, ...common];
  const invocations: Invocation[] = [];
  for (const kill of kills) {
    const killed = await cvk(enroll, cwd, kill);
    invocations.push(killed);
    // Each kill point must really be reached (and the run not already finished).
    expect(killed.killedAt, `${kill.name}: ${killed.stderr.slice(-400)}`).toBeDefined();
  }
  const final = await cvk(enroll, cwd);
  invocations.push(final);
  return {
    final,
    invocations,
    rows: () => parseCsv(readFileSync(join(cwd, name, "enroll-run", "report.csv"), "utf8")),
  };
}

describe(`cvk enroll at scale: ${CALLERS.toLocaleString("en")} callers, planted defects (black-box)`, () => {
  let base: string;
  let corpus: ScaleCorpus;
  let planned = 0;
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
    if (base) rmSync(base, { recursive: true, force: true });
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

  let reference: string[] = [];

  it("plans, registers the fraudster, enrolls across 3 shards; report.csv matches the planted defects", async () => {
    const cwd = join(base, "source");
    const sandbox = await serve(join(base, "sandbox-clean"));
    stops.push(sandbox.stop);
    const { final, rows: reportRows } = await fraudstersThenEnroll(cwd, "clean", sandbox.url);
    expect(final.code, final.stderr.slice(-2000)).toBe(0);
    const rows = reportRows();
    expectPlantedOutcomes(rows);
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
    const jobs = await jobsOf(sandbox.url);
    expect(jobs).toHaveLength(SHARDS);
    reference = comparable(rows);
    await sandbox.stop();
    rmSync(join(base, "sandbox-clean"), { recursive: true, force: true });
  }, 1_200_000);

  it("with 20% throttling and 5% server errors, SIGKILLed at 20 seeded random points and in each shard's job, then re-run: one job per shard, the same report", async () => {
    expect(reference.length, "the clean run must have passed").toBe(corpus.expected.size);
    const cwd = join(base, "source");
    const sandbox = await serve(join(base, "sandbox-faulty"), {
      seed: 5,
      global: { throttle: 0.2, serverError: 0.05 },
    });
    stops.push(sandbox.stop);
    // 20 seeded random kill points — each invocation dies after a random number (1–10) of progress
    // events, so they fall across startup, the uploads and the first job — then one in each shard's
    // job, then the final run to the end.
    const random = seededRandom(2026);
    const kills: { name: string; when: KillWhen }[] = [];
    for (let k = 0; k < RANDOM_KILLS; k++) {
      const after = 1 + Math.floor(random() * 10);
      let seen = 0;
      kills.push({
        name: `random kill ${k + 1}: after ${after} progress event(s)`,
        when: (e) => e.type === "progress" && ++seen >= after,
      });
    }
    for (const shard of [1, 2, 3]) {
      kills.push({
        name: `shard ${shard}'s job running`,
        when: (e) => e.step === "jobs" && new RegExp(`shard ${shard}/3`).test(String(e.message ?? "")),
      });
    }
    const {
      final,
      invocations,
      rows: reportRows,
    } = await fraudstersThenEnroll(cwd, "faulty", sandbox.url, kills);
    expect(final.code, final.stderr.slice(-2000)).toBe(0);
    expect(invocations).toHaveLength(kills.length + 1);
    const jobs = await jobsOf(sandbox.url);
    const perShard = new Map<string, number>();
    for (const job of jobs) {
      const shard = /-shard-(\d{3})-\d+$/.exec(job.JobName ?? "")?.[1] ?? String(job.JobName);
      perShard.set(shard, (perShard.get(shard) ?? 0) + 1);
    }
    expect(Object.fromEntries(perShard)).toEqual({ "001": 1, "002": 1, "003": 1 });
    const rows = reportRows();
    expectPlantedOutcomes(rows);
    expect(comparable(rows)).toEqual(reference);
    await sandbox.stop();
  }, 1_800_000);
});
