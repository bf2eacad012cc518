import { spawn } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  ConnectClient,
  DescribeContactFlowCommand,
  ListContactFlowsCommand,
  ListIntegrationAssociationsCommand,
} from "@aws-sdk/client-connect";
import {
  ListDomainsCommand,
  ListFraudsterRegistrationJobsCommand,
  ListFraudstersCommand,
  ListSpeakerEnrollmentJobsCommand,
  ListSpeakersCommand,
  ListWatchlistsCommand,
  VoiceIDClient,
} from "@aws-sdk/client-voice-id";
import { type CvkEvent, seededRandom } from "@cvk/core";
import { createSandbox, serveSandbox } from "@cvk/harness";
import { describe, expect, it } from "vitest";
import { DEV_INSTANCE_ID, writeMiniProject } from "../../migration/src/test-support.ts";

// Black-box: the built binary (`npx turbo run build --filter=@cvk/cli...` first) in a temp project.
// The embedded sandbox (--sandbox) needs the documented 30 s of net speech, so the recordings are 34 s.
const bin = resolve(import.meta.dirname, "../bin/cvk.js");
const repoRoot = resolve(import.meta.dirname, "../../..");

type Event = CvkEvent & { at?: string };

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  events: Event[];
  /** Other NDJSON objects (results) by type. */
  data: Record<string, Record<string, unknown>[]>;
  killedAt?: string;
}

/** Runs the CLI asynchronously (a sandbox may be serving from this process), optionally killing it. */
function cvk(
  args: string[],
  cwd: string,
  options: { kill?: (event: Event, index: number) => boolean; env?: Record<string, string> } = {},
): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: join(cwd, ".."),
        AWS_EC2_METADATA_DISABLED: "true",
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        ...options.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const run: Run = { code: null, signal: null, stdout: "", stderr: "", events: [], data: {} };
    let pending = "";
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      run.stderr += chunk;
    });
    child.stdout.on("data", (chunk: string) => {
      run.stdout += chunk;
      pending += chunk;
      for (let newline = pending.indexOf("\n"); newline >= 0; newline = pending.indexOf("\n")) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        let parsed: Record<string, unknown> | undefined;
        try {
          parsed = JSON.parse(line) as Record<string, unknown>;
        } catch {}
        if (!parsed) continue;
        if (typeof parsed.step === "string") {
          const event = parsed as unknown as Event;
          run.events.push(event);
          if (options.kill && run.killedAt === undefined && options.kill(event, run.events.length - 1)) {
            run.killedAt = `event ${run.events.length}: ${event.step} ${event.type} ${"message" in event ? (event.message ?? "") : ""}`;
            child.kill("SIGKILL");
          }
        } else {
          const type = String(parsed.type);
          run.data[type] = [...(run.data[type] ?? []), parsed];
        }
      }
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      run.code = code;
      run.signal = signal;
      resolvePromise(run);
    });
  });
}

function project(name: string, base = mkdtempSync(join(tmpdir(), "cvk-migrate-"))): string {
  const cwd = join(base, name);
  mkdirSync(cwd, { recursive: true });
  writeMiniProject(cwd, { callers: 6, seconds: 34, minSpeech: 30 });
  return cwd;
}

interface SandboxState {
  domains: string[];
  speakers: Record<string, string>;
  enrollmentJobs: string[];
  registrationJobs: string[];
  fraudsters: number;
  flows: { name: string; status?: string; content: string }[];
  associations: number;
}

/** What the sandbox holds for the dev environment, read after the CLI has exited. */
async function sandboxState(dataDir: string): Promise<SandboxState> {
  const sandbox = createSandbox({ dataDir });
  const server = await serveSandbox(sandbox, { port: 0 });
  const config = {
    region: "us-west-2",
    endpoint: server.url,
    credentials: { accessKeyId: "cvk-sandbox", secretAccessKey: "cvk-sandbox" },
  };
  const voiceId = new VoiceIDClient(config);
  const connect = new ConnectClient(config);
  try {
    const { DomainSummaries = [] } = await voiceId.send(new ListDomainsCommand({}));
    const domainId = DomainSummaries[0]?.DomainId ?? "";
    const speakers: Record<string, string> = {};
    let token: string | undefined;
    do {
      const page = await voiceId.send(
        new ListSpeakersCommand({ DomainId: domainId, ...(token ? { NextToken: token } : {}) }),
      );
      for (const s of page.SpeakerSummaries ?? []) speakers[s.CustomerSpeakerId ?? ""] = s.Status ?? "";
      token = page.NextToken;
    } while (token);
    const enrollmentJobs = await voiceId.send(new ListSpeakerEnrollmentJobsCommand({ DomainId: domainId }));
    const registrationJobs = await voiceId.send(
      new ListFraudsterRegistrationJobsCommand({ DomainId: domainId }),
    );
    const { WatchlistSummaries = [] } = await voiceId.send(new ListWatchlistsCommand({ DomainId: domainId }));
    const watchlist = WatchlistSummaries.find((w) => w.Name === "known-fraudsters");
    const fraudsters = await voiceId.send(
      new ListFraudstersCommand({ DomainId: domainId, WatchlistId: watchlist?.WatchlistId }),
    );
    const { ContactFlowSummaryList = [] } = await connect.send(
      new ListContactFlowsCommand({ InstanceId: DEV_INSTANCE_ID, ContactFlowTypes: ["CONTACT_FLOW"] }),
    );
    const flows = [];
    for (const summary of ContactFlowSummaryList.filter((f) => f.Name === "cvk Voice ID authentication")) {
      const { ContactFlow } = await connect.send(
        new DescribeContactFlowCommand({ InstanceId: DEV_INSTANCE_ID, ContactFlowId: summary.Id }),
      );
      flows.push({
        name: summary.Name ?? "",
        ...(ContactFlow?.Status ? { status: ContactFlow.Status } : {}),
        // Queue and flow ids are generated per sandbox: compare the content with them masked.
        content: (ContactFlow?.Content ?? "").replace(
          /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g,
          "<id>",
        ),
      });
    }
    const associations = await connect.send(
      new ListIntegrationAssociationsCommand({ InstanceId: DEV_INSTANCE_ID, IntegrationType: "VOICE_ID" }),
    );
    return {
      domains: DomainSummaries.map((d) => d.Name ?? ""),
      speakers,
      enrollmentJobs: (enrollmentJobs.JobSummaries ?? []).map((j) => `${j.JobName}:${j.JobStatus}`),
      registrationJobs: (registrationJobs.JobSummaries ?? []).map((j) => j.JobStatus ?? ""),
      fraudsters: fraudsters.FraudsterSummaries?.length ?? 0,
      flows,
      associations: associations.IntegrationAssociationSummaryList?.length ?? 0,
    };
  } finally {
    voiceId.destroy();
    connect.destroy();
    await server.close();
    sandbox.close();
  }
}

interface Report {
  outcome: string;
  enrollment: {
    counts: Record<string, number>;
    byReason: { reason: string; stage: string; count: number }[];
  };
  flows: { name: string; published: boolean }[];
  verification?: { passed: boolean };
  paths: { reportHtml: string; reportJson: string };
}

function readReport(cwd: string): Report {
  return JSON.parse(readFileSync(join(cwd, ".cvk/migrations/dev/report.json"), "utf8")) as Report;
}

/** Shared by the Chromium test: the report of the full run. */
let fullRunReport: string | undefined;

describe("cvk migrate (black-box)", () => {
  it("--plan --sandbox lists every write and makes none", async () => {
    const cwd = project("plan");
    const run = await cvk(["migrate", "--env", "prod", "--plan", "--sandbox", "--json"], cwd);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(run.data["sandbox-requests"]?.[0]).toMatchObject({ writes: 0, writeOperations: [] });
    expect(run.data["sandbox-requests"]?.[0]?.requests).toBeGreaterThan(5);
    const report = run.data.migration?.[0] as { mode: string; writes: { operation: string }[] };
    expect(report.mode).toBe("plan");
    expect([...new Set(report.writes.map((w) => w.operation))].sort()).toEqual([
      "AssociatePhoneNumberContactFlow",
      "CreateBucket",
      "CreateContactFlow",
      "CreateDomain",
      "CreateIntegrationAssociation",
      "CreateWatchlist",
      "PutObject",
      "StartFraudsterRegistrationJob",
      "StartSpeakerEnrollmentJob",
      "UpdateContactFlowContent",
    ]);
    // The human form lists them too.
    const human = await cvk(["migrate", "--env", "prod", "--plan", "--sandbox", "--no-progress"], cwd);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/writes a migration would make \(\d+\):/);
    expect(human.stdout).toMatch(/voiceid:CreateDomain\s+create Voice ID domain cvk-test-prod/);
    expect(human.stdout).toContain("plan for prod: planned (nothing written)");
  }, 300_000);

  it("--plan against any endpoint: the sandbox's request log holds no write", async () => {
    const cwd = project("plan-endpoint");
    const sandbox = createSandbox();
    sandbox.engine.connect.createInstance({
      alias: "cvk-test-dev",
      region: "us-west-2",
      id: DEV_INSTANCE_ID,
    });
    sandbox.engine.connect.addPhoneNumber({ phoneNumber: "+12065550150", instanceId: DEV_INSTANCE_ID });
    const server = await serveSandbox(sandbox, { port: 0 });
    try {
      const run = await cvk(
        ["migrate", "--env", "dev", "--plan", "--endpoint-url", server.url, "--quiet"],
        cwd,
        {
          env: { AWS_ACCESS_KEY_ID: "AKIDTEST", AWS_SECRET_ACCESS_KEY: "secret" },
        },
      );
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout.trim().split("\n")).toHaveLength(1);
      expect(run.stdout).toMatch(
        /^dev: planned; 7 callers to enroll; 1\/1 flow\(s\) to publish; \d+ kind\(s\) of write planned; /,
      );
      expect(sandbox.log.entries().length).toBeGreaterThan(5);
      expect(sandbox.log.entries({ write: true })).toEqual([]);
    } finally {
      await server.close();
      sandbox.close();
    }
  }, 300_000);

  it("a full migration on the sandbox completes: enrolled, prepared, published, associated, verified; NDJSON throughout", async () => {
    const cwd = project("full");
    const run = await cvk(["migrate", "--env", "dev", "--sandbox", "--json", "--poll-interval", "50"], cwd);
    expect(run.code, run.stderr + run.stdout.slice(-2000)).toBe(0);
    for (const line of run.stdout.trim().split("\n")) expect(() => JSON.parse(line)).not.toThrow();
    expect(run.events.some((e) => e.step === "dev/enrollment/upload" && e.type === "progress")).toBe(true);
    const report = readReport(cwd);
    expect(report.outcome).toBe("succeeded");
    expect(report.enrollment.counts).toMatchObject({ NEW_ENROLLMENT: 7, FAILED: 1, EXCLUDED_IN_PLAN: 1 });
    expect(report.enrollment.byReason.map((r) => `${r.reason}:${r.stage}:${r.count}`)).toEqual([
      "FRAUDSTER_MATCH:job:1",
      "TOO_LITTLE_SPEECH:plan:1",
    ]);
    expect(report.flows).toEqual([
      expect.objectContaining({ name: "cvk Voice ID authentication", published: true }),
    ]);
    expect(report.verification?.passed).toBe(true);
    expect(existsSync(join(cwd, ".cvk/migrations/dev/report.html"))).toBe(true);
    expect(existsSync(join(cwd, ".cvk/migrations/dev/verification/junit.xml"))).toBe(true);
    fullRunReport = join(cwd, ".cvk/migrations/dev/report.html");

    // Re-running a finished migration changes nothing and says so in plain lines.
    const again = await cvk(["migrate", "--env", "dev", "--sandbox", "--no-progress"], cwd);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("migration of dev: succeeded");
    expect(again.stdout).toMatch(/flow "cvk Voice ID authentication": unchanged, published/);
    expect(again.stderr).toMatch(/^\d\d:\d\d:\d\d dev\/migrate: /m);
    const state = await sandboxState(join(cwd, ".cvk/sandbox"));
    expect(state.enrollmentJobs).toHaveLength(1);
    expect(state.registrationJobs).toHaveLength(1);
  }, 300_000);

  it("killed with SIGKILL mid-run and re-run, ends in the same state as an uninterrupted run", async () => {
    const base = mkdtempSync(join(tmpdir(), "cvk-migrate-crash-"));
    const args = ["migrate", "--env", "dev", "--sandbox", "--json", "--poll-interval", "50"];
    const referenceCwd = project("reference", base);
    const reference = await cvk(args, referenceCwd);
    expect(reference.code, reference.stderr).toBe(0);

    const random = seededRandom(20261124);
    const drawn = 4 + Math.floor(random() * 12);
    const killPoints: ((e: Event, i: number) => boolean)[] = [
      // Right after the fraudster registration job was started, before it was polled.
      (e) => e.step === "dev/fraudsters/jobs" && e.type === "info" && /job \S+ started/.test(e.message),
      // Mid-upload of the enrollment recordings.
      (e) => e.step === "dev/enrollment/upload" && e.type === "progress" && e.done >= 4,
      // The enrollment job started, not yet polled.
      (e) => e.step === "dev/enrollment/jobs" && e.type === "info" && /job \S+ started/.test(e.message),
      // The flow created (SAVED), not yet published.
      (e) => e.step === "dev/flows/flow deploy" && e.type === "info" && /^create /.test(e.message),
      // Seeded: somewhere early in a resumed invocation.
      (_e, i) => i === drawn,
    ];
    const crashCwd = project("crash", base);
    const invocations: Run[] = [];
    let finished: Run | undefined;
    for (let i = 0; i < 10 && !finished; i++) {
      const run = await cvk(args, crashCwd, killPoints[i] ? { kill: killPoints[i] } : {});
      invocations.push(run);
      console.log(
        `invocation ${i + 1}: ${run.killedAt ? `killed at ${run.killedAt}` : `exit ${run.code ?? run.signal}`}`,
      );
      if (run.killedAt) {
        expect(run.signal, run.stderr).toBe("SIGKILL");
        continue;
      }
      expect(run.stderr + run.stdout).not.toContain("INTERNAL");
      expect(run.code, run.stderr + run.stdout.slice(-2000)).toBe(0);
      finished = run;
    }
    expect(finished, "the migration never completed").toBeDefined();
    expect(invocations.filter((run) => run.killedAt).length).toBeGreaterThanOrEqual(4);
    const migration = finished?.data.migration?.[0] as { invocations: number; migrationId: string };
    expect(migration.invocations).toBeGreaterThan(1);

    const expected = await sandboxState(join(referenceCwd, ".cvk/sandbox"));
    const actual = await sandboxState(join(crashCwd, ".cvk/sandbox"));
    expect(actual.domains).toEqual(["cvk-test-dev"]);
    expect(actual.enrollmentJobs).toHaveLength(1);
    expect(actual.registrationJobs).toHaveLength(1);
    expect(actual.speakers).toEqual(expected.speakers);
    expect(Object.keys(actual.speakers)).toHaveLength(7);
    expect(actual.fraudsters).toBe(expected.fraudsters);
    expect(actual.flows).toEqual(expected.flows);
    expect(actual.flows[0]?.status).toBe("PUBLISHED");
    expect(actual.associations).toBe(1);
    const reportOf = (cwd: string) => {
      const r = readReport(cwd);
      return {
        outcome: r.outcome,
        counts: r.enrollment.counts,
        byReason: r.enrollment.byReason,
        verified: r.verification?.passed,
      };
    };
    expect(reportOf(crashCwd)).toEqual(reportOf(referenceCwd));
    rmSync(base, { recursive: true, force: true });
  }, 900_000);

  it("the HTML report renders in headless Chromium without console errors or network", async (context) => {
    const chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((path) => existsSync(path));
    if (!chromium) {
      console.log("skipped: Chromium is not installed (apt-get install chromium)");
      context.skip();
      return;
    }
    let report = fullRunReport;
    if (!report) {
      const cwd = project("for-chromium");
      const run = await cvk(["migrate", "--env", "dev", "--plan", "--sandbox", "--quiet"], cwd);
      expect(run.code, run.stderr).toBe(0);
      report = join(cwd, ".cvk/migrations/dev/dry-run/report.html");
    }
    const profile = mkdtempSync(join(tmpdir(), "cvk-chromium-"));
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (done, reject) => {
        const child = spawn(
          chromium,
          [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            `--user-data-dir=${profile}`,
            // Any attempt to reach the network fails (and would be logged).
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=2000",
            "--dump-dom",
            `file://${report}`,
          ],
          { stdio: ["ignore", "pipe", "pipe"] },
        );
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => {
          stdout += chunk.toString();
        });
        child.stderr.on("data", (chunk: Buffer) => {
          stderr += chunk.toString();
        });
        child.on("error", reject);
        child.on("close", (code) => done({ code, stdout, stderr }));
      },
    );
    rmSync(profile, { recursive: true, force: true });
    expect(result.code, result.stderr.slice(-3000)).toBe(0);
    // Chromium logs every console message (a CSP violation included) as INFO:CONSOLE.
    const consoleLines = result.stderr.split("\n").filter((line) => /:CONSOLE[:(]/.test(line));
    expect(consoleLines).toEqual([]);
    expect(result.stdout).toContain("<svg");
    expect(result.stdout).toContain("Net speech per caller");
    expect(result.stdout).toMatch(/cvk migration( plan)?: dev/);
  }, 300_000);

  it("--demo runs the demo's pipeline (here on a few of its callers) and ends with the summary", async () => {
    // A small copy of fixtures/demo: the demo code path, in seconds rather than the full demo's minute.
    const cwd = mkdtempSync(join(tmpdir(), "cvk-demo-"));
    const fixtures = join(cwd, "fixtures");
    mkdirSync(fixtures);
    const source = join(repoRoot, "fixtures/demo");
    copyFileSync(join(source, "cvk.config.yaml"), join(fixtures, "cvk.config.yaml"));
    copyFileSync(join(source, "fraudsters.csv"), join(fixtures, "fraudsters.csv"));
    const keep = [
      "caller-001",
      "caller-007",
      "caller-012",
      "caller-019",
      "caller-045",
      "caller-088",
      "caller-133",
    ];
    const callers = readFileSync(join(source, "callers.csv"), "utf8").split("\n");
    writeFileSync(
      join(fixtures, "callers.csv"),
      `${[callers[0], ...callers.filter((line) => keep.some((id) => line.startsWith(`${id},`)))].join("\n")}\n`,
    );
    const recordings = readFileSync(join(source, "recordings.csv"), "utf8").split("\n");
    writeFileSync(
      join(fixtures, "recordings.csv"),
      `${[recordings[0], ...recordings.filter((line) => keep.some((id) => line.startsWith(`${id}`)) || line.startsWith("fraudsters/"))].join("\n")}\n`,
    );
    const run = await cvk(["migrate", "--demo", "--no-progress"], cwd, {
      env: { CVK_DEMO_FIXTURES: fixtures },
    });
    expect(run.code, run.stderr.slice(-3000) + run.stdout.slice(-3000)).toBe(0);
    expect(run.stdout).toMatch(/demo finished in [\d.]+ s \(\d+ recordings synthesised first/);
    expect(run.stdout).toMatch(/flow published in dev and prod/);
    expect(run.stdout).toMatch(/dev\s+4\/7 callers enrolled \(not: /);
    expect(run.stdout).toContain("FRAUDSTER_MATCH 1");
    expect(run.stdout).toContain("TRUNCATED 1");
    expect(run.stdout).toContain("verification passed");
    expect(existsSync(join(cwd, ".cvk/demo/migrations/prod/report.html"))).toBe(true);
    rmSync(cwd, { recursive: true, force: true });
  }, 300_000);

  it("every command and subcommand's help has examples", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "cvk-help-"));
    const top = await cvk(["--help"], cwd);
    expect(top.stdout).toContain("cvk migrate");
    const commands = [...top.stdout.matchAll(/^ {2}cvk (\w[\w-]*)/gm)].map((m) => m[1] as string);
    expect(commands).toContain("migrate");
    for (const command of new Set(commands)) {
      const help = await cvk([command, "--help"], cwd);
      expect(help.stdout, `cvk ${command} --help`).toContain("Examples:");
      const subcommands = [...help.stdout.matchAll(new RegExp(`^ {2}cvk ${command} (\\w[\\w-]*)`, "gm"))].map(
        (m) => m[1] as string,
      );
      for (const sub of new Set(subcommands)) {
        const subHelp = await cvk([command, sub, "--help"], cwd);
        expect(subHelp.stdout, `cvk ${command} ${sub} --help`).toContain("Examples:");
      }
    }
  }, 300_000);
});
