import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ListDomainsCommand,
  ListSpeakerEnrollmentJobsCommand,
  type SpeakerEnrollmentJobSummary,
  VoiceIDClient,
} from "@aws-sdk/client-voice-id";
import { seededRandom } from "@cvk/core";
import { createSandbox, serveSandbox } from "@cvk/harness";
import { describe, expect, it } from "vitest";
import { parseCsv, writeTestPlan } from "../../enrollment/src/run-fixtures/test-support.ts";
import { type CvkRun, cvkAsync, type KillPoint } from "./cvk-bin.ts";

// Black-box crash test: the built binary (`npx turbo run build --filter=@cvk/cli...` first) runs
// `cvk enroll run --sandbox` in a temp cwd and is killed with SIGKILL at several points; re-runs
// must end with one job per shard and every caller reported exactly once, as in an uninterrupted run.
const SHARDS = 4;
const PER_SHARD = 10;
const CALLERS = SHARDS * PER_SHARD;
const MAX_INVOCATIONS = 12;

/** Runs `cvk enroll run plan --sandbox --json`, killing it with SIGKILL as soon as `kill` says so. */
function enrollRun(cwd: string, kill?: KillPoint): Promise<CvkRun> {
  return cvkAsync(["enroll", "run", "plan", "--sandbox", "--poll-interval", "20", "--json"], cwd, {
    // Inside the temp tree, removed with it.
    home: join(cwd, ".."),
    ...(kill ? { kill } : {}),
  });
}

function config(): string {
  return `version: 1
environments:
  sandbox:
    region: us-west-2
    accountId: "123456789012"
    voiceId:
      domain:
        name: cvk-crash
        create: true
        kmsKeyId: arn:aws:kms:us-west-2:123456789012:key/11111111-2222-3333-4444-555555555555
    enrollment:
      inputS3Uri: s3://cvk-in/enroll
      outputS3Uri: s3://cvk-out/results/
      dataAccessRoleArn: arn:aws:iam::123456789012:role/VoiceIdBatchAccess
`;
}

function runDirOf(cwd: string): string {
  const runs = readdirSync(join(cwd, ".cvk/runs"));
  expect(runs).toHaveLength(1);
  return join(cwd, ".cvk/runs", runs[0] as string);
}

/** report.csv rows; generated speaker ids differ between sandboxes, so only their presence is compared. */
function reportRows(cwd: string): Record<string, string>[] {
  return parseCsv(readFileSync(join(runDirOf(cwd), "report.csv"), "utf8"));
}

function comparable(rows: Record<string, string>[]): Record<string, string>[] {
  return rows
    .map(
      (row): Record<string, string> => ({
        ...row,
        generated_speaker_id: row.generated_speaker_id ? "<id>" : "",
      }),
    )
    .sort((a, b) => (a.customer_speaker_id ?? "").localeCompare(b.customer_speaker_id ?? ""));
}

/** Every speaker enrollment job of the sandbox's domain(s), read after the CLI has exited. */
async function sandboxJobs(cwd: string): Promise<SpeakerEnrollmentJobSummary[]> {
  const sandbox = createSandbox({ dataDir: join(cwd, ".cvk/sandbox") });
  const server = await serveSandbox(sandbox, { port: 0 });
  const client = new VoiceIDClient({
    region: "us-west-2",
    endpoint: server.url,
    credentials: { accessKeyId: "cvk-sandbox", secretAccessKey: "cvk-sandbox" },
  });
  try {
    const { DomainSummaries = [] } = await client.send(new ListDomainsCommand({}));
    expect(DomainSummaries.map((d) => d.Name)).toEqual(["cvk-crash"]);
    const jobs: SpeakerEnrollmentJobSummary[] = [];
    for (const domain of DomainSummaries) {
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListSpeakerEnrollmentJobsCommand({
            DomainId: domain.DomainId,
            ...(token ? { NextToken: token } : {}),
          }),
        );
        jobs.push(...(page.JobSummaries ?? []));
        token = page.NextToken;
      } while (token);
    }
    return jobs;
  } finally {
    client.destroy();
    await server.close();
    sandbox.close();
  }
}

/** Jobs by the shard number in their name (`cvk-<plan id>-shard-NNN-<attempt>`). */
function byShard(jobs: SpeakerEnrollmentJobSummary[]): Map<string, SpeakerEnrollmentJobSummary[]> {
  const shards = new Map<string, SpeakerEnrollmentJobSummary[]>();
  for (const job of jobs) {
    const shard = /-shard-(\d{3})-\d+$/.exec(job.JobName ?? "")?.[1] ?? `? ${job.JobName}`;
    shards.set(shard, [...(shards.get(shard) ?? []), job]);
  }
  return shards;
}

describe("cvk enroll run survives SIGKILL (black-box, --sandbox)", () => {
  it("killed at several points and re-run: one job per shard, every caller once, same report as an uninterrupted run", async () => {
    const base = mkdtempSync(join(tmpdir(), "cvk-enroll-crash-"));
    // The embedded sandbox needs the documented 30 s of net speech: two 25 s recordings per caller;
    // every 8th caller has one 3 s recording and fails in the job (a FAILED row to account for too).
    writeTestPlan(join(base, "source-plan"), {
      callers: Array.from({ length: CALLERS }, (_, i) => {
        const id = `caller-${String(i + 1).padStart(2, "0")}`;
        return i % 8 === 7 ? { id, seconds: 3 } : { id, seconds: 25, recordings: 2 };
      }),
      shardSize: PER_SHARD,
    });
    const setUp = (name: string) => {
      const cwd = join(base, name);
      cpSync(join(base, "source-plan"), join(cwd, "plan"), { recursive: true });
      writeFileSync(join(cwd, "cvk.config.yaml"), config());
      return cwd;
    };

    // The reference: one uninterrupted run on a fresh copy.
    const referenceCwd = setUp("reference");
    const reference = await enrollRun(referenceCwd);
    expect(reference.code, reference.stderr).toBe(0);
    const expected = comparable(reportRows(referenceCwd));
    expect(expected).toHaveLength(CALLERS);

    // The crash run: deterministic kill points from the progress events (mid-upload, right after a
    // job was started and before it was polled, right after an output was saved), then points drawn
    // from a seeded PRNG among the first events of a resumed invocation.
    const random = seededRandom(20261124);
    const drawn = Array.from({ length: 2 }, () => 3 + Math.floor(random() * 8));
    const killPoints: KillPoint[] = [
      {
        name: "mid-upload (25th file)",
        when: (e) => e.step === "upload" && e.type === "progress" && Number(e.done) >= 25,
      },
      {
        name: "shard 1 job started, not yet polled",
        when: (e) =>
          e.step === "jobs" && e.type === "info" && /^shard 1\/\d+: job \S+ started/.test(String(e.message)),
      },
      {
        name: "shard 2 output saved",
        when: (e) => e.step === "download" && e.type === "info" && /^shard 2:/.test(String(e.message)),
      },
      ...drawn.map((k) => ({
        name: `seeded: event ${k + 1}`,
        when: (_: unknown, index: number) => index === k,
      })),
    ];
    const crashCwd = setUp("crash");
    const invocations: CvkRun[] = [];
    let finished: CvkRun | undefined;
    for (let i = 0; i < MAX_INVOCATIONS && !finished; i++) {
      const invocation = await enrollRun(crashCwd, killPoints[i]);
      invocations.push(invocation);
      const outcome = invocation.killedAt
        ? `killed at ${invocation.killedAt}`
        : `exit ${invocation.code ?? invocation.signal}`;
      // The log a failure message shows: what each invocation did and how it ended.
      console.log(`invocation ${i + 1}: ${outcome}`);
      if (invocation.killedAt) {
        expect(invocation.signal, `${invocation.killedAt}: ${invocation.stderr}`).toBe("SIGKILL");
        continue;
      }
      expect(invocation.stderr + invocation.stdout).not.toContain("INTERNAL");
      expect(invocation.code, invocation.stderr).toBe(0);
      finished = invocation;
    }
    expect(finished, "the run never completed").toBeDefined();
    // Every deterministic and seeded kill point was reached before the run completed.
    expect(invocations.filter((inv) => inv.killedAt).length).toBeGreaterThanOrEqual(3);

    // Exactly one enrollment job per shard, ended as in the uninterrupted run.
    const jobs = byShard(await sandboxJobs(crashCwd));
    const referenceJobs = byShard(await sandboxJobs(referenceCwd));
    expect([...jobs.keys()].sort()).toEqual(["001", "002", "003", "004"]);
    for (const [shard, shardJobs] of jobs) {
      expect(shardJobs, `shard ${shard}: ${shardJobs.map((j) => j.JobId).join(", ")}`).toHaveLength(1);
      expect(shardJobs[0]?.JobStatus).toBe(referenceJobs.get(shard)?.[0]?.JobStatus);
      expect(shardJobs[0]?.JobStatus).toMatch(/^COMPLETED/);
    }

    // Every caller exactly once, and the same report as the uninterrupted run.
    const rows = reportRows(crashCwd);
    const ids = rows.map((row) => row.customer_speaker_id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(CALLERS);
    expect(comparable(rows)).toEqual(expected);
    // Kept for inspection when an assertion above fails.
    rmSync(base, { recursive: true, force: true });
  }, 900_000);
});
