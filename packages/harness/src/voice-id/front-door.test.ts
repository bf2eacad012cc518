import { CreateDomainCommand, DescribeDomainCommand, ListDomainsCommand } from "@aws-sdk/client-voice-id";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type StartedSandbox, TRANSPORTS } from "../test-support.ts";
import { createDomain, KMS_KEY, rawCall, standardClient, start } from "./test-support.ts";

for (const transport of TRANSPORTS) {
  describe(`Voice ID awsJson1_0 front door (${transport})`, () => {
    let started: StartedSandbox;
    beforeEach(async () => {
      started = await start(transport);
    });
    afterEach(async () => {
      await started.stop();
    });

    it("answers the real SDK with epoch-second timestamps and a request id", async () => {
      const before = Date.now();
      const { Domain } = await started.clients.voiceId.send(
        new CreateDomainCommand({
          Name: "front-door",
          ServerSideEncryptionConfiguration: { KmsKeyId: KMS_KEY },
        }),
      );
      expect(Domain?.CreatedAt).toBeInstanceOf(Date);
      expect(Domain?.CreatedAt?.getTime()).toBeGreaterThanOrEqual(before - 1000);
      const raw = await rawCall(
        started,
        "VoiceID.DescribeDomain",
        JSON.stringify({ DomainId: Domain?.DomainId }),
      );
      expect(raw.status).toBe(200);
      expect(raw.headers.get("content-type")).toBe("application/x-amz-json-1.0");
      expect(raw.headers.get("x-amzn-requestid")).toMatch(/^[0-9a-f-]{36}$/);
      const domain = raw.json.Domain as Record<string, unknown>;
      expect(typeof domain.CreatedAt).toBe("number");
      expect(
        Math.abs((domain.CreatedAt as number) * 1000 - (Domain?.CreatedAt?.getTime() ?? 0)),
      ).toBeLessThan(1);
    });

    it("names an unknown operation in UnknownOperationException", async () => {
      const raw = await rawCall(started, "VoiceID.MakeCoffee", "{}");
      expect(raw.status).toBe(400);
      expect(raw.json.__type).toBe("UnknownOperationException");
      expect(raw.json.message).toContain("VoiceID.MakeCoffee");
      expect(raw.headers.get("x-amzn-errortype")).toBe("UnknownOperationException");

      const wrongPrefix = await rawCall(started, "Connect.ListDomains", "{}");
      expect(wrongPrefix.json.__type).toBe("UnknownOperationException");
      const missing = await rawCall(started, undefined, "{}");
      expect(missing.json.__type).toBe("UnknownOperationException");
    });

    it("rejects malformed JSON and wrongly typed members with SerializationException", async () => {
      const malformed = await rawCall(started, "VoiceID.ListDomains", "{not json");
      expect(malformed.status).toBe(400);
      expect(malformed.json.__type).toBe("SerializationException");
      const notObject = await rawCall(started, "VoiceID.ListDomains", "[1,2]");
      expect(notObject.json.__type).toBe("SerializationException");
      const wrongType = await rawCall(started, "VoiceID.ListDomains", JSON.stringify({ MaxResults: "five" }));
      expect(wrongType.json.__type).toBe("SerializationException");
      expect(wrongType.json.message).toContain("maxResults");
    });

    it("treats an empty body as {} and ignores unknown members", async () => {
      const empty = await rawCall(started, "VoiceID.ListDomains", "");
      expect(empty.status).toBe(200);
      expect(empty.json).toEqual({ DomainSummaries: [] });
      const extra = await rawCall(
        started,
        "VoiceID.ListDomains",
        JSON.stringify({ Surprise: true, MaxResults: 5 }),
      );
      expect(extra.status).toBe(200);
    });

    it("writes errors as __type + message + the shape's members, with the model's HTTP status", async () => {
      const raw = await rawCall(
        started,
        "VoiceID.DescribeDomain",
        JSON.stringify({ DomainId: "A".repeat(22) }),
      );
      expect(raw.status).toBe(404);
      expect(raw.json).toMatchObject({ __type: "ResourceNotFoundException", ResourceType: "DOMAIN" });
      expect(typeof raw.json.message).toBe("string");
      expect(raw.headers.get("x-amzn-requestid")).toBeTruthy();

      const invalid = await rawCall(started, "VoiceID.DescribeDomain", JSON.stringify({ DomainId: "x" }));
      expect(invalid.status).toBe(400);
      expect(invalid.json.__type).toBe("ValidationException");
      expect(invalid.json.message).toBe(
        "2 validation errors detected: Value 'x' at 'domainId' failed to satisfy constraint: Member must have length greater than or equal to 22; " +
          "Value 'x' at 'domainId' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9]{22}",
      );
    });

    it("rejects other methods and paths", async () => {
      const get = await rawCall(started, "VoiceID.ListDomains", "", { method: "GET" });
      expect(get.json.__type).toBe("UnknownOperationException");
      const path = await rawCall(started, "VoiceID.ListDomains", "{}", { path: "/domains" });
      expect(path.json.__type).toBe("UnknownOperationException");
    });

    it("keeps domains per Region", async () => {
      await createDomain(started.clients.voiceId, "west");
      const east = standardClient(started, "us-east-1");
      try {
        expect((await east.send(new ListDomainsCommand({}))).DomainSummaries).toEqual([]);
        const { Domain } = await east.send(
          new CreateDomainCommand({ Name: "east", ServerSideEncryptionConfiguration: { KmsKeyId: KMS_KEY } }),
        );
        expect(Domain?.Arn).toMatch(/^arn:aws:voiceid:us-east-1:123456789012:domain\/[a-zA-Z0-9]{22}$/);
        const west = await started.clients.voiceId.send(new ListDomainsCommand({}));
        expect(west.DomainSummaries?.map((domain) => domain.Name)).toEqual(["west"]);
        await expect(
          started.clients.voiceId.send(new DescribeDomainCommand({ DomainId: Domain?.DomainId })),
        ).rejects.toMatchObject({
          name: "ResourceNotFoundException",
        });
      } finally {
        east.destroy();
      }
    });
  });
}
