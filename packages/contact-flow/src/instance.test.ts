import { SANDBOX_INSTANCE_ID } from "@cvk/harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployFlows } from "./deploy.ts";
import { renderConfiguredFlow } from "./environment.ts";
import { associatePhoneNumbers, enableVoiceId, resolveVoiceIdDomain } from "./instance.ts";
import { startTestSandbox, type TestSandbox } from "./test-support.ts";

let t: TestSandbox;
beforeAll(async () => {
  t = await startTestSandbox();
});
afterAll(() => t.stop());

const KMS = "arn:aws:kms:us-west-2:123456789012:key/11111111-2222-3333-4444-555555555555";
const writeCount = () => t.writes().length;

describe("resolveVoiceIdDomain", () => {
  it("finds a domain by name, creates it only when asked, and by id", async () => {
    const { voiceId } = t.clients;
    await expect(resolveVoiceIdDomain(voiceId, { name: "cvk-dev" })).rejects.toMatchObject({
      code: "AWS_NOT_FOUND",
    });
    await expect(resolveVoiceIdDomain(voiceId, { name: "cvk-dev", create: true })).rejects.toMatchObject({
      code: "CONFIG_INVALID",
    });
    const created = await resolveVoiceIdDomain(voiceId, { name: "cvk-dev", create: true, kmsKeyId: KMS });
    expect(created).toMatchObject({ name: "cvk-dev", created: true });
    expect(created.arn).toMatch(/^arn:aws:voiceid:us-west-2:123456789012:domain\/[A-Za-z0-9]{22}$/);
    expect(await resolveVoiceIdDomain(voiceId, { name: "cvk-dev", create: true, kmsKeyId: KMS })).toEqual({
      ...created,
      created: false,
    });
    expect(await resolveVoiceIdDomain(voiceId, { id: created.domainId })).toMatchObject({ arn: created.arn });
  });
});

describe("enableVoiceId", () => {
  it("associates the domain once; again is a no-op; another domain is a clear error", async () => {
    const { voiceId, connect } = t.clients;
    const domain = await resolveVoiceIdDomain(voiceId, { name: "cvk-dev" });
    const dry = await enableVoiceId({
      connect,
      instanceId: SANDBOX_INSTANCE_ID,
      domainArn: domain.arn,
      dryRun: true,
    });
    expect(dry.outcome).toBe("would-associate");

    const before = writeCount();
    const first = await enableVoiceId({ connect, instanceId: SANDBOX_INSTANCE_ID, domainArn: domain.arn });
    expect(first).toMatchObject({ outcome: "associated", associationId: expect.any(String) });
    expect(writeCount() - before).toBe(1);
    const second = await enableVoiceId({ connect, instanceId: SANDBOX_INSTANCE_ID, domainArn: domain.arn });
    expect(second).toMatchObject({ outcome: "already-associated", associationId: first.associationId });
    expect(writeCount() - before).toBe(1);

    const other = await resolveVoiceIdDomain(voiceId, { name: "cvk-other", create: true, kmsKeyId: KMS });
    const beforeConflict = writeCount();
    await expect(
      enableVoiceId({ connect, instanceId: SANDBOX_INSTANCE_ID, domainArn: other.arn }),
    ).rejects.toMatchObject({
      code: "VOICE_ID_DOMAIN_CONFLICT",
      message: expect.stringContaining(domain.arn),
      hint: expect.stringContaining(`--integration-association-id ${first.associationId}`),
    });
    expect(writeCount()).toBe(beforeConflict);
  });
});

describe("associatePhoneNumbers", () => {
  it("points a claimed number at a flow by name, and names what is missing", async () => {
    const { connect } = t.clients;
    const flow = renderConfiguredFlow({
      flow: {
        name: "inbound",
        template: "voiceid-sample-flow",
        parameters: { customerId: "$.CustomerEndpoint.Address" },
      },
    });
    await deployFlows({
      connect,
      instanceId: SANDBOX_INSTANCE_ID,
      flows: [{ name: "inbound", publish: true, document: flow.rendered.document }],
    });
    const number = t.sandbox.engine.connect.instanceResources().phoneNumbers[0];
    const results = await associatePhoneNumbers({
      connect,
      instanceId: SANDBOX_INSTANCE_ID,
      numbers: [{ number: number?.phoneNumber ?? "", flow: "inbound" }],
    });
    expect(results).toEqual([expect.objectContaining({ outcome: "associated", flow: "inbound" })]);
    const after = t.sandbox.engine.connect.instanceResources();
    const inbound = after.flows.find((f) => f.name === "inbound");
    expect(after.phoneNumbers[0]?.contactFlowId).toBe(inbound?.id);

    await expect(
      associatePhoneNumbers({
        connect,
        instanceId: SANDBOX_INSTANCE_ID,
        numbers: [{ number: "+19995550100", flow: "inbound" }],
      }),
    ).rejects.toMatchObject({ code: "AWS_NOT_FOUND", message: expect.stringContaining("+19995550100") });
    await expect(
      associatePhoneNumbers({
        connect,
        instanceId: SANDBOX_INSTANCE_ID,
        numbers: [{ number: number?.phoneNumber ?? "", flow: "nope" }],
      }),
    ).rejects.toMatchObject({ code: "AWS_NOT_FOUND", hint: expect.stringContaining("cvk flow deploy") });
  });
});
