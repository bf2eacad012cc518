import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  type ConnectClient,
  DeleteIntegrationAssociationCommand,
  ListIntegrationAssociationsCommand,
} from "@aws-sdk/client-connect";
import {
  DeleteSpeakerCommand,
  ListDomainsCommand,
  OptOutSpeakerCommand,
  type VoiceIDClient,
} from "@aws-sdk/client-voice-id";
import { createAwsClients } from "@cvk/core";
import { createSandbox, serveSandbox } from "@cvk/harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTestPlan } from "../../enrollment/src/run-fixtures/test-support.ts";
import { junitProblems } from "../../verification/src/test-support.ts";
import { cvk } from "./cvk-bin.ts";

// Black-box: the built binary (`npx turbo run build --filter=@cvk/cli...` first) against the embedded
// sandbox. One workspace is enrolled (`cvk enroll run`), deployed (`cvk flow deploy`) and enabled
// (`cvk instance enable-voice-id`) once; every test starts from a copy of that sandbox state, makes
// one change with the real SDK (or the CLI) and checks `cvk verify all` names exactly that change.

const INSTANCE = "11111111-2222-3333-4444-555555555555";
const CONFIG = `version: 1
environments:
  dev:
    region: us-west-2
    accountId: "123456789012"
    voiceId:
      domain:
        name: cvk-verify-cli
        create: true
        kmsKeyId: arn:aws:kms:us-west-2:123456789012:key/11111111-2222-3333-4444-555555555555
      authenticationThreshold: 90
    enrollment:
      inputS3Uri: s3://cvk-in/enroll
      outputS3Uri: s3://cvk-out/results/
      dataAccessRoleArn: arn:aws:iam::123456789012:role/VoiceIdBatchAccess
    connect:
      instanceId: ${INSTANCE}
      flows:
        - name: cvk Voice ID authentication
          template: voiceid-sample-flow
          type: CONTACT_FLOW
          publish: true
          parameters:
            customerId: $.Attributes.customerSpeakerId
            queue: queue:BasicQueue
`;
const SLUG = "cvk-voice-id-authentication";

let cwd: string;
let runDir: string;
let baseline: string;
const sandboxDir = () => join(cwd, ".cvk/sandbox");

beforeAll(() => {
  cwd = mkdtempSync(join(tmpdir(), "cvk-verify-cli-"));
  writeFileSync(join(cwd, "cvk.config.yaml"), CONFIG);
  // The embedded sandbox needs the documented 30 s of net speech: two 25 s recordings per caller.
  writeTestPlan(join(cwd, "plan"), {
    callers: ["alice", "bob", "carol"].map((id) => ({ id, seconds: 25, recordings: 2 })),
    shardSize: 3,
  });
  for (const args of [
    ["enroll", "run", "plan", "--sandbox", "--poll-interval", "50"],
    ["flow", "deploy", "--env", "dev", "--sandbox"],
    ["instance", "enable-voice-id", "--env", "dev", "--sandbox"],
  ]) {
    const result = cvk([...args, "--no-progress"], cwd);
    expect(result.code, `${args.join(" ")}: ${result.stderr}`).toBe(0);
  }
  runDir = join(".cvk/runs", readdirSync(join(cwd, ".cvk/runs"))[0] as string);
  baseline = join(cwd, "baseline");
  cpSync(sandboxDir(), baseline, { recursive: true });
}, 180_000);

/** Puts the sandbox back to the enrolled, deployed, enabled state. */
function restore(): void {
  rmSync(sandboxDir(), { recursive: true, force: true });
  cpSync(baseline, sandboxDir(), { recursive: true });
}

/** Opens the workspace's sandbox state in this process and changes it with the real SDK. */
async function change(
  work: (clients: { voiceId: VoiceIDClient; connect: ConnectClient; domainId: string }) => Promise<unknown>,
): Promise<void> {
  const sandbox = createSandbox({ dataDir: sandboxDir() });
  const server = await serveSandbox(sandbox, { host: "127.0.0.1", port: 0 });
  const clients = await createAwsClients({
    region: "us-west-2",
    endpoint: server.url,
    credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test" },
    limiter: false,
  });
  try {
    const { DomainSummaries } = await clients.voiceId.send(new ListDomainsCommand({}));
    const domainId = DomainSummaries?.find((d) => d.Name === "cvk-verify-cli")?.DomainId as string;
    await work({ voiceId: clients.voiceId, connect: clients.connect, domainId });
  } finally {
    clients.destroy();
    await server.close();
    sandbox.close();
  }
}

interface ReportLine {
  passed: boolean;
  summary: { total: number; failed: number };
  checks: { id: string; status: string; summary: string; details: string[] }[];
}

function verifyJson(extra: string[] = []): { code: number | null; report: ReportLine; stdout: string } {
  const result = cvk(
    ["verify", "all", "--env", "dev", "--sandbox", "--expected", runDir, "--json", ...extra],
    cwd,
  );
  const lines = result.stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { type?: string } & ReportLine);
  const report = lines.find((line) => line.type === "verify-report") as ReportLine;
  expect(report, result.stdout + result.stderr).toBeDefined();
  return { code: result.code, report, stdout: result.stdout };
}

function failing(report: ReportLine): string[] {
  return report.checks.filter((check) => check.status === "fail").map((check) => check.id);
}

describe("cvk verify (black-box, --sandbox)", () => {
  it("passes after a clean enrollment, deploy and enable-voice-id; writes a valid JUnit file and Markdown", async () => {
    restore();
    const result = cvk(
      [
        "verify",
        "all",
        "--env",
        "dev",
        "--sandbox",
        "--expected",
        runDir,
        "--sample",
        "2",
        "--junit",
        "out/verify.xml",
        "--markdown",
        "out/verify.md",
        "--no-progress",
      ],
      cwd,
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^STATUS\s+CHECK\s+RESULT$/m);
    expect(result.stdout).toMatch(/^pass\s+speakers\.missing\s+none of 3 expected callers$/m);
    expect(result.stdout).toMatch(/^pass\s+speakers\.sample\s+2 sampled callers read the same both ways$/m);
    expect(result.stdout).toContain("18 check(s): 18 passed, 0 failed, 0 skipped");
    const xml = readFileSync(join(cwd, "out/verify.xml"), "utf8");
    expect(await junitProblems(xml)).toEqual([]);
    expect(xml.match(/<testcase /g)).toHaveLength(18);
    expect(xml).not.toContain("<failure");
    expect(readFileSync(join(cwd, "out/verify.md"), "utf8").split("\n")[0]).toBe(
      "## cvk verify — dev: ✅ passed",
    );
    // Files are replaced whole: no temporary siblings left behind.
    expect(readdirSync(join(cwd, "out")).sort()).toEqual(["verify.md", "verify.xml"]);
  });

  it("a deleted speaker: exit 1 naming speakers.missing only, the id masked unless --show-ids", async () => {
    restore();
    await change(({ voiceId, domainId }) =>
      voiceId.send(new DeleteSpeakerCommand({ DomainId: domainId, SpeakerId: "alice" })),
    );
    const table = cvk(
      ["verify", "all", "--env", "dev", "--sandbox", "--expected", runDir, "--no-progress"],
      cwd,
    );
    expect(table.code).toBe(1);
    expect(table.stderr).toContain("cvk: CHECK_FAILED: 1 of 18 checks failed: speakers.missing");
    expect(table.stderr).toContain("hint:");
    expect(table.stdout).toMatch(
      /^FAIL\s+speakers\.missing\s+1 of 3 expected callers is missing from the domain$/m,
    );
    expect(table.stdout).toContain("al****ce");
    expect(table.stdout).not.toContain("alice");
    const { code, report } = verifyJson(["--show-ids", "--junit", "failed.xml"]);
    expect(code).toBe(1);
    expect(failing(report)).toEqual(["speakers.missing"]);
    expect(report.checks.find((c) => c.id === "speakers.missing")?.details[0]).toMatch(/^alice /);
    const xml = readFileSync(join(cwd, "failed.xml"), "utf8");
    expect(await junitProblems(xml)).toEqual([]);
    expect(xml.match(/<failure /g)).toHaveLength(1);
    expect(xml).toContain('type="speakers.missing"');
  });

  it("an opted-out speaker: exit 1 naming speakers.opted-out only", async () => {
    restore();
    await change(({ voiceId, domainId }) =>
      voiceId.send(new OptOutSpeakerCommand({ DomainId: domainId, SpeakerId: "bob" })),
    );
    const { code, report } = verifyJson();
    expect(code).toBe(1);
    expect(failing(report)).toEqual(["speakers.opted-out"]);
  });

  it("a changed threshold in the deployed flow: exit 1 naming that threshold in the flow's checks only", () => {
    restore();
    const deploy = cvk(
      [
        "flow",
        "deploy",
        "--env",
        "dev",
        "--sandbox",
        "--param",
        "authenticationThreshold=95",
        "--no-progress",
      ],
      cwd,
    );
    expect(deploy.code, deploy.stderr).toBe(0);
    const { code, report } = verifyJson();
    expect(code).toBe(1);
    expect(failing(report)).toEqual([`flow.${SLUG}.content`, `flow.${SLUG}.voice-id`]);
    for (const check of report.checks.filter((c) => c.status === "fail"))
      expect(`${check.summary}\n${check.details.join("\n")}`).toContain("VoiceAuthenticationThreshold");
    expect(report.checks.find((c) => c.id === `flow.${SLUG}.voice-id`)?.summary).toContain(
      "VoiceAuthenticationThreshold is 95, expected 90",
    );
  });

  it("a removed integration association: exit 1 naming instance.voice-id-association only", async () => {
    restore();
    await change(async ({ connect }) => {
      const { IntegrationAssociationSummaryList } = await connect.send(
        new ListIntegrationAssociationsCommand({ InstanceId: INSTANCE, IntegrationType: "VOICE_ID" }),
      );
      await connect.send(
        new DeleteIntegrationAssociationCommand({
          InstanceId: INSTANCE,
          IntegrationAssociationId: IntegrationAssociationSummaryList?.[0]?.IntegrationAssociationId,
        }),
      );
    });
    const { code, report } = verifyJson();
    expect(code).toBe(1);
    expect(failing(report)).toEqual(["instance.voice-id-association"]);
  });

  it("usage and input errors exit 2 before any check", () => {
    restore();
    const noExpected = cvk(["verify", "speakers", "--env", "dev", "--sandbox"], cwd);
    expect(noExpected.code).toBe(2);
    expect(noExpected.stderr).toContain("cvk: USAGE: cvk verify speakers needs --expected");
    const missing = cvk(["verify", "all", "--env", "dev", "--sandbox", "--expected", "nope"], cwd);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("INPUT_NOT_FOUND");
    const strategy = cvk(["verify", "all", "--env", "dev", "--sandbox", "--strategy", "guess"], cwd);
    expect(strategy.code).toBe(2);
    const bare = cvk(["verify"], cwd);
    expect(bare.code).toBe(2);
  });
});

// --- --endpoint-url against `cvk sandbox serve` with 30% of requests throttled ----------------------

const bin = resolve(import.meta.dirname, "../bin/cvk.js");
const running: ChildProcess[] = [];
afterAll(() => {
  for (const child of running.splice(0)) child.kill("SIGKILL");
});

function serve(dataDir: string, faults: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [bin, "sandbox", "serve", "--port", "0", "--data-dir", dataDir, "--faults", faults],
    { env: { PATH: process.env.PATH ?? "", HOME: cwd } },
  );
  running.push(child);
  let stdout = "";
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  return new Promise((resolvePromise, reject) => {
    child.stdout?.on("data", (d) => {
      stdout += d;
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match?.[1]) resolvePromise({ url: match[1], child });
    });
    child.on("exit", (code) => reject(new Error(`cvk sandbox serve exited ${code}: ${stderr}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolvePromise) => {
    child.on("exit", () => resolvePromise());
    child.kill("SIGTERM");
  });
}

/** `cvk` with static credentials: --endpoint-url goes through the SDK's default credential chain. */
function cvkWithCredentials(args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    encoding: "utf8",
    env: {
      PATH: process.env.PATH ?? "",
      HOME: cwd,
      AWS_ACCESS_KEY_ID: "AKIDTEST",
      AWS_SECRET_ACCESS_KEY: "test",
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("cvk verify --endpoint-url (black-box, cvk sandbox serve, 30% throttling)", () => {
  it("gives the right verdict through injected throttling: 0 when clean, 1 naming a deleted speaker", async () => {
    restore();
    const faults = join(cwd, "faults.json");
    writeFileSync(faults, JSON.stringify({ seed: 7, global: { throttle: 0.3 } }));
    const served = await serve(sandboxDir(), faults);
    try {
      const args = [
        "verify",
        "all",
        "--env",
        "dev",
        "--endpoint-url",
        served.url,
        "--expected",
        runDir,
        "--json",
      ];
      const clean = cvkWithCredentials(args);
      expect(clean.code, clean.stdout + clean.stderr).toBe(0);
      const { VoiceIDClient } = await import("@aws-sdk/client-voice-id");
      const voiceId = new VoiceIDClient({
        region: "us-west-2",
        endpoint: served.url,
        credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test" },
        maxAttempts: 20,
      });
      try {
        const { DomainSummaries } = await voiceId.send(new ListDomainsCommand({}));
        const domainId = DomainSummaries?.find((d) => d.Name === "cvk-verify-cli")?.DomainId;
        await voiceId.send(new DeleteSpeakerCommand({ DomainId: domainId, SpeakerId: "carol" }));
      } finally {
        voiceId.destroy();
      }
      const broken = cvkWithCredentials(args);
      expect(broken.code, broken.stderr).toBe(1);
      const report = broken.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as { type?: string } & ReportLine)
        .find((line) => line.type === "verify-report") as ReportLine;
      expect(failing(report)).toEqual(["speakers.missing"]);
    } finally {
      await stop(served.child);
    }
    expect(existsSync(sandboxDir())).toBe(true);
  }, 180_000);
});
