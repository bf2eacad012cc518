import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListDomainsCommand, ListSpeakerEnrollmentJobsCommand } from "@aws-sdk/client-voice-id";
import { AudioWorkerPool } from "@cvk/audio";
import { type AwsClients, createAwsClients, loadConfigFile, selectEnvironment } from "@cvk/core";
import { createSandbox, SANDBOX_ENDPOINT, type Sandbox } from "@cvk/harness";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runMigration } from "./migrate.ts";
import { DEV_INSTANCE_ID, writeMiniProject } from "./test-support.ts";
import type { MigrationReport } from "./types.ts";

// The real SDK clients against the sandbox, served in-process; 3 s of net speech is the minimum here.
let pool: AudioWorkerPool;
beforeAll(() => {
  pool = new AudioWorkerPool({ threads: 2 });
});
afterAll(async () => {
  await pool.destroy();
});

interface World {
  dir: string;
  sandbox: Sandbox;
  clients: AwsClients;
  environment: ReturnType<typeof selectEnvironment>;
  stop(): Promise<void>;
}

let world: World | undefined;
afterEach(async () => {
  await world?.stop();
  world = undefined;
});

async function setUp(): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), "cvk-migration-"));
  const config = writeMiniProject(dir);
  const sandbox = createSandbox({ minNetSpeechSeconds: 3 });
  const server = setupServer(...sandbox.handlers);
  server.listen({ onUnhandledRequest: "error" });
  sandbox.engine.connect.createInstance({ alias: "cvk-test-dev", region: "us-west-2", id: DEV_INSTANCE_ID });
  sandbox.engine.connect.addPhoneNumber({ phoneNumber: "+12065550150", instanceId: DEV_INSTANCE_ID });
  const clients = await createAwsClients({
    region: "us-west-2",
    endpoint: SANDBOX_ENDPOINT,
    credentials: { accessKeyId: "AKIDSANDBOX", secretAccessKey: "sandbox-secret" },
    limiter: false,
    maxAttempts: 1,
    inProcess: true,
  });
  const environment = selectEnvironment(loadConfigFile(config), "dev");
  world = {
    dir,
    sandbox,
    clients,
    environment,
    async stop() {
      clients.destroy();
      server.close();
      sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return world;
}

function migrate(w: World, extra: Partial<Parameters<typeof runMigration>[0]> = {}) {
  return runMigration({
    environment: w.environment,
    clients: w.clients,
    instanceId: DEV_INSTANCE_ID,
    dir: join(w.dir, ".cvk/migrations/dev"),
    createBuckets: true,
    pool,
    pollIntervalMs: 0,
    region: "us-west-2",
    ...extra,
  });
}

function operations(report: MigrationReport): string[] {
  return [...new Set(report.writes.map((w) => `${w.service}:${w.operation}`))].sort();
}

describe("runMigration", () => {
  it("plans without a single write, migrates what it planned, and then plans nothing but the re-pointing", async () => {
    const w = await setUp();
    const planned = await migrate(w, { plan: true });
    expect(planned.error).toBeUndefined();
    expect(planned.report.outcome).toBe("planned");
    expect(w.sandbox.log.entries({ write: true })).toEqual([]);
    expect(w.sandbox.log.entries().length).toBeGreaterThan(0);
    expect(operations(planned.report)).toEqual([
      "connect:AssociatePhoneNumberContactFlow",
      "connect:CreateContactFlow",
      "connect:CreateIntegrationAssociation",
      "connect:UpdateContactFlowContent",
      "s3:CreateBucket",
      "s3:PutObject",
      "voiceid:CreateDomain",
      "voiceid:CreateWatchlist",
      "voiceid:StartFraudsterRegistrationJob",
      "voiceid:StartSpeakerEnrollmentJob",
    ]);
    expect(planned.report.enrollment?.counts).toMatchObject({ PLANNED: 7, AFTER_PREPARE: 1 });
    expect(existsSync(planned.report.paths.reportHtml)).toBe(true);
    expect(planned.report.paths.reportHtml).toContain("dry-run");

    const { report, error } = await migrate(w);
    expect(error).toBeUndefined();
    expect(report.outcome).toBe("succeeded");
    expect(report.steps.map((s) => s.status)).toEqual(Array(9).fill("done"));
    const e = report.enrollment;
    expect(e?.enrolled).toBe(7);
    expect(e?.prepare).toMatchObject({ converted: 1, fixedByReason: { SAMPLE_RATE: 1 } });
    expect(e?.byReason.map((r) => [r.reason, r.stage, r.count])).toEqual([
      ["FRAUDSTER_MATCH", "job", 1],
      ["TOO_LITTLE_SPEECH", "plan", 1],
    ]);
    expect(e?.jobs).toHaveLength(1);
    expect(e?.speech.measured).toBeGreaterThanOrEqual(8);
    expect(report.fraudsters?.counts.NEW_REGISTRATION).toBe(1);
    expect(report.flows).toMatchObject([
      { name: "cvk Voice ID authentication", outcome: "created", published: true },
    ]);
    expect(report.flows[0]?.mermaid).toContain("flowchart TD");
    expect(report.instance).toMatchObject({
      association: "associated",
      phoneNumbers: [{ outcome: "associated" }],
    });
    expect(report.verification?.passed).toBe(true);
    expect(report.verification?.paths?.junit && existsSync(report.verification.paths.junit)).toBe(true);
    // Every write the migration made was one the plan named.
    const made = new Set(w.sandbox.log.entries({ write: true }).map((entry) => entry.operation));
    const plannedOps = new Set(planned.report.writes.map((write) => write.operation));
    for (const operation of made) {
      expect(
        plannedOps.has(operation) ||
          operation === "CompleteMultipartUpload" ||
          operation === "UpdateContactFlowContent",
      ).toBe(true);
    }
    const html = readFileSync(report.paths.reportHtml, "utf8");
    expect(html).toContain("<svg");
    expect(html).toContain("FRAUDSTER_MATCH");
    expect(html).not.toMatch(/(src|href)=["']?https?:/);
    expect(JSON.parse(readFileSync(report.paths.reportJson, "utf8")).outcome).toBe("succeeded");

    // Everything is in place: a plan now finds only the phone number, which Connect cannot read back.
    const again = await migrate(w, { plan: true });
    expect(again.report.writes.map((write) => write.operation)).toEqual(["AssociatePhoneNumberContactFlow"]);
  }, 180_000);

  it("accounts for every caller when prepare converts some: rows the list reader rejects stay in the report", async () => {
    const w = await setUp();
    // Next to the 16 kHz recording that prepare converts (so the plan reads a merged list): a row
    // without audio and one whose channel is no number, in the middle of the list.
    const list = join(w.dir, "callers.csv");
    const [header, ...rows] = readFileSync(list, "utf8").trim().split("\n");
    rows.splice(2, 0, "caller-no-audio,,0", "caller-bad-channel,recordings/caller-01.wav,x");
    writeFileSync(list, `${[header, ...rows].join("\n")}\n`);
    const { report, error } = await migrate(w);
    expect(error).toBeUndefined();
    expect(report.enrollment?.prepare).toMatchObject({ converted: 1 });
    const csv = readFileSync(report.enrollment?.paths.reportCsv ?? "", "utf8");
    const byId = new Map(
      csv
        .trim()
        .split("\n")
        .slice(1)
        .map((line) => [line.split(",")[0], line]),
    );
    expect(byId.size).toBe(rows.length);
    expect(byId.get("caller-no-audio")).toMatch(/EXCLUDED_IN_PLAN.*MISSING_AUDIO/);
    expect(byId.get("caller-bad-channel")).toMatch(/EXCLUDED_IN_PLAN.*CHANNEL_INVALID/);
    expect(report.enrollment?.callers).toBe(rows.length);
  }, 180_000);

  it("checks the config and the lists before the first AWS call", async () => {
    const w = await setUp();
    rmSync(join(w.dir, "callers.csv"));
    await expect(migrate(w)).rejects.toMatchObject({
      code: "INPUT_NOT_FOUND",
      message: expect.stringMatching(
        /cvk\.config\.yaml:\d+: enrollment\.callers names .*callers\.csv, which does not exist/,
      ),
    });
    const { enrollment: _enrollment, ...withoutEnrollment } = w.environment.config;
    await expect(
      migrate({
        ...w,
        environment: {
          ...w.environment,
          config: { ...withoutEnrollment, fraudsters: { list: "fraudsters.csv" } },
        },
      }),
    ).rejects.toMatchObject({
      code: "CONFIG_INVALID",
      message: expect.stringContaining("enrollment.inputS3Uri"),
    });
    expect(w.sandbox.log.entries()).toEqual([]);
  });

  it("resumes an interrupted migration where it stopped, and starts no job twice", async () => {
    const w = await setUp();
    const controller = new AbortController();
    const first = await migrate(w, {
      signal: controller.signal,
      onEvent: (event) => {
        if (event.step === "dev/enrollment/upload" && event.type === "started") controller.abort();
      },
    });
    expect(first.error?.code).toBe("INTERRUPTED");
    expect(first.report.outcome).toBe("failed");
    expect(first.report.failure?.step).toBe("enrollment.run");
    expect(existsSync(first.report.paths.reportHtml)).toBe(true);

    const second = await migrate(w);
    expect(second.error).toBeUndefined();
    expect(second.report.migrationId).toBe(first.report.migrationId);
    expect(second.report.invocations).toBe(2);
    const earlier = second.report.steps.filter((s) => s.earlier).map((s) => s.step);
    expect(earlier).toEqual([
      "domain",
      "fraudsters",
      "enrollment.check",
      "enrollment.prepare",
      "enrollment.plan",
    ]);
    expect(second.report.enrollment?.enrolled).toBe(7);

    const { DomainSummaries = [] } = await w.clients.voiceId.send(new ListDomainsCommand({}));
    expect(DomainSummaries.map((d) => d.Name)).toEqual(["cvk-test-dev"]);
    const jobs = await w.clients.voiceId.send(
      new ListSpeakerEnrollmentJobsCommand({ DomainId: DomainSummaries[0]?.DomainId }),
    );
    expect(jobs.JobSummaries).toHaveLength(1);

    // A finished migration is followed by a new one, which finds everything done and changes nothing.
    const writesBefore = w.sandbox.log.entries({ write: true }).length;
    const third = await migrate(w);
    expect(third.report.migrationId).not.toBe(first.report.migrationId);
    expect(third.report.outcome).toBe("succeeded");
    const newWrites = w.sandbox.log
      .entries({ write: true })
      .slice(writesBefore)
      .map((entry) => entry.operation);
    expect(newWrites).toEqual(["AssociatePhoneNumberContactFlow"]);
  }, 180_000);
});
