import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DeleteIntegrationAssociationCommand,
  ListIntegrationAssociationsCommand,
  UpdateContactFlowContentCommand,
} from "@aws-sdk/client-connect";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import {
  DeleteSpeakerCommand,
  DescribeDomainCommand,
  OptOutSpeakerCommand,
  UpdateDomainCommand,
} from "@aws-sdk/client-voice-id";
import {
  type ConfiguredFlow,
  deployFlows,
  enableVoiceId,
  flowToDeploy,
  listContactFlows,
  renderConfiguredFlow,
  resolveVoiceIdDomain,
} from "@cvk/contact-flow";
import {
  type EnvironmentConfig,
  type EnvironmentSelection,
  loadConfigFile,
  ManualClock,
  selectEnvironment,
} from "@cvk/core";
import { runEnrollment } from "@cvk/enrollment";
import { SANDBOX_INSTANCE_ID, type SandboxOptions } from "@cvk/harness";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  INPUT_S3_URI,
  KMS_KEY,
  OUTPUT_S3_URI,
  ROLE_ARN,
  writeTestPlan,
} from "../../enrollment/src/run-fixtures/test-support.ts";
import { verifyEnvironment } from "./environment.ts";
import { readExpectedSpeakers } from "./expected.ts";
import { verifyFlows } from "./flows.ts";
import { verifyInstance } from "./instance.ts";
import { renderJunit } from "./renderers.ts";
import { buildReport, type VerificationCheck } from "./report.ts";
import { speakerSection } from "./sections.ts";
import { startTestSandbox, type TestSandbox } from "./test-support.ts";

// The "done when", at library level: a clean enrollment (runEnrollment), the flow deployed and
// Voice ID enabled pass every check; each single defect fails exactly the checks that name it. Every
// test starts from a copy of the same enrolled sandbox's data directory.

const DOMAIN = "cvk-verify";
const FLOW: ConfiguredFlow = {
  name: "cvk Voice ID authentication",
  template: "voiceid-sample-flow",
  type: "CONTACT_FLOW",
  publish: true,
  parameters: { customerId: "$.Attributes.customerSpeakerId", queue: "queue:BasicQueue" },
};
const CONFIG: EnvironmentConfig = {
  voiceId: { domain: { name: DOMAIN }, authenticationThreshold: 90, fraudThreshold: 50 },
  connect: { instanceId: SANDBOX_INSTANCE_ID, flows: [FLOW] },
};
/** The same settings as cvk.config.yaml, as the CLI reads them. */
function environment(config: EnvironmentConfig = CONFIG): EnvironmentSelection {
  const dir = mkdtempSync(join(tmpdir(), "cvk-verify-config-"));
  const path = join(dir, "cvk.config.yaml");
  // JSON is YAML: the config loader reads it as the CLI reads cvk.config.yaml.
  writeFileSync(path, JSON.stringify({ version: 1, environments: { dev: config } }));
  return selectEnvironment(loadConfigFile(path), "dev");
}
const NO_WAIT = { baseDelayMs: 0 };

let baseline: string;
let runDir: string;

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), "cvk-verify-e2e-"));
  baseline = join(root, "sandbox");
  runDir = join(root, "run");
  const planDir = join(root, "plan");
  writeTestPlan(planDir, {
    callers: [{ id: "alice" }, { id: "bob" }, { id: "carol" }, { id: "dave", seconds: 1 }],
    shardSize: 4,
  });
  const t = await startTestSandbox({ dataDir: baseline });
  try {
    for (const Bucket of [INPUT_S3_URI, OUTPUT_S3_URI].map((uri) => new URL(uri).hostname))
      await t.clients.s3.send(new CreateBucketCommand({ Bucket }));
    const run = await runEnrollment({
      planDir,
      runDir,
      clients: t.clients,
      domain: { name: DOMAIN, create: true, kmsKeyId: KMS_KEY },
      dataAccessRoleArn: ROLE_ARN,
      outputS3Uri: OUTPUT_S3_URI,
      pollIntervalMs: 0,
      clock: new ManualClock(),
    });
    // dave's second of audio is not enough to enroll: the run reports him FAILED, so he is not expected.
    expect(run.counts).toMatchObject({ NEW_ENROLLMENT: 3, FAILED: 1 });
    await deployFlows({
      connect: t.clients.connect,
      instanceId: SANDBOX_INSTANCE_ID,
      flows: [flowToDeploy(FLOW, renderConfiguredFlow({ flow: FLOW, config: CONFIG }).rendered)],
    });
    const domain = await resolveVoiceIdDomain(t.clients.voiceId, { name: DOMAIN });
    await enableVoiceId({
      connect: t.clients.connect,
      instanceId: SANDBOX_INSTANCE_ID,
      domainArn: domain.arn,
    });
  } finally {
    await t.stop();
  }
}, 120_000);

let t: TestSandbox | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

/** A sandbox on a fresh copy of the enrolled, deployed, enabled baseline. */
async function enrolled(options: SandboxOptions = {}): Promise<TestSandbox> {
  const dataDir = join(mkdtempSync(join(tmpdir(), "cvk-verify-copy-")), "sandbox");
  cpSync(baseline, dataDir, { recursive: true });
  t = await startTestSandbox({ ...options, dataDir });
  return t;
}

async function verifyAll(test: TestSandbox): Promise<VerificationCheck[]> {
  const report = await verifyEnvironment({
    environment: environment(),
    clients: test.clients,
    instanceId: SANDBOX_INSTANCE_ID,
    expected: runDir,
    retry: NO_WAIT,
  });
  expect(report.passed).toBe(report.summary.failed === 0);
  return report.checks;
}

function failing(checks: VerificationCheck[]): string[] {
  return checks.filter((check) => check.status === "fail").map((check) => check.id);
}

const SLUG = "cvk-voice-id-authentication";

describe("verify all (library, sandbox)", () => {
  it("passes after a clean enrollment, deploy and enable-voice-id; the JUnit report validates", async () => {
    const test = await enrolled();
    const checks = await verifyAll(test);
    expect(failing(checks)).toEqual([]);
    expect(checks.map((c) => c.id)).toEqual([
      "speakers.expected",
      "speakers.missing",
      "speakers.opted-out",
      "speakers.expired",
      "speakers.pending",
      "speakers.generated-id",
      "speakers.sample",
      `flow.${SLUG}.exists`,
      `flow.${SLUG}.published`,
      `flow.${SLUG}.content`,
      `flow.${SLUG}.voice-id`,
      `flow.${SLUG}.customer-id`,
      "instance.connect-instance",
      "instance.voice-id-domain",
      "instance.voice-id-domain-active",
      "instance.voice-id-domain-encryption",
      "instance.watchlists",
      "instance.voice-id-association",
    ]);
    expect(checks.find((c) => c.id === "speakers.expected")?.summary).toMatch(/^3 expected callers/);
    expect(checks.find((c) => c.id === "speakers.expected")?.details[0]).toContain("1 FAILED");
    const { junitProblems } = await import("./test-support.ts");
    expect(await junitProblems(renderJunit(buildReport(checks)))).toEqual([]);
  });

  it("a deleted speaker fails speakers.missing and nothing else", async () => {
    const test = await enrolled();
    const domain = await resolveVoiceIdDomain(test.clients.voiceId, { name: DOMAIN });
    await test.clients.voiceId.send(
      new DeleteSpeakerCommand({ DomainId: domain.domainId, SpeakerId: "alice" }),
    );
    const checks = await verifyAll(test);
    expect(failing(checks)).toEqual(["speakers.missing"]);
    const missing = checks.find((c) => c.id === "speakers.missing");
    expect(missing?.summary).toBe("1 of 3 expected callers is missing from the domain");
    expect(missing?.callers).toEqual([
      {
        customerSpeakerId: "al****ce",
        outcome: "MISSING",
        expectedGeneratedSpeakerId: expect.stringMatching(/^id#/),
      },
    ]);
    expect(JSON.stringify(checks)).not.toContain('"alice"');
  });

  it("an opted-out speaker fails speakers.opted-out and nothing else", async () => {
    const test = await enrolled();
    const domain = await resolveVoiceIdDomain(test.clients.voiceId, { name: DOMAIN });
    await test.clients.voiceId.send(
      new OptOutSpeakerCommand({ DomainId: domain.domainId, SpeakerId: "carol" }),
    );
    const checks = await verifyAll(test);
    expect(failing(checks)).toEqual(["speakers.opted-out"]);
    expect(checks.find((c) => c.id === "speakers.opted-out")?.callers?.[0]).toMatchObject({
      customerSpeakerId: "ca****ol",
      outcome: "OPTED_OUT",
    });
  });

  it("a changed threshold in the deployed flow fails the flow's content and Voice ID checks, both naming it", async () => {
    const test = await enrolled();
    await deployFlows({
      connect: test.clients.connect,
      instanceId: SANDBOX_INSTANCE_ID,
      flows: [
        flowToDeploy(
          FLOW,
          renderConfiguredFlow({ flow: FLOW, config: CONFIG, parameters: { authenticationThreshold: 95 } })
            .rendered,
        ),
      ],
    });
    const checks = await verifyAll(test);
    expect(failing(checks)).toEqual([`flow.${SLUG}.content`, `flow.${SLUG}.voice-id`]);
    const content = checks.find((c) => c.id === `flow.${SLUG}.content`);
    expect(content?.details[0]).toMatch(/VoiceAuthenticationThreshold \(action set-voice-id\): "95" → "90"/);
    expect(content?.summary).toContain("1 place(s)");
    expect(checks.find((c) => c.id === `flow.${SLUG}.voice-id`)?.summary).toBe(
      "the published content: VoiceAuthenticationThreshold is 95, expected 90 (from voiceId.authenticationThreshold in cvk.config.yaml)",
    );
  });

  it("a removed integration association fails instance.voice-id-association and nothing else", async () => {
    const test = await enrolled();
    const { connect } = test.clients;
    const { IntegrationAssociationSummaryList } = await connect.send(
      new ListIntegrationAssociationsCommand({
        InstanceId: SANDBOX_INSTANCE_ID,
        IntegrationType: "VOICE_ID",
      }),
    );
    await connect.send(
      new DeleteIntegrationAssociationCommand({
        InstanceId: SANDBOX_INSTANCE_ID,
        IntegrationAssociationId: IntegrationAssociationSummaryList?.[0]?.IntegrationAssociationId,
      }),
    );
    const checks = await verifyAll(test);
    expect(failing(checks)).toEqual(["instance.voice-id-association"]);
    expect(checks.find((c) => c.id === "instance.voice-id-association")?.summary).toBe(
      `instance ${SANDBOX_INSTANCE_ID} has no Voice ID domain associated`,
    );
  });

  it("30% injected throttling still gives the right verdict, clean and with one defect", async () => {
    const test = await enrolled({ faults: { seed: 11, global: { throttle: 0.3 } } });
    expect(failing(await verifyAll(test))).toEqual([]);
    test.sandbox.faults.clear();
    const domain = await resolveVoiceIdDomain(test.clients.voiceId, { name: DOMAIN });
    await test.clients.voiceId.send(
      new DeleteSpeakerCommand({ DomainId: domain.domainId, SpeakerId: "bob" }),
    );
    test.sandbox.faults.configure({ seed: 12, global: { throttle: 0.3 } });
    const checks = await verifyAll(test);
    expect(failing(checks), JSON.stringify(checks.filter((c) => c.status === "fail"))).toEqual([
      "speakers.missing",
    ]);
    expect(test.sandbox.faults.injected.throttle).toBeGreaterThan(0);
  }, 120_000);

  it("unpublished changes fail flow.published only: callers still get the published content", async () => {
    const test = await enrolled();
    const flowId = (await listContactFlows(test.clients.connect, SANDBOX_INSTANCE_ID)).find(
      (f) => f.name === FLOW.name,
    )?.id;
    const saved = renderConfiguredFlow({ flow: FLOW, config: CONFIG, parameters: { fraudThreshold: 70 } });
    const { canonicalJson } = await import("@cvk/contact-flow");
    const { loadReferenceCatalog, describeConnectInstance, resolveReferences } = await import(
      "@cvk/contact-flow"
    );
    const scope = await describeConnectInstance(test.clients.connect, SANDBOX_INSTANCE_ID);
    const catalog = await loadReferenceCatalog(test.clients.connect, scope);
    await test.clients.connect.send(
      new UpdateContactFlowContentCommand({
        InstanceId: SANDBOX_INSTANCE_ID,
        ContactFlowId: `${flowId}:$SAVED`,
        Content: canonicalJson(resolveReferences(saved.rendered.document, catalog).document, {
          compact: true,
        }),
      }),
    );
    const checks = await verifyAll(test);
    expect(failing(checks)).toEqual([`flow.${SLUG}.published`]);
    expect(checks.find((c) => c.id === `flow.${SLUG}.published`)?.summary).toBe(
      "it has unpublished changes (its saved content is newer)",
    );
  });

  it("a flow that is not deployed fails exists and skips the rest; a changed Customer ID fails customer-id", async () => {
    const test = await enrolled();
    const other: ConfiguredFlow = { ...FLOW, name: "not deployed" };
    const checks = await verifyFlows({
      connect: test.clients.connect,
      instanceId: SANDBOX_INSTANCE_ID,
      flows: [other, { ...FLOW, parameters: { ...FLOW.parameters, customerId: "$.Customer.ProfileId" } }],
      config: CONFIG,
      baseDir: tmpdir(),
      retry: NO_WAIT,
    });
    const status = Object.fromEntries(checks.map((c) => [c.id, c.status]));
    expect(status).toMatchObject({
      "flow.not-deployed.exists": "fail",
      "flow.not-deployed.published": "skip",
      "flow.not-deployed.content": "skip",
      [`flow.${SLUG}.exists`]: "pass",
      [`flow.${SLUG}.published`]: "pass",
      [`flow.${SLUG}.content`]: "fail",
      [`flow.${SLUG}.voice-id`]: "pass",
      [`flow.${SLUG}.customer-id`]: "fail",
    });
    expect(checks.find((c) => c.id === `flow.${SLUG}.customer-id`)?.summary).toBe(
      "the published content sets the Customer ID from $.Attributes.customerSpeakerId, not $.Customer.ProfileId",
    );
  });

  it("a domain re-encrypting fails the encryption check; a watchlist the config names must exist", async () => {
    const test = await enrolled({ jobs: { mode: "polls", describesPerStep: 100 } });
    const domain = await resolveVoiceIdDomain(test.clients.voiceId, { name: DOMAIN });
    await test.clients.voiceId.send(
      new UpdateDomainCommand({
        DomainId: domain.domainId,
        Name: DOMAIN,
        ServerSideEncryptionConfiguration: { KmsKeyId: "alias/rotated" },
      }),
    );
    const { Domain } = await test.clients.voiceId.send(
      new DescribeDomainCommand({ DomainId: domain.domainId }),
    );
    expect(Domain?.ServerSideEncryptionUpdateDetails?.UpdateStatus).toBe("IN_PROGRESS");
    const { checks } = await verifyInstance({
      connect: test.clients.connect,
      voiceId: test.clients.voiceId,
      instanceId: SANDBOX_INSTANCE_ID,
      domain: { name: DOMAIN },
      watchlists: ["known-fraudsters"],
      retry: NO_WAIT,
    });
    expect(failing(checks)).toEqual(["instance.voice-id-domain-encryption", "instance.watchlists"]);
    expect(checks.find((c) => c.id === "instance.voice-id-domain-encryption")?.summary).toBe(
      "re-encryption to alias/rotated is IN_PROGRESS",
    );
    expect(checks.find((c) => c.id === "instance.watchlists")?.summary).toBe("missing: known-fraudsters");
  });

  it("an unknown domain fails the domain checks instead of reporting every caller missing", async () => {
    const test = await enrolled();
    const expected = await readExpectedSpeakers(runDir);
    const { checks } = await speakerSection({
      voiceId: test.clients.voiceId,
      expected,
      domain: { name: "no-such-domain" },
      retry: NO_WAIT,
    });
    expect(checks.map((c) => [c.id, c.status])).toEqual([["speakers.domain", "fail"]]);
    expect(readFileSync(join(runDir, "report.json"), "utf8")).toContain('"domainId"');
  });
  it("configuration problems are usage errors (exit code 2) raised before any AWS call", async () => {
    const test = await enrolled();
    const env = environment();
    const noInstance = environment({ voiceId: CONFIG.voiceId, connect: { flows: [FLOW] } });
    const cases: [Parameters<typeof verifyEnvironment>[0], string][] = [
      [{ clients: test.clients, environment: noInstance, expected: runDir }, "CONFIG_INVALID"],
      [
        { scope: "instance", clients: test.clients, environment: environment({ connect: CONFIG.connect }) },
        "CONFIG_INVALID",
      ],
      [{ scope: "speakers", clients: test.clients, environment: env }, "USAGE"],
      [
        {
          scope: "flow",
          clients: test.clients,
          environment: env,
          instanceId: SANDBOX_INSTANCE_ID,
          flow: "nope",
        },
        "USAGE",
      ],
      [{ scope: "speakers", clients: test.clients, expected: runDir, sample: -1 }, "USAGE"],
      [{ scope: "instance", clients: test.clients }, "CONFIG_NOT_FOUND"],
    ];
    for (const [options, code] of cases) {
      const error = await verifyEnvironment(options).catch((e: unknown) => e);
      expect(error, code).toMatchObject({ code, exitCode: 2 });
    }
    expect(test.sandbox.log.entries()).toEqual([]);
  });
});
