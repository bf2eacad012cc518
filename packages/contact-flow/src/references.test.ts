import { SANDBOX_INSTANCE_ID } from "@cvk/harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JsonValue } from "./canonical.ts";
import {
  assertResolved,
  describeConnectInstance,
  findNameReferences,
  loadReferenceCatalog,
  ReferenceCatalog,
  resolveReferences,
} from "./references.ts";
import { startTestSandbox, type TestSandbox } from "./test-support.ts";

let t: TestSandbox;
beforeAll(async () => {
  t = await startTestSandbox();
});
afterAll(() => t.stop());

const doc = (queue: string, extra: Record<string, JsonValue> = {}): JsonValue => ({
  Version: "2019-10-30",
  StartAction: "q",
  Metadata: { ActionMetadata: { q: { queue: { id: queue, text: "BasicQueue" } } } },
  Actions: [
    { Identifier: "q", Type: "UpdateContactTargetQueue", Parameters: { QueueId: queue }, Transitions: {} },
    {
      Identifier: "p",
      Type: "MessageParticipant",
      Parameters: { PromptId: "prompt:Beep.wav" },
      Transitions: {},
    },
  ],
  ...extra,
});

describe("name references", () => {
  it("finds references by value only, with JSON pointers, in Parameters and Metadata", () => {
    expect(findNameReferences(doc("queue:BasicQueue"))).toEqual([
      { kind: "queue", name: "BasicQueue", pointer: "/Metadata/ActionMetadata/q/queue/id" },
      { kind: "queue", name: "BasicQueue", pointer: "/Actions/0/Parameters/QueueId" },
      { kind: "prompt", name: "Beep.wav", pointer: "/Actions/1/Parameters/PromptId" },
    ]);
    expect(findNameReferences({ Text: "Queue: BasicQueue", Other: "queue:" })).toEqual([]);
  });

  it("resolves every reference on the instance through the List APIs, everywhere in the document", async () => {
    const { connect } = t.clients;
    const resources = t.sandbox.engine.connect.instanceResources();
    const scope = await describeConnectInstance(connect, SANDBOX_INSTANCE_ID);
    expect(scope).toMatchObject({
      instanceId: SANDBOX_INSTANCE_ID,
      region: "us-west-2",
      accountId: "123456789012",
    });
    const catalog = await loadReferenceCatalog(connect, scope);
    const resolution = resolveReferences(
      doc("queue:BasicQueue", { Extra: { flow: "flow:Default queue transfer" } }),
      catalog,
    );
    assertResolved(resolution, "test");
    const basic = resources.queues.find((q) => q.name === "BasicQueue")?.arn;
    const beep = resources.prompts.find((p) => p.name === "Beep.wav")?.arn;
    const transfer = resources.flows.find((f) => f.name === "Default queue transfer")?.arn;
    const resolved = resolution.document as {
      Metadata: JsonValue;
      Actions: { Parameters: JsonValue }[];
      Extra: JsonValue;
    };
    expect(resolved.Metadata).toEqual({
      ActionMetadata: { q: { queue: { id: basic, text: "BasicQueue" } } },
    });
    expect(resolved.Actions.map((a) => a.Parameters)).toEqual([{ QueueId: basic }, { PromptId: beep }]);
    expect(resolved.Extra).toEqual({ flow: transfer });
    expect(resolution.resolved).toHaveLength(4);
    expect(resolution.foreignArns).toEqual([]);
  });

  it("pages through ListLambdaFunctions (25 per page) and matches a function by name", async () => {
    const { connect } = t.clients;
    for (let i = 0; i < 30; i++) t.sandbox.engine.connect.addLambdaFunction({ name: `fn-${i}` });
    const before = t.sandbox.log.count("ListLambdaFunctions");
    const scope = await describeConnectInstance(connect, SANDBOX_INSTANCE_ID);
    const catalog = await loadReferenceCatalog(connect, scope, ["lambda"]);
    expect(t.sandbox.log.count("ListLambdaFunctions") - before).toBe(2);
    expect(catalog.entries("lambda")).toHaveLength(30);
    const resolution = resolveReferences({ LambdaFunctionARN: "lambda:fn-29" }, catalog);
    expect(resolution.document).toEqual({
      LambdaFunctionARN: "arn:aws:lambda:us-west-2:123456789012:function:fn-29",
    });
  });

  it("fails closed listing every unresolved name with its pointer and look-alikes", async () => {
    const { connect } = t.clients;
    const scope = await describeConnectInstance(connect, SANDBOX_INSTANCE_ID);
    const catalog = await loadReferenceCatalog(connect, scope);
    const resolution = resolveReferences(
      { a: "queue:basicqueue", b: ["prompt:Nope.wav"], c: { d: "flow:Missing flow" } },
      catalog,
    );
    expect(resolution.unresolved.map((u) => u.pointer)).toEqual(["/a", "/b/0", "/c/d"]);
    expect(resolution.unresolved[0]?.suggestions).toEqual(["BasicQueue"]);
    expect(() => assertResolved(resolution, "flow X")).toThrow(
      expect.objectContaining({
        code: "FLOW_REFERENCE_UNRESOLVED",
        message: expect.stringContaining("queue:basicqueue, prompt:Nope.wav, flow:Missing flow"),
        details: expect.objectContaining({
          problems: [
            "/a: queue:basicqueue not found (did you mean BasicQueue?)",
            "/b/0: prompt:Nope.wav not found",
            "/c/d: flow:Missing flow not found",
          ],
        }),
      }),
    );
  });

  it("fails closed on any ARN of another account, Region or instance left in the document", () => {
    const scope = {
      instanceId: "11111111-2222-3333-4444-555555555555",
      instanceArn: "arn:aws:connect:us-west-2:111122223333:instance/11111111-2222-3333-4444-555555555555",
      region: "us-west-2",
      accountId: "111122223333",
    };
    const catalog = new ReferenceCatalog(scope, { queue: [] });
    const own = `${scope.instanceArn}/queue/q1`;
    const resolution = resolveReferences(
      {
        ok: own,
        otherInstance:
          "arn:aws:connect:us-west-2:111122223333:instance/99999999-2222-3333-4444-555555555555/queue/q1",
        otherAccount: "arn:aws:lambda:us-west-2:444455556666:function:f",
        otherRegion: "arn:aws:lex:eu-west-2:111122223333:bot-alias/A/B",
        Metadata: {
          ActionMetadata: {
            x: { contactFlow: { id: "arn:aws:connect:us-east-1:111122223333:instance/x/contact-flow/y" } },
          },
        },
        inText: `<speak>${own}</speak>`,
      },
      catalog,
    );
    expect(resolution.foreignArns.map((f) => f.pointer)).toEqual([
      "/otherInstance",
      "/otherAccount",
      "/otherRegion",
      "/Metadata/ActionMetadata/x/contactFlow/id",
    ]);
    expect(resolution.foreignArns[1]?.reason).toContain("account 444455556666");
    expect(() => assertResolved(resolution, "flow X")).toThrow(
      expect.objectContaining({ code: "FLOW_FOREIGN_ARN" }),
    );
  });

  it("offline leaves names as written and lists literal ARNs", () => {
    const resolution = resolveReferences(
      { q: "queue:BasicQueue", a: "arn:aws:connect:us-west-2:111122223333:instance/i" },
      undefined,
    );
    expect(resolution.offline).toBe(true);
    expect(resolution.document).toEqual({
      q: "queue:BasicQueue",
      a: "arn:aws:connect:us-west-2:111122223333:instance/i",
    });
    expect(resolution.literalArns).toHaveLength(1);
    expect(() => assertResolved(resolution, "x")).not.toThrow();
  });

  it("says which instance is missing", async () => {
    await expect(
      describeConnectInstance(t.clients.connect, "00000000-0000-4000-8000-000000000000"),
    ).rejects.toThrow(
      expect.objectContaining({ code: "AWS_NOT_FOUND", hint: expect.stringContaining("connect.instanceId") }),
    );
  });
});
