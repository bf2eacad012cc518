import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { CreateDomainCommand, ListDomainsCommand, VoiceIDClient } from "@aws-sdk/client-voice-id";
import { setupServer } from "msw/node";
import { afterAll, describe, expect, it } from "vitest";
import { createSandbox } from "./sandbox.ts";
import { startSandbox, TRANSPORTS } from "./testing.ts";

// The README's "your own tests" example, as written there, must keep working.
describe("README: using the sandbox in your own tests", () => {
  const sandbox = createSandbox({ jobs: { mode: "immediate" } });
  const server = setupServer(...sandbox.handlers);
  server.listen({ onUnhandledRequest: "error" });
  afterAll(() => {
    server.close();
    sandbox.close();
  });

  it("serves a plain SDK client built from clientConfig(), injects faults and logs requests", async () => {
    const voiceId = new VoiceIDClient({ ...sandbox.clientConfig(), maxAttempts: 1 });
    await voiceId.send(
      new CreateDomainCommand({ Name: "test", ServerSideEncryptionConfiguration: { KmsKeyId: "alias/k" } }),
    );
    expect((await voiceId.send(new ListDomainsCommand({}))).DomainSummaries?.map((d) => d.Name)).toEqual([
      "test",
    ]);
    sandbox.faults.configure({ seed: 7, global: { throttle: 1 } });
    await expect(voiceId.send(new ListDomainsCommand({}))).rejects.toMatchObject({
      name: "ThrottlingException",
    });
    sandbox.faults.clear();
    expect(sandbox.log.entries({ write: true }).map((e) => e.operation)).toEqual(["CreateDomain"]);
  });
});

describe("README: startSandbox() for a test", () => {
  it.each(TRANSPORTS)("gives cvk's real clients served %s, and stop() releases it", async (transport) => {
    const { clients, sandbox, endpoint, stop } = await startSandbox({ transport });
    try {
      await clients.s3.send(new CreateBucketCommand({ Bucket: "readme-bucket" }));
      await clients.s3.send(new PutObjectCommand({ Bucket: "readme-bucket", Key: "a.txt", Body: "hello" }));
      const listed = await clients.s3.send(new ListObjectsV2Command({ Bucket: "readme-bucket" }));
      expect(listed.Contents?.map((o) => [o.Key, o.Size])).toEqual([["a.txt", 5]]);
      expect(sandbox.log.entries({ write: true }).map((e) => e.operation)).toEqual([
        "CreateBucket",
        "PutObject",
      ]);
      expect(endpoint.startsWith(transport === "server" ? "http://127.0.0.1:" : "http://sandbox.cvk")).toBe(
        true,
      );
    } finally {
      await stop();
    }
  });
});
