import { DescribeContactFlowCommand } from "@aws-sdk/client-connect";
import type { CvkError } from "@cvk/core";
import { SANDBOX_INSTANCE_ID } from "@cvk/harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JsonValue } from "./canonical.ts";
import { deployFlows, describeDeployedFlow, type FlowToDeploy } from "./deploy.ts";
import { diffFlows } from "./diff.ts";
import { renderConfiguredFlow } from "./environment.ts";
import { describeConnectInstance, findNameReferences, loadReferenceCatalog } from "./references.ts";
import { startTestSandbox, type TestSandbox } from "./test-support.ts";

let t: TestSandbox;
beforeAll(async () => {
  t = await startTestSandbox();
});
afterAll(() => t.stop());

const FLOW = {
  name: "cvk Voice ID authentication",
  template: "voiceid-sample-flow",
  type: "CONTACT_FLOW" as const,
  parameters: {
    customerId: "$.Attributes.customerSpeakerId",
    queue: "queue:BasicQueue",
    welcomePrompt: "prompt:Beep.wav",
  },
};

function rendered(parameters: Record<string, unknown> = {}, config?: { voiceId: Record<string, number> }) {
  return renderConfiguredFlow({ flow: FLOW, parameters, ...(config ? { config } : {}) }).rendered.document;
}

function voiceIdFlow(parameters: Record<string, unknown> = {}, publish = true): FlowToDeploy {
  return { name: FLOW.name, type: "CONTACT_FLOW", publish, document: rendered(parameters) };
}

/** The write calls the sandbox answered while `run` ran. */
async function writesDuring(run: () => Promise<unknown>): Promise<string[]> {
  const before = t.writes().length;
  await run();
  return t
    .writes()
    .slice(before)
    .map((w) => w.operation);
}

async function content(instanceId: string, flowId: string): Promise<JsonValue> {
  const { ContactFlow } = await t.clients.connect.send(
    new DescribeContactFlowCommand({ InstanceId: instanceId, ContactFlowId: flowId }),
  );
  return JSON.parse(ContactFlow?.Content ?? "null") as JsonValue;
}

describe("rendering per environment", () => {
  it("gives dev and prod flows that differ only in the resolved references", async () => {
    const engine = t.sandbox.engine.connect;
    const dev = engine.createInstance({ alias: "cvk-dev" });
    const prod = engine.createInstance({ alias: "cvk-prod" });
    const config = { voiceId: { authenticationThreshold: 90 } };
    const unresolved = rendered({}, config);
    const flows = [];
    for (const instance of [dev, prod]) {
      const scope = await describeConnectInstance(t.clients.connect, instance.id);
      const catalog = await loadReferenceCatalog(t.clients.connect, scope);
      flows.push(renderConfiguredFlow({ flow: FLOW, config, catalog }));
    }
    const [devFlow, prodFlow] = flows as [
      ReturnType<typeof renderConfiguredFlow>,
      ReturnType<typeof renderConfiguredFlow>,
    ];
    expect(devFlow.rendered.document).toEqual(unresolved);
    expect(prodFlow.rendered.document).toEqual(unresolved);
    const referencePointers = findNameReferences(unresolved).map((r) => r.pointer);
    expect(referencePointers.length).toBeGreaterThanOrEqual(4); // QueueId, PromptId and both in Metadata
    const diff = diffFlows(devFlow.resolution.document, prodFlow.resolution.document, {
      includeLayout: true,
    });
    expect(diff.changes.map((c) => c.pointer).sort()).toEqual([...referencePointers].sort());
    for (const change of diff.changes) {
      expect(change.before).toContain(`instance/${dev.id}/`);
      expect(change.after).toContain(`instance/${prod.id}/`);
    }
  });
});

describe("deployFlows", () => {
  const instanceId = SANDBOX_INSTANCE_ID;

  it("creates SAVED then publishes; a second deploy makes no write calls", async () => {
    let result: Awaited<ReturnType<typeof deployFlows>> | undefined;
    const first = await writesDuring(async () => {
      result = await deployFlows({ connect: t.clients.connect, instanceId, flows: [voiceIdFlow()] });
    });
    expect(first).toEqual(["CreateContactFlow", "UpdateContactFlowContent"]);
    const deployed = result?.flows[0];
    expect(deployed).toMatchObject({ outcome: "created", publish: true });
    expect(result?.writes.map((w) => [w.operation, w.status])).toEqual([
      ["CreateContactFlow", "SAVED"],
      ["UpdateContactFlowContent", "PUBLISHED"],
    ]);
    const flow = t.sandbox.engine.connect.instanceResources().flows.find((f) => f.name === FLOW.name);
    expect(flow?.status).toBe("PUBLISHED");
    const published = await content(instanceId, flow?.id ?? "");
    expect(JSON.stringify(published)).toContain(
      t.sandbox.engine.connect.instanceResources().queues.find((q) => q.name === "BasicQueue")?.arn,
    );

    let again: Awaited<ReturnType<typeof deployFlows>> | undefined;
    const second = await writesDuring(async () => {
      again = await deployFlows({ connect: t.clients.connect, instanceId, flows: [voiceIdFlow()] });
    });
    expect(second).toEqual([]);
    expect(again?.flows[0]).toMatchObject({ outcome: "unchanged", writes: [], changes: [] });
  });

  it("a changed threshold is a one-field diff, then one update", async () => {
    const scope = await describeConnectInstance(t.clients.connect, instanceId);
    const catalog = await loadReferenceCatalog(t.clients.connect, scope);
    const changed = renderConfiguredFlow({
      flow: FLOW,
      parameters: { authenticationThreshold: 95 },
      catalog,
    });
    const deployed = await describeDeployedFlow(t.clients.connect, instanceId, FLOW.name);
    const diff = diffFlows(deployed?.content ?? null, changed.resolution.document);
    expect(diff.changes).toEqual([
      expect.objectContaining({
        kind: "changed",
        actionIdentifier: "set-voice-id",
        pointer: expect.stringMatching(/^\/Actions\/\d+\/Parameters\/VoiceAuthenticationThreshold$/),
        before: "90",
        after: "95",
      }),
    ]);

    let result: Awaited<ReturnType<typeof deployFlows>> | undefined;
    const writes = await writesDuring(async () => {
      result = await deployFlows({
        connect: t.clients.connect,
        instanceId,
        flows: [voiceIdFlow({ authenticationThreshold: 95 })],
      });
    });
    expect(writes).toEqual(["UpdateContactFlowContent"]);
    expect(result?.flows[0]).toMatchObject({ outcome: "published" });
    expect(result?.flows[0]?.changes).toHaveLength(1);
    expect(
      await writesDuring(() =>
        deployFlows({
          connect: t.clients.connect,
          instanceId,
          flows: [voiceIdFlow({ authenticationThreshold: 95 })],
        }),
      ),
    ).toEqual([]);
  });

  it("without publish saves to :$SAVED and leaves the published version alone; --dry-run writes nothing", async () => {
    const flowId = (await describeDeployedFlow(t.clients.connect, instanceId, FLOW.name))?.id ?? "";
    let plan: Awaited<ReturnType<typeof deployFlows>> | undefined;
    const dry = await writesDuring(async () => {
      plan = await deployFlows({
        connect: t.clients.connect,
        instanceId,
        flows: [voiceIdFlow({ authenticationThreshold: 80 }, false)],
        dryRun: true,
      });
    });
    expect(dry).toEqual([]);
    expect(plan?.writes).toEqual([
      expect.objectContaining({
        operation: "UpdateContactFlowContent",
        status: "SAVED",
        summary: expect.stringContaining("not published"),
      }),
    ]);

    const saved = await writesDuring(() =>
      deployFlows({
        connect: t.clients.connect,
        instanceId,
        flows: [voiceIdFlow({ authenticationThreshold: 80 }, false)],
      }),
    );
    expect(saved).toEqual(["UpdateContactFlowContent"]);
    const published = JSON.stringify(await content(instanceId, flowId));
    const latest = JSON.stringify(await content(instanceId, `${flowId}:$SAVED`));
    expect(published).toContain('"VoiceAuthenticationThreshold":"95"');
    expect(latest).toContain('"VoiceAuthenticationThreshold":"80"');
    // Publishing the same content now is one write: the saved content is not yet published.
    expect(
      await writesDuring(() =>
        deployFlows({
          connect: t.clients.connect,
          instanceId,
          flows: [voiceIdFlow({ authenticationThreshold: 80 })],
        }),
      ),
    ).toEqual(["UpdateContactFlowContent"]);
  });

  it("sets a changed description with UpdateContactFlowMetadata only", async () => {
    const flow = { ...voiceIdFlow({ authenticationThreshold: 80 }), description: "Voice ID, set by cvk" };
    expect(
      await writesDuring(() => deployFlows({ connect: t.clients.connect, instanceId, flows: [flow] })),
    ).toEqual(["UpdateContactFlowMetadata"]);
    expect(
      await writesDuring(() => deployFlows({ connect: t.clients.connect, instanceId, flows: [flow] })),
    ).toEqual([]);
  });

  it("surfaces every problem of a flow Connect refuses to publish", async () => {
    const broken: JsonValue = {
      Version: "2019-10-30",
      StartAction: "check",
      Metadata: {},
      Actions: [
        {
          Identifier: "check",
          Type: "CheckVoiceId",
          Parameters: { CheckVoiceIdOption: "voiceAuthentication" },
          Transitions: {
            NextAction: "end",
            Conditions: [
              { NextAction: "end", Condition: { Operator: "Equals", Operands: ["Not Enrolled"] } },
            ],
            Errors: [{ ErrorType: "NoMatchingError", NextAction: "nowhere" }],
          },
        },
        {
          Identifier: "voice",
          Type: "UpdateContactData",
          Parameters: { IsVoiceIdStreamingEnabled: "TRUE", VoiceAuthenticationThreshold: "101" },
          Transitions: { NextAction: "end" },
        },
        { Identifier: "end", Type: "DisconnectParticipant", Parameters: {}, Transitions: {} },
      ],
    };
    const flows = [{ name: "broken flow", publish: true, document: broken }];
    // The linter stops it before any write...
    let linted: CvkError | undefined;
    expect(
      await writesDuring(() =>
        deployFlows({ connect: t.clients.connect, instanceId, flows }).catch((error: CvkError) => {
          linted = error;
        }),
      ),
    ).toEqual([]);
    expect(linted).toMatchObject({ code: "FLOW_INVALID", message: expect.stringContaining("linter") });

    // ...and without it, Connect's own problems list comes back whole.
    let refused: CvkError | undefined;
    const writes = await writesDuring(() =>
      deployFlows({ connect: t.clients.connect, instanceId, flows, lint: false }).catch((error: CvkError) => {
        refused = error;
      }),
    );
    expect(writes).toEqual(["CreateContactFlow", "UpdateContactFlowContent"]);
    expect(refused?.code).toBe("FLOW_INVALID");
    const problems = refused?.details?.problems as string[];
    expect(problems.length).toBeGreaterThanOrEqual(4);
    expect(problems.join("\n")).toMatch(/Not Enrolled/);
    expect(problems.join("\n")).toMatch(/nowhere/);
    expect(problems.join("\n")).toMatch(/VoiceAuthenticationThreshold/);
    expect(refused?.message).toContain('Connect refused to publish flow "broken flow"');
    for (const problem of problems) expect(refused?.message).toContain(problem);
    // The flow stays, SAVED, for inspection.
    expect(
      t.sandbox.engine.connect.instanceResources().flows.find((f) => f.name === "broken flow")?.status,
    ).toBe("SAVED");
  });

  it("creates flows that name each other: placeholders first, then the real content", async () => {
    const transfer = (to: string): JsonValue => ({
      Version: "2019-10-30",
      StartAction: "go",
      Metadata: {
        ActionMetadata: { go: { position: { x: 1, y: 1 }, contactFlow: { id: `flow:${to}`, text: to } } },
      },
      Actions: [
        {
          Identifier: "go",
          Type: "TransferToFlow",
          Parameters: { ContactFlowId: `flow:${to}` },
          Transitions: { NextAction: "end", Errors: [{ ErrorType: "NoMatchingError", NextAction: "end" }] },
        },
        { Identifier: "end", Type: "DisconnectParticipant", Parameters: {}, Transitions: {} },
      ],
    });
    const flows = [
      { name: "ping", publish: true, document: transfer("pong") },
      { name: "pong", publish: true, document: transfer("ping") },
    ];
    const plan = await deployFlows({ connect: t.clients.connect, instanceId, flows, dryRun: true });
    expect(plan.writes.map((w) => w.operation)).toEqual([
      "CreateContactFlow",
      "CreateContactFlow",
      "UpdateContactFlowContent",
      "UpdateContactFlowContent",
    ]);
    const writes = await writesDuring(() => deployFlows({ connect: t.clients.connect, instanceId, flows }));
    expect(writes).toEqual(plan.writes.map((w) => w.operation));
    const all = t.sandbox.engine.connect.instanceResources().flows;
    const ping = all.find((f) => f.name === "ping");
    const pong = all.find((f) => f.name === "pong");
    const pingContent = JSON.stringify(await content(instanceId, ping?.id ?? ""));
    expect(pingContent).toContain(`"ContactFlowId":"${pong?.arn}"`);
    expect(pingContent).toContain(`"contactFlow":{"id":"${pong?.arn}"`);
    expect(await writesDuring(() => deployFlows({ connect: t.clients.connect, instanceId, flows }))).toEqual(
      [],
    );
  });

  it("refuses, before writing, a flow of another type under the same name, and unresolved names", async () => {
    const flow = { ...voiceIdFlow(), name: "Default customer queue" };
    const writes = await writesDuring(async () => {
      await expect(
        deployFlows({ connect: t.clients.connect, instanceId, flows: [flow] }),
      ).rejects.toMatchObject({
        code: "FLOW_CONFLICT",
      });
      await expect(
        deployFlows({
          connect: t.clients.connect,
          instanceId,
          flows: [{ ...voiceIdFlow({ queue: "queue:NoSuchQueue" }), name: "new flow" }],
        }),
      ).rejects.toMatchObject({ code: "FLOW_REFERENCE_UNRESOLVED" });
    });
    expect(writes).toEqual([]);
  });
});
