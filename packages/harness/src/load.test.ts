import { ConnectClient, CreateContactFlowCommand, paginateListContactFlows } from "@aws-sdk/client-connect";
import { GetObjectCommand, PutObjectCommand, paginateListObjectsV2, S3Client } from "@aws-sdk/client-s3";
import {
  CreateDomainCommand,
  DescribeSpeakerCommand,
  OptOutSpeakerCommand,
  paginateListSpeakers,
  VoiceIDClient,
} from "@aws-sdk/client-voice-id";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SANDBOX_INSTANCE_ID } from "./connect/index.ts";
import { createSandbox, type Sandbox } from "./sandbox.ts";
import { type RunningServer, serveSandbox } from "./server.ts";

// 50 independent clients (own sockets, own SDK clients) hammer one server at once; afterwards the
// state seen through the APIs must be exactly what the successful calls imply.
const CLIENTS = 50;
const OPERATIONS_PER_CLIENT = 12;

let sandbox: Sandbox;
let server: RunningServer;

beforeAll(async () => {
  sandbox = createSandbox();
  server = await serveSandbox(sandbox, { port: 0 });
});
afterAll(async () => {
  await server.close();
  sandbox.close();
});

function config() {
  return {
    region: "us-west-2",
    endpoint: server.url,
    credentials: { accessKeyId: "AKIDLOAD", secretAccessKey: "load" },
    maxAttempts: 1,
  };
}

describe("sandbox server under 50 concurrent clients", () => {
  it("loses and duplicates nothing: every successful write is visible exactly once", {
    timeout: 120_000,
  }, async () => {
    const setup = new VoiceIDClient(config());
    const domain = await setup.send(
      new CreateDomainCommand({
        Name: "load",
        ServerSideEncryptionConfiguration: { KmsKeyId: "alias/load" },
      }),
    );
    const domainId = domain.Domain?.DomainId ?? "";
    const s3Setup = new S3Client({ ...config(), forcePathStyle: true });
    await s3Setup.send(
      new (await import("@aws-sdk/client-s3")).CreateBucketCommand({ Bucket: "load-bucket" }),
    );

    const written = {
      keys: new Map<string, string>(),
      speakers: new Set<string>(),
      flows: new Set<string>(),
    };
    const failures: string[] = [];
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, client) => {
        const s3 = new S3Client({ ...config(), forcePathStyle: true });
        const voiceId = new VoiceIDClient(config());
        const connect = new ConnectClient(config());
        for (let op = 0; op < OPERATIONS_PER_CLIENT; op++) {
          const id = `c${client}-o${op}`;
          try {
            switch (op % 4) {
              case 0: {
                const body = `${id}:${"x".repeat(op * 100)}`;
                await s3.send(
                  new PutObjectCommand({ Bucket: "load-bucket", Key: `objects/${id}`, Body: body }),
                );
                written.keys.set(`objects/${id}`, body);
                break;
              }
              case 1: {
                // Everyone overwrites the same key: the final value must be one of the writes, whole.
                const body = `shared-by-${id}`;
                await s3.send(new PutObjectCommand({ Bucket: "load-bucket", Key: "shared", Body: body }));
                break;
              }
              case 2: {
                await voiceId.send(
                  new OptOutSpeakerCommand({ DomainId: domainId, SpeakerId: `speaker-${id}` }),
                );
                written.speakers.add(`speaker-${id}`);
                const described = await voiceId.send(
                  new DescribeSpeakerCommand({ DomainId: domainId, SpeakerId: `speaker-${id}` }),
                );
                if (described.Speaker?.Status !== "OPTED_OUT") failures.push(`${id}: speaker not OPTED_OUT`);
                break;
              }
              default: {
                if (client < 20 && op === 3) {
                  await connect.send(
                    new CreateContactFlowCommand({
                      InstanceId: SANDBOX_INSTANCE_ID,
                      Name: `flow-${id}`,
                      Type: "CONTACT_FLOW",
                      Status: "SAVED",
                      Content: JSON.stringify({
                        Version: "2019-10-30",
                        StartAction: "end",
                        Actions: [
                          {
                            Identifier: "end",
                            Type: "DisconnectParticipant",
                            Parameters: {},
                            Transitions: {},
                          },
                        ],
                      }),
                    }),
                  );
                  written.flows.add(`flow-${id}`);
                }
              }
            }
          } catch (error) {
            failures.push(`${id}: ${(error as Error).name}: ${(error as Error).message}`);
          }
        }
        s3.destroy();
        voiceId.destroy();
        connect.destroy();
      }),
    );
    expect(failures).toEqual([]);

    // Invariants, checked through the APIs the way any client sees them.
    const reader = new S3Client({ ...config(), forcePathStyle: true });
    const listed: string[] = [];
    for await (const page of paginateListObjectsV2(
      { client: reader, pageSize: 97 },
      { Bucket: "load-bucket" },
    )) {
      for (const object of page.Contents ?? []) listed.push(object.Key ?? "");
    }
    expect(listed.sort()).toEqual([...written.keys.keys(), "shared"].sort());
    for (const [key, body] of [...written.keys].slice(0, 25)) {
      const got = await reader.send(new GetObjectCommand({ Bucket: "load-bucket", Key: key }));
      expect(await got.Body?.transformToString()).toBe(body);
    }
    const shared = await (
      await reader.send(new GetObjectCommand({ Bucket: "load-bucket", Key: "shared" }))
    ).Body?.transformToString();
    expect(shared).toMatch(/^shared-by-c\d+-o\d+$/);

    const speakers: string[] = [];
    for await (const page of paginateListSpeakers({ client: setup, pageSize: 100 }, { DomainId: domainId })) {
      for (const speaker of page.SpeakerSummaries ?? []) speakers.push(speaker.CustomerSpeakerId ?? "");
    }
    expect(speakers.sort()).toEqual([...written.speakers].sort());

    const flows: string[] = [];
    const connectReader = new ConnectClient(config());
    for await (const page of paginateListContactFlows(
      { client: connectReader },
      { InstanceId: SANDBOX_INSTANCE_ID },
    )) {
      for (const flow of page.ContactFlowSummaryList ?? [])
        if (flow.Name?.startsWith("flow-")) flows.push(flow.Name);
    }
    expect(flows.sort()).toEqual([...written.flows].sort());

    // Every request was answered and logged once.
    const logged = sandbox.log.entries().filter((entry) => entry.status === 200);
    expect(logged.filter((entry) => entry.operation === "PutObject")).toHaveLength(
      CLIENTS * (OPERATIONS_PER_CLIENT / 2),
    );
    expect(logged.filter((entry) => entry.operation === "OptOutSpeaker")).toHaveLength(
      CLIENTS * (OPERATIONS_PER_CLIENT / 4),
    );
    reader.destroy();
    setup.destroy();
    s3Setup.destroy();
    connectReader.destroy();
  });
});
