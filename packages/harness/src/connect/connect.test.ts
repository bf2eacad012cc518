import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AssociatePhoneNumberContactFlowCommand,
  type ConnectClient,
  ContactFlowNotPublishedException,
  CreateContactFlowCommand,
  CreateIntegrationAssociationCommand,
  DeleteContactFlowCommand,
  DeleteIntegrationAssociationCommand,
  DescribeContactFlowCommand,
  DescribeInstanceCommand,
  DuplicateResourceException,
  InvalidContactFlowException,
  InvalidParameterException,
  InvalidRequestException,
  LimitExceededException,
  ListContactFlowsCommand,
  ListInstancesCommand,
  ListIntegrationAssociationsCommand,
  ListLambdaFunctionsCommand,
  ListPhoneNumbersV2Command,
  ListPromptsCommand,
  ListQueuesCommand,
  ListUsersCommand,
  paginateListContactFlows,
  ResourceNotFoundException,
  ThrottlingException,
  UpdateContactFlowContentCommand,
  UpdateContactFlowMetadataCommand,
  UpdateContactFlowNameCommand,
} from "@aws-sdk/client-connect";
import { CreateDomainCommand } from "@aws-sdk/client-voice-id";
import { ManualClock } from "@cvk/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StartedSandbox, startSandbox, TRANSPORTS } from "../test-support.ts";
import {
  type ConnectEngine,
  SANDBOX_INSTANCE_ALIAS,
  SANDBOX_INSTANCE_ID,
  validateFlowContent,
} from "./index.ts";

const START = Date.UTC(2026, 0, 1);
const ACCOUNT = "123456789012";
const DOMAIN_ARN = `arn:aws:voiceid:us-west-2:${ACCOUNT}:domain/AbCdEfGhIjKlMnOpQrStUv`;
const REFERENCE_FLOWS = join(import.meta.dirname, "../../../../../shared/reference/flows");

/** A small valid flow: a greeting, then hang up. */
function greeting(text = "Hello"): string {
  return JSON.stringify({
    Version: "2019-10-30",
    StartAction: "greet",
    Actions: [
      {
        Identifier: "greet",
        Type: "MessageParticipant",
        Parameters: { Text: text },
        Transitions: { NextAction: "bye", Errors: [{ ErrorType: "NoMatchingError", NextAction: "bye" }] },
      },
      { Identifier: "bye", Type: "DisconnectParticipant", Parameters: {}, Transitions: {} },
    ],
  });
}

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

type SdkError = Error & { $metadata: { httpStatusCode?: number } };

async function failure(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise;
  } catch (error) {
    return error as SdkError;
  }
  throw new Error("expected the call to fail");
}

for (const transport of TRANSPORTS) {
  describe(transport, () => {
    let started: StartedSandbox;
    let connect: ConnectClient;
    let engine: ConnectEngine;

    beforeAll(async () => {
      started = await startSandbox(transport, { clock: new ManualClock(START) });
      connect = started.clients.connect;
      engine = started.sandbox.engine.connect;
    });
    afterAll(async () => {
      await started.stop();
    });

    describe("instances and what a fresh instance holds", () => {
      it("lists and describes the seeded instance, with epoch-second timestamps", async () => {
        const listed = await connect.send(new ListInstancesCommand({}));
        const summary = listed.InstanceSummaryList?.find((instance) => instance.Id === SANDBOX_INSTANCE_ID);
        expect(summary?.InstanceAlias).toBe(SANDBOX_INSTANCE_ALIAS);
        expect(summary?.Arn).toBe(`arn:aws:connect:us-west-2:${ACCOUNT}:instance/${SANDBOX_INSTANCE_ID}`);
        const described = await connect.send(
          new DescribeInstanceCommand({ InstanceId: SANDBOX_INSTANCE_ID }),
        );
        expect(described.Instance?.InstanceStatus).toBe("ACTIVE");
        expect(described.Instance?.CreatedTime?.toISOString()).toBe("2026-01-01T00:00:00.000Z");
      });

      it("lists an instance created through the engine", async () => {
        const prod = engine.createInstance({ alias: "cvk-prod" });
        const listed = await connect.send(new ListInstancesCommand({}));
        expect(listed.InstanceSummaryList?.map((instance) => instance.InstanceAlias)).toContain("cvk-prod");
        const described = await connect.send(new DescribeInstanceCommand({ InstanceId: prod.arn }));
        expect(described.Instance?.Id).toBe(prod.id);
      });

      it("keeps instances regional: one in eu-west-2 is not found from us-west-2", async () => {
        const dublin = engine.createInstance({ alias: `cvk-eu-${transport}`, region: "eu-west-2" });
        expect(dublin.arn).toBe(`arn:aws:connect:eu-west-2:${ACCOUNT}:instance/${dublin.id}`);
        const error = await failure(connect.send(new DescribeInstanceCommand({ InstanceId: dublin.id })));
        expect(error).toBeInstanceOf(ResourceNotFoundException);
        const listed = await connect.send(new ListInstancesCommand({}));
        expect(listed.InstanceSummaryList?.map((instance) => instance.Id)).not.toContain(dublin.id);
      });

      it("seeds the BasicQueue, the default prompts and the default flows, all published", async () => {
        const queues = await connect.send(
          new ListQueuesCommand({ InstanceId: SANDBOX_INSTANCE_ID, QueueTypes: ["STANDARD"] }),
        );
        expect(queues.QueueSummaryList?.map((queue) => [queue.Name, queue.QueueType])).toContainEqual([
          "BasicQueue",
          "STANDARD",
        ]);
        expect(queues.QueueSummaryList?.[0]?.LastModifiedTime?.getTime()).toBe(START);
        const prompts = await connect.send(new ListPromptsCommand({ InstanceId: SANDBOX_INSTANCE_ID }));
        expect(prompts.PromptSummaryList?.map((prompt) => prompt.Name)).toEqual(
          expect.arrayContaining([
            "Beep.wav",
            "CustomerHold.wav",
            "CustomerQueue.wav",
            "Music_Jazz_MyTimeLapse_Inst.wav",
          ]),
        );
        const flows = await connect.send(new ListContactFlowsCommand({ InstanceId: SANDBOX_INSTANCE_ID }));
        const byName = new Map(flows.ContactFlowSummaryList?.map((flow) => [flow.Name, flow]));
        expect(byName.get("Default customer queue")?.ContactFlowType).toBe("CUSTOMER_QUEUE");
        expect(byName.get("Sample inbound flow (first contact experience)")?.ContactFlowType).toBe(
          "CONTACT_FLOW",
        );
        for (const name of ["Default agent whisper", "Default customer hold", "Default outbound"])
          expect(byName.has(name)).toBe(true);
        expect(flows.ContactFlowSummaryList?.every((flow) => flow.ContactFlowStatus === "PUBLISHED")).toBe(
          true,
        );
      });

      it("seeds flows whose content passes the publish validation of their own instance", async () => {
        const resolver = engine.flowReferenceResolver();
        for (const flow of engine.instanceResources().flows) {
          const described = await connect.send(
            new DescribeContactFlowCommand({ InstanceId: SANDBOX_INSTANCE_ID, ContactFlowId: flow.id }),
          );
          expect(validateFlowContent(described.ContactFlow?.Content ?? "", resolver), flow.name).toEqual([]);
        }
      });

      it("filters the flow list by type", async () => {
        const listed = await connect.send(
          new ListContactFlowsCommand({
            InstanceId: SANDBOX_INSTANCE_ID,
            ContactFlowTypes: ["CUSTOMER_QUEUE", "CUSTOMER_HOLD"],
          }),
        );
        const types = new Set(listed.ContactFlowSummaryList?.map((flow) => flow.ContactFlowType));
        expect([...types].sort()).toEqual(["CUSTOMER_HOLD", "CUSTOMER_QUEUE"]);
      });

      it("lists the claimed phone number by instance id and by target ARN", async () => {
        const byInstance = await connect.send(
          new ListPhoneNumbersV2Command({ InstanceId: SANDBOX_INSTANCE_ID }),
        );
        const number = byInstance.ListPhoneNumbersSummaryList?.[0];
        expect(number?.PhoneNumber).toMatch(/^\+1\d{10}$/);
        expect(number?.InstanceId).toBe(SANDBOX_INSTANCE_ID);
        const added = engine.addPhoneNumber({ phoneNumber: "+14155550142", type: "TOLL_FREE" });
        const byTarget = await connect.send(
          new ListPhoneNumbersV2Command({ TargetArn: number?.TargetArn, PhoneNumberTypes: ["TOLL_FREE"] }),
        );
        expect(byTarget.ListPhoneNumbersSummaryList?.map((n) => [n.PhoneNumberId, n.PhoneNumber])).toEqual([
          [added.id, "+14155550142"],
        ]);
      });

      it("lists associated Lambda functions, none at first", async () => {
        const other = engine.createInstance({ alias: "cvk-lambda-check" });
        const empty = await connect.send(new ListLambdaFunctionsCommand({ InstanceId: other.id }));
        expect(empty.LambdaFunctions ?? []).toEqual([]);
        const arn = engine.addLambdaFunction({ name: "lookup-customer", instanceId: other.id });
        const listed = await connect.send(new ListLambdaFunctionsCommand({ InstanceId: other.id }));
        expect(listed.LambdaFunctions).toEqual([arn]);
        expect(arn).toBe(`arn:aws:lambda:us-west-2:${ACCOUNT}:function:lookup-customer`);
      });
    });

    describe("a flow's life", () => {
      it("saves without publishing, then publishes, keeping saved and published apart", async () => {
        const first = greeting("Hello from the saved flow");
        const created = await connect.send(
          new CreateContactFlowCommand({
            InstanceId: SANDBOX_INSTANCE_ID,
            Name: "verification-saved",
            Type: "CONTACT_FLOW",
            Content: first,
            Status: "SAVED",
          }),
        );
        expect(created.FlowContentSha256).toBe(sha256(first));
        // The request log names the flow the Create made (distinct ids count what was created).
        expect(started.sandbox.log.entries({ operation: "CreateContactFlow" }).at(-1)?.resource).toBe(
          created.ContactFlowId,
        );
        expect(created.ContactFlowArn).toBe(
          `arn:aws:connect:us-west-2:${ACCOUNT}:instance/${SANDBOX_INSTANCE_ID}/contact-flow/${created.ContactFlowId}`,
        );
        const id = created.ContactFlowId ?? "";

        const saved = await connect.send(
          new DescribeContactFlowCommand({ InstanceId: SANDBOX_INSTANCE_ID, ContactFlowId: `${id}:$SAVED` }),
        );
        expect(saved.ContactFlow?.Status).toBe("SAVED");
        expect(saved.ContactFlow?.Content).toBe(first);
        expect(saved.ContactFlow?.LastModifiedTime?.getTime()).toBe(START);

        const unpublished = await failure(
          connect.send(
            new DescribeContactFlowCommand({ InstanceId: SANDBOX_INSTANCE_ID, ContactFlowId: id }),
          ),
        );
        expect(unpublished).toBeInstanceOf(ContactFlowNotPublishedException);
        expect(unpublished.$metadata.httpStatusCode).toBe(404);

        // The plain id publishes (validating); `:$SAVED` saves a draft on top.
        await connect.send(
          new UpdateContactFlowContentCommand({
            InstanceId: SANDBOX_INSTANCE_ID,
            ContactFlowId: id,
            Content: first,
          }),
        );
        const second = greeting("A draft not yet live");
        await connect.send(
          new UpdateContactFlowContentCommand({
            InstanceId: SANDBOX_INSTANCE_ID,
            ContactFlowId: `${id}:$SAVED`,
            Content: second,
          }),
        );
        const live = await connect.send(
          new DescribeContactFlowCommand({ InstanceId: SANDBOX_INSTANCE_ID, ContactFlowId: id }),
        );
        expect(live.ContactFlow?.Status).toBe("PUBLISHED");
        expect(live.ContactFlow?.Content).toBe(first);
        const draft = await connect.send(
          new DescribeContactFlowCommand({ InstanceId: SANDBOX_INSTANCE_ID, ContactFlowId: `${id}:$SAVED` }),
        );
        expect(draft.ContactFlow?.Content).toBe(second);
        expect(draft.ContactFlow?.FlowContentSha256).toBe(sha256(second));
        expect(draft.ContactFlow?.Status).toBe("SAVED");
        const byArn = await connect.send(
          new DescribeContactFlowCommand({
            InstanceId: SANDBOX_INSTANCE_ID,
            ContactFlowId: `${created.ContactFlowArn}:$SAVED`,
          }),
        );
        expect(byArn.ContactFlow?.Content).toBe(second);
        const version = await connect.send(
          new DescribeContactFlowCommand({ InstanceId: SANDBOX_INSTANCE_ID, ContactFlowId: `${id}:1` }),
        );
        expect(version.ContactFlow?.Version).toBe(1);
        expect(version.ContactFlow?.Content).toBe(first);
      });

      it("refuses to publish an invalid flow, naming the bad action in `problems`", async () => {
        const broken = JSON.parse(greeting()) as { Actions: { Transitions: Record<string, unknown> }[] };
        const first = broken.Actions[0];
        if (first) first.Transitions = { NextAction: "good-bye" };
        const error = await failure(
          connect.send(
            new CreateContactFlowCommand({
              InstanceId: SANDBOX_INSTANCE_ID,
              Name: "verification-broken",
              Type: "CONTACT_FLOW",
              Content: JSON.stringify(broken),
            }),
          ),
        );
        expect(error).toBeInstanceOf(InvalidContactFlowException);
        expect(error.$metadata.httpStatusCode).toBe(400);
        const problems = (error as InvalidContactFlowException).problems ?? [];
        expect(problems.map((problem) => problem.message)).toEqual([
          expect.stringContaining('Action "greet"'),
        ]);
        expect(problems[0]?.message).toContain('"good-bye"');
        const listed = await connect.send(new ListContactFlowsCommand({ InstanceId: SANDBOX_INSTANCE_ID }));
        expect(listed.ContactFlowSummaryList?.map((flow) => flow.Name)).not.toContain("verification-broken");
      });

      it("saves an unpublishable draft as SAVED, but never content that is not JSON", async () => {
        const draft = JSON.stringify({ Version: "2019-10-30", StartAction: "todo", Actions: [] });
        const created = await connect.send(
          new CreateContactFlowCommand({
            InstanceId: SANDBOX_INSTANCE_ID,
            Name: "draft-only",
            Type: "CONTACT_FLOW",
            Content: draft,
            Status: "SAVED",
          }),
        );
        const publish = await failure(
          connect.send(
            new UpdateContactFlowContentCommand({
              InstanceId: SANDBOX_INSTANCE_ID,
              ContactFlowId: created.ContactFlowId,
              Content: draft,
            }),
          ),
        );
        expect(publish).toBeInstanceOf(InvalidContactFlowException);
        expect((publish as InvalidContactFlowException).problems?.[0]?.message).toContain(
          'StartAction "todo"',
        );
        const notJson = await failure(
          connect.send(
            new CreateContactFlowCommand({
              InstanceId: SANDBOX_INSTANCE_ID,
              Name: "not-json",
              Type: "CONTACT_FLOW",
              Content: "{",
              Status: "SAVED",
            }),
          ),
        );
        expect(notJson).toBeInstanceOf(InvalidContactFlowException);
      });

      it("renames and archives, refusing a name another flow has", async () => {
        const created = await connect.send(
          new CreateContactFlowCommand({
            InstanceId: SANDBOX_INSTANCE_ID,
            Name: "to-rename",
            Type: "CONTACT_FLOW",
            Content: greeting(),
          }),
        );
        const id = created.ContactFlowId ?? "";
        await connect.send(
          new UpdateContactFlowNameCommand({
            InstanceId: SANDBOX_INSTANCE_ID,
            ContactFlowId: id,
            Name: "renamed",
            Description: "after",
          }),
        );
        await connect.send(
          new UpdateContactFlowMetadataCommand({
            InstanceId: SANDBOX_INSTANCE_ID,
            ContactFlowId: id,
            ContactFlowState: "ARCHIVED",
          }),
        );
        const described = await connect.send(
          new DescribeContactFlowCommand({ InstanceId: SANDBOX_INSTANCE_ID, ContactFlowId: id }),
        );
        expect([
          described.ContactFlow?.Name,
          described.ContactFlow?.Description,
          described.ContactFlow?.State,
        ]).toEqual(["renamed", "after", "ARCHIVED"]);
        const listed = await connect.send(new ListContactFlowsCommand({ InstanceId: SANDBOX_INSTANCE_ID }));
        expect(listed.ContactFlowSummaryList?.find((flow) => flow.Id === id)?.ContactFlowState).toBe(
          "ARCHIVED",
        );

        const clash = await failure(
          connect.send(
            new UpdateContactFlowNameCommand({
              InstanceId: SANDBOX_INSTANCE_ID,
              ContactFlowId: id,
              Name: "Default outbound",
            }),
          ),
        );
        expect(clash).toBeInstanceOf(DuplicateResourceException);
        expect(clash.$metadata.httpStatusCode).toBe(409);
        const again = await failure(
          connect.send(
            new CreateContactFlowCommand({
              InstanceId: SANDBOX_INSTANCE_ID,
              Name: "renamed",
              Type: "CONTACT_FLOW",
              Content: greeting(),
            }),
          ),
        );
        expect(again).toBeInstanceOf(DuplicateResourceException);
      });

      it("deletes a flow", async () => {
        const created = await connect.send(
          new CreateContactFlowCommand({
            InstanceId: SANDBOX_INSTANCE_ID,
            Name: "to-delete",
            Type: "CONTACT_FLOW",
            Content: greeting(),
          }),
        );
        await connect.send(
          new DeleteContactFlowCommand({
            InstanceId: SANDBOX_INSTANCE_ID,
            ContactFlowId: created.ContactFlowId,
          }),
        );
        const gone = await failure(
          connect.send(
            new DescribeContactFlowCommand({
              InstanceId: SANDBOX_INSTANCE_ID,
              ContactFlowId: created.ContactFlowId,
            }),
          ),
        );
        expect(gone).toBeInstanceOf(ResourceNotFoundException);
        const twice = await failure(
          connect.send(
            new DeleteContactFlowCommand({
              InstanceId: SANDBOX_INSTANCE_ID,
              ContactFlowId: created.ContactFlowId,
            }),
          ),
        );
        expect(twice).toBeInstanceOf(ResourceNotFoundException);
      });

      it("answers ResourceNotFoundException for an unknown instance or flow", async () => {
        const instance = await failure(
          connect.send(new ListContactFlowsCommand({ InstanceId: "00000000-0000-4000-8000-000000000000" })),
        );
        expect(instance).toBeInstanceOf(ResourceNotFoundException);
        expect(instance.$metadata.httpStatusCode).toBe(404);
        const flow = await failure(
          connect.send(
            new DescribeContactFlowCommand({
              InstanceId: SANDBOX_INSTANCE_ID,
              ContactFlowId: "00000000-0000-4000-8000-000000000000",
            }),
          ),
        );
        expect(flow).toBeInstanceOf(ResourceNotFoundException);
        expect(flow.message).toContain("00000000-0000-4000-8000-000000000000");
      });

      it("refuses a flow ARN of another instance at publish, and accepts its own", async () => {
        const prodFlow = engine.instanceResources(engine.createInstance({ alias: "cvk-foreign" }).id)
          .flows[0];
        const transfer = (flowId: string) =>
          JSON.stringify({
            Version: "2019-10-30",
            StartAction: "go",
            Actions: [
              {
                Identifier: "go",
                Type: "TransferToFlow",
                Parameters: { ContactFlowId: flowId },
                Transitions: {
                  NextAction: "bye",
                  Errors: [{ ErrorType: "NoMatchingError", NextAction: "bye" }],
                },
              },
              { Identifier: "bye", Type: "DisconnectParticipant", Parameters: {}, Transitions: {} },
            ],
          });
        const error = await failure(
          connect.send(
            new CreateContactFlowCommand({
              InstanceId: SANDBOX_INSTANCE_ID,
              Name: "foreign-transfer",
              Type: "CONTACT_FLOW",
              Content: transfer(prodFlow?.arn ?? ""),
            }),
          ),
        );
        expect((error as InvalidContactFlowException).problems?.[0]?.message).toContain(
          "names a flow of another instance",
        );
        const own = engine.instanceResources().flows[0];
        const created = await connect.send(
          new CreateContactFlowCommand({
            InstanceId: SANDBOX_INSTANCE_ID,
            Name: "own-transfer",
            Type: "CONTACT_FLOW",
            Content: transfer(own?.arn ?? ""),
          }),
        );
        expect(created.ContactFlowId).toBeTruthy();
      });
    });

    describe("listing and quotas", () => {
      it("pages 150 flows at MaxResults 40, each exactly once, and filters by type across pages", async () => {
        const big = engine.createInstance({ alias: `cvk-paging-${transport}` });
        engine.setContactFlowQuota(200, big.id);
        const created: string[] = [];
        for (let i = 0; i < 150; i++) {
          const out = await connect.send(
            new CreateContactFlowCommand({
              InstanceId: big.id,
              Name: `flow-${i}`,
              Type: i % 3 === 0 ? "CUSTOMER_QUEUE" : "CONTACT_FLOW",
              Content: greeting(`flow ${i}`),
              Status: "SAVED",
            }),
          );
          created.push(out.ContactFlowId ?? "");
        }
        const seen: string[] = [];
        const pageSizes: number[] = [];
        for await (const page of paginateListContactFlows(
          { client: connect, pageSize: 40 },
          { InstanceId: big.id },
        )) {
          pageSizes.push(page.ContactFlowSummaryList?.length ?? 0);
          for (const flow of page.ContactFlowSummaryList ?? []) seen.push(flow.Id ?? "");
        }
        const seeded = engine.instanceResources(big.id).flows.length - 150;
        expect(seeded).toBe(9);
        expect(pageSizes).toEqual([40, 40, 40, 39]);
        expect(new Set(seen).size).toBe(seen.length);
        expect(seen).toEqual(expect.arrayContaining(created));
        expect(seen).toHaveLength(150 + seeded);

        const queueFlows: string[] = [];
        for await (const page of paginateListContactFlows(
          { client: connect, pageSize: 7 },
          { InstanceId: big.id, ContactFlowTypes: ["CUSTOMER_QUEUE"] },
        )) {
          for (const flow of page.ContactFlowSummaryList ?? []) {
            expect(flow.ContactFlowType).toBe("CUSTOMER_QUEUE");
            queueFlows.push(flow.Id ?? "");
          }
        }
        expect(queueFlows).toHaveLength(50 + 1); // every third created flow, plus the seeded Default customer queue
        expect(new Set(queueFlows).size).toBe(queueFlows.length);
      });

      it("refuses a page size out of range and a token from another listing", async () => {
        const tooBig = await failure(
          connect.send(new ListContactFlowsCommand({ InstanceId: SANDBOX_INSTANCE_ID, MaxResults: 1001 })),
        );
        expect(tooBig).toBeInstanceOf(InvalidParameterException);
        const first = await connect.send(
          new ListContactFlowsCommand({ InstanceId: SANDBOX_INSTANCE_ID, MaxResults: 1 }),
        );
        expect(first.NextToken).toBeTruthy();
        const mismatched = await failure(
          connect.send(
            new ListContactFlowsCommand({
              InstanceId: SANDBOX_INSTANCE_ID,
              ContactFlowTypes: ["AGENT_HOLD"],
              NextToken: first.NextToken,
            }),
          ),
        );
        expect(mismatched).toBeInstanceOf(InvalidParameterException);
        const garbage = await failure(
          connect.send(
            new ListContactFlowsCommand({ InstanceId: SANDBOX_INSTANCE_ID, NextToken: "not-a-token" }),
          ),
        );
        expect(garbage).toBeInstanceOf(InvalidParameterException);
      });

      it("stops at 100 flows per instance, the seeded ones included", async () => {
        const full = engine.createInstance({ alias: `cvk-quota-${transport}` });
        const seeded = engine.instanceResources(full.id).flows.length;
        for (let i = seeded; i < 100; i++) {
          await connect.send(
            new CreateContactFlowCommand({
              InstanceId: full.id,
              Name: `quota-${i}`,
              Type: "CONTACT_FLOW",
              Content: greeting(),
              Status: "SAVED",
            }),
          );
        }
        const over = await failure(
          connect.send(
            new CreateContactFlowCommand({
              InstanceId: full.id,
              Name: "one-too-many",
              Type: "CONTACT_FLOW",
              Content: greeting(),
            }),
          ),
        );
        expect(over).toBeInstanceOf(LimitExceededException);
        expect(over.$metadata.httpStatusCode).toBe(429);
        expect(engine.instanceResources(full.id).flows).toHaveLength(100);
      });
    });

    describe("integration associations", () => {
      /** A real domain in this sandbox's Voice ID, as CreateIntegrationAssociation requires. */
      async function createDomain(name: string): Promise<string> {
        const created = await started.clients.voiceId.send(
          new CreateDomainCommand({
            Name: name,
            ServerSideEncryptionConfiguration: { KmsKeyId: "alias/cvk" },
          }),
        );
        return created.Domain?.Arn ?? "";
      }

      it("associates one Voice ID domain per instance, lists with filters, and deletes", async () => {
        const instance = engine.createInstance({ alias: `cvk-voiceid-${transport}` });
        const DOMAIN_ARN = await createDomain(`first-${transport}`);
        const OTHER_DOMAIN_ARN = await createDomain(`second-${transport}`);
        const created = await connect.send(
          new CreateIntegrationAssociationCommand({
            InstanceId: instance.id,
            IntegrationType: "VOICE_ID",
            IntegrationArn: DOMAIN_ARN,
          }),
        );
        expect(created.IntegrationAssociationArn).toBe(
          `${instance.arn}/integration-association/${created.IntegrationAssociationId}`,
        );

        const byType = await connect.send(
          new ListIntegrationAssociationsCommand({ InstanceId: instance.id, IntegrationType: "VOICE_ID" }),
        );
        expect(
          byType.IntegrationAssociationSummaryList?.map((s) => [
            s.IntegrationAssociationId,
            s.IntegrationArn,
            s.InstanceId,
          ]),
        ).toEqual([[created.IntegrationAssociationId, DOMAIN_ARN, instance.id]]);
        const otherArn = await connect.send(
          new ListIntegrationAssociationsCommand({
            InstanceId: instance.id,
            IntegrationArn: OTHER_DOMAIN_ARN,
          }),
        );
        expect(otherArn.IntegrationAssociationSummaryList ?? []).toEqual([]);
        const otherType = await connect.send(
          new ListIntegrationAssociationsCommand({ InstanceId: instance.id, IntegrationType: "EVENT" }),
        );
        expect(otherType.IntegrationAssociationSummaryList ?? []).toEqual([]);

        const second = await failure(
          connect.send(
            new CreateIntegrationAssociationCommand({
              InstanceId: instance.id,
              IntegrationType: "VOICE_ID",
              IntegrationArn: OTHER_DOMAIN_ARN,
            }),
          ),
        );
        expect(second).toBeInstanceOf(DuplicateResourceException);
        expect(second.$metadata.httpStatusCode).toBe(409);

        await connect.send(
          new DeleteIntegrationAssociationCommand({
            InstanceId: instance.id,
            IntegrationAssociationId: created.IntegrationAssociationId,
          }),
        );
        const after = await connect.send(new ListIntegrationAssociationsCommand({ InstanceId: instance.id }));
        expect(after.IntegrationAssociationSummaryList ?? []).toEqual([]);
        const again = await failure(
          connect.send(
            new DeleteIntegrationAssociationCommand({
              InstanceId: instance.id,
              IntegrationAssociationId: created.IntegrationAssociationId,
            }),
          ),
        );
        expect(again).toBeInstanceOf(ResourceNotFoundException);
        // With the first domain gone, another may take its place.
        await connect.send(
          new CreateIntegrationAssociationCommand({
            InstanceId: instance.id,
            IntegrationType: "VOICE_ID",
            IntegrationArn: OTHER_DOMAIN_ARN,
          }),
        );
      });

      it("refuses an IntegrationArn that is not a Voice ID domain of the instance's Region", async () => {
        for (const arn of [
          "arn:aws:s3:::my-bucket",
          DOMAIN_ARN.replace("us-west-2", "eu-west-2"),
          `${DOMAIN_ARN}x`,
        ]) {
          const error = await failure(
            connect.send(
              new CreateIntegrationAssociationCommand({
                InstanceId: SANDBOX_INSTANCE_ID,
                IntegrationType: "VOICE_ID",
                IntegrationArn: arn,
              }),
            ),
          );
          expect(error, arn).toBeInstanceOf(InvalidRequestException);
          expect(error.$metadata.httpStatusCode).toBe(400);
        }
      });

      it("refuses a well-formed Voice ID domain ARN that does not exist in the sandbox", async () => {
        const error = await failure(
          connect.send(
            new CreateIntegrationAssociationCommand({
              InstanceId: SANDBOX_INSTANCE_ID,
              IntegrationType: "VOICE_ID",
              IntegrationArn: DOMAIN_ARN,
            }),
          ),
        );
        expect(error).toBeInstanceOf(ResourceNotFoundException);
        expect(error.message).toContain("AbCdEfGhIjKlMnOpQrStUv");
      });
    });

    describe("phone numbers", () => {
      it("associates an inbound flow with a claimed number, and refuses other flow types", async () => {
        const resources = engine.instanceResources();
        const number = resources.phoneNumbers[0];
        const inbound = resources.flows.find((flow) => flow.type === "CONTACT_FLOW");
        const queueFlow = resources.flows.find((flow) => flow.type === "CUSTOMER_QUEUE");
        await connect.send(
          new AssociatePhoneNumberContactFlowCommand({
            PhoneNumberId: number?.id,
            InstanceId: SANDBOX_INSTANCE_ID,
            ContactFlowId: inbound?.id,
          }),
        );
        expect(engine.instanceResources().phoneNumbers[0]?.contactFlowId).toBe(inbound?.id);
        const wrongType = await failure(
          connect.send(
            new AssociatePhoneNumberContactFlowCommand({
              PhoneNumberId: number?.id,
              InstanceId: SANDBOX_INSTANCE_ID,
              ContactFlowId: queueFlow?.id,
            }),
          ),
        );
        expect(wrongType).toBeInstanceOf(InvalidRequestException);
        const unknown = await failure(
          connect.send(
            new AssociatePhoneNumberContactFlowCommand({
              PhoneNumberId: "00000000-0000-4000-8000-000000000000",
              InstanceId: SANDBOX_INSTANCE_ID,
              ContactFlowId: inbound?.id,
            }),
          ),
        );
        expect(unknown).toBeInstanceOf(ResourceNotFoundException);
      });
    });

    it("signals errors the restJson1 way: x-amzn-errortype and a JSON Message", async () => {
      // Unsigned, so the router tells the service by the path; the sandbox answers in the default Region.
      const missing = await fetch(
        `${started.endpoint}/contact-flows/${SANDBOX_INSTANCE_ID}/00000000-0000-4000-8000-000000000000`,
      );
      expect(missing.status).toBe(404);
      expect(missing.headers.get("x-amzn-errortype")).toBe("ResourceNotFoundException");
      expect(missing.headers.get("content-type")).toBe("application/json");
      expect(await missing.json()).toEqual({ Message: expect.stringContaining("not found") });
      const nowhere = await fetch(`${started.endpoint}/contact-flows/a/b/c/d`);
      expect(nowhere.headers.get("x-amzn-errortype")).toBe("UnknownOperationException");
      expect(((await nowhere.json()) as { Message: string }).Message).toContain("GET /contact-flows/a/b/c/d");
    });

    it("answers an operation it does not serve with an error naming it", async () => {
      const error = await failure(connect.send(new ListUsersCommand({ InstanceId: SANDBOX_INSTANCE_ID })));
      expect(error.name).toBe("UnknownOperationException");
      expect(error.message).toContain("ListUsers");
      expect(error.$metadata.httpStatusCode).toBe(400);
    });

    describe.skipIf(!existsSync(REFERENCE_FLOWS))(
      `the reference flows in ${REFERENCE_FLOWS} (skipped when absent)`,
      () => {
        const files = existsSync(REFERENCE_FLOWS)
          ? readdirSync(REFERENCE_FLOWS).filter((name) => name.endsWith(".json"))
          : [];
        const CONNECT_ARN =
          /arn:aws:connect:[a-z0-9-]+:\d{12}:instance\/[0-9a-f-]+\/(queue|prompt|contact-flow)\/[0-9a-f-]+/g;

        /**
         * What a deploy tool does before publishing into another instance: every Connect ARN (Parameters
         * and Metadata alike) becomes a resource of this instance, and the sample app's placeholder the
         * BasicQueue.
         */
        function rewriteForSandbox(content: string, file: string): string {
          const resources = engine.instanceResources();
          const basicQueue = resources.queues.find((queue) => queue.name === "BasicQueue")?.arn ?? "";
          const customerQueueFlow =
            resources.flows.find((flow) => flow.name === "Default customer queue")?.arn ?? "";
          const mapped = new Map<string, string>();
          let n = 0;
          const rewritten = content.replace(CONNECT_ARN, (arn, kind: string) => {
            const known = mapped.get(arn);
            if (known) return known;
            n += 1;
            const name = `${file.slice(0, 40)}-${n}`;
            const replacement =
              kind === "queue"
                ? engine.addQueue({ name }).arn
                : kind === "prompt"
                  ? engine.addPrompt({ name }).arn
                  : customerQueueFlow;
            mapped.set(arn, replacement);
            return replacement;
          });
          // The sample app's own placeholder, left by its extraction (flows/README.md).
          return rewritten.replace(/\$\{BASIC_QUEUE_ARN\}/g, basicQueue);
        }

        for (const file of files) {
          it(`publishes ${file} once its ARNs name this instance's resources`, async () => {
            const text = readFileSync(join(REFERENCE_FLOWS, file), "utf8");
            const wrapper = JSON.parse(text) as { Content?: string; Type?: string };
            const original = typeof wrapper.Content === "string" ? wrapper.Content : text;
            const content = rewriteForSandbox(original, file);
            const type =
              wrapper.Type ?? (file.includes("customer_queue") ? "CUSTOMER_QUEUE" : "CONTACT_FLOW");
            const created = await connect.send(
              new CreateContactFlowCommand({
                InstanceId: SANDBOX_INSTANCE_ID,
                Name: `reference ${file}`,
                Type: type as "CONTACT_FLOW",
                Content: content,
              }),
            );
            const described = await connect.send(
              new DescribeContactFlowCommand({
                InstanceId: SANDBOX_INSTANCE_ID,
                ContactFlowId: created.ContactFlowId,
              }),
            );
            expect(described.ContactFlow?.Status).toBe("PUBLISHED");
            expect(described.ContactFlow?.Content).toBe(content);
          });
        }

        it("refuses a reference flow whose prompt ARN still names its own instance", async () => {
          const file = files.find((name) => name.includes("GoodMeasures"));
          expect(file).toBeDefined();
          const content = readFileSync(join(REFERENCE_FLOWS, file ?? ""), "utf8");
          const error = await failure(
            connect.send(
              new CreateContactFlowCommand({
                InstanceId: SANDBOX_INSTANCE_ID,
                Name: "unrewritten",
                Type: "CUSTOMER_QUEUE",
                Content: content,
              }),
            ),
          );
          expect(error).toBeInstanceOf(InvalidContactFlowException);
          expect((error as InvalidContactFlowException).problems?.[0]?.message).toMatch(
            /Action "098007b7-e257-4b7c-9c3c-741d4680517d" \(MessageParticipantIteratively\): Parameters\.Messages\[1\]\.PromptId names a prompt of another instance \(Region us-east-1, account 201706955376, instance/,
          );
        });
      },
    );
  });

  describe(`${transport}: errors and state outside one sandbox`, () => {
    it("turns injected throttling into the SDK's ThrottlingException (429)", async () => {
      const throttled = await startSandbox(transport, {
        faults: { operations: { "connect:ListPrompts": { throttle: 1 } } },
      });
      try {
        // Only the configured operation is throttled.
        const queues = await throttled.clients.connect.send(
          new ListQueuesCommand({ InstanceId: SANDBOX_INSTANCE_ID }),
        );
        expect(queues.QueueSummaryList?.length).toBeGreaterThan(0);
        const error = await failure(
          throttled.clients.connect.send(new ListPromptsCommand({ InstanceId: SANDBOX_INSTANCE_ID })),
        );
        expect(error).toBeInstanceOf(ThrottlingException);
        expect(error.$metadata.httpStatusCode).toBe(429);
      } finally {
        await throttled.stop();
      }
    });

    it("keeps flows, associations and the seeded instance across a reopen of its data directory", async () => {
      const dataDir = mkdtempSync(join(tmpdir(), "cvk-connect-"));
      try {
        const first = await startSandbox(transport, { dataDir });
        let flowId = "";
        let queueId = "";
        let domainArn = "";
        try {
          const created = await first.clients.connect.send(
            new CreateContactFlowCommand({
              InstanceId: SANDBOX_INSTANCE_ID,
              Name: "durable",
              Type: "CONTACT_FLOW",
              Content: greeting("kept"),
            }),
          );
          flowId = created.ContactFlowId ?? "";
          const domain = await first.clients.voiceId.send(
            new CreateDomainCommand({
              Name: "durable",
              ServerSideEncryptionConfiguration: { KmsKeyId: "alias/cvk" },
            }),
          );
          domainArn = domain.Domain?.Arn ?? "";
          await first.clients.connect.send(
            new CreateIntegrationAssociationCommand({
              InstanceId: SANDBOX_INSTANCE_ID,
              IntegrationType: "VOICE_ID",
              IntegrationArn: domainArn,
            }),
          );
          queueId = first.sandbox.engine.connect.instanceResources().queues[0]?.id ?? "";
        } finally {
          await first.stop();
        }
        const second = await startSandbox(transport, { dataDir });
        try {
          const described = await second.clients.connect.send(
            new DescribeContactFlowCommand({ InstanceId: SANDBOX_INSTANCE_ID, ContactFlowId: flowId }),
          );
          expect(described.ContactFlow?.Content).toBe(greeting("kept"));
          const associations = await second.clients.connect.send(
            new ListIntegrationAssociationsCommand({ InstanceId: SANDBOX_INSTANCE_ID }),
          );
          expect(associations.IntegrationAssociationSummaryList?.map((s) => s.IntegrationArn)).toEqual([
            domainArn,
          ]);
          const queues = await second.clients.connect.send(
            new ListQueuesCommand({ InstanceId: SANDBOX_INSTANCE_ID }),
          );
          expect(queues.QueueSummaryList?.map((queue) => queue.Id)).toEqual([queueId]);
          const flows = second.sandbox.engine.connect.instanceResources().flows;
          expect(flows.filter((flow) => flow.name === "Default customer queue")).toHaveLength(1);
        } finally {
          await second.stop();
        }
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });
}
