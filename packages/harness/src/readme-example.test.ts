import { CreateDomainCommand, ListDomainsCommand, VoiceIDClient } from "@aws-sdk/client-voice-id";
import { setupServer } from "msw/node";
import { afterAll, describe, expect, it } from "vitest";
import { createSandbox } from "./sandbox.ts";

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
