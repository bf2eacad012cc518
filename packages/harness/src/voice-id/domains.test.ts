import {
  CreateDomainCommand,
  DeleteDomainCommand,
  DescribeDomainCommand,
  ListDomainsCommand,
  ListTagsForResourceCommand,
  ListWatchlistsCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateDomainCommand,
} from "@aws-sdk/client-voice-id";
import { afterEach, describe, expect, it } from "vitest";
import { type StartedSandbox, TRANSPORTS } from "../test-support.ts";
import { createDomain, expectAwsError, KMS_KEY, start } from "./test-support.ts";

const OTHER_KEY = "arn:aws:kms:us-west-2:123456789012:key/99999999-8888-7777-6666-555555555555";

for (const transport of TRANSPORTS) {
  describe(`Voice ID domains and tags (${transport})`, () => {
    let started: StartedSandbox;
    afterEach(async () => {
      await started.stop();
    });

    it("CreateDomain makes an ACTIVE domain with a default watchlist, tags and the real id formats", async () => {
      started = await start(transport);
      const client = started.clients.voiceId;
      const { Domain } = await client.send(
        new CreateDomainCommand({
          Name: "contact-center",
          Description: "Callers: retail/EU @ 50%",
          ServerSideEncryptionConfiguration: { KmsKeyId: KMS_KEY },
          Tags: [{ Key: "team", Value: "voice" }],
        }),
      );
      expect(Domain).toMatchObject({
        Name: "contact-center",
        Description: "Callers: retail/EU @ 50%",
        DomainStatus: "ACTIVE",
        ServerSideEncryptionConfiguration: { KmsKeyId: KMS_KEY },
      });
      expect(Domain?.DomainId).toMatch(/^[a-zA-Z0-9]{22}$/);
      expect(Domain?.Arn).toBe(`arn:aws:voiceid:us-west-2:123456789012:domain/${Domain?.DomainId}`);
      expect(Domain?.CreatedAt).toEqual(Domain?.UpdatedAt);
      expect(Domain?.ServerSideEncryptionUpdateDetails).toBeUndefined();
      const defaultId = Domain?.WatchlistDetails?.DefaultWatchlistId;
      expect(defaultId).toMatch(/^[a-zA-Z0-9]{22}$/);
      const { WatchlistSummaries } = await client.send(
        new ListWatchlistsCommand({ DomainId: Domain?.DomainId }),
      );
      expect(WatchlistSummaries).toHaveLength(1);
      expect(WatchlistSummaries?.[0]).toMatchObject({ WatchlistId: defaultId, DefaultWatchlist: true });
      const { Tags } = await client.send(new ListTagsForResourceCommand({ ResourceArn: Domain?.Arn }));
      expect(Tags).toEqual([{ Key: "team", Value: "voice" }]);
    });

    it("CreateDomain is idempotent on ClientToken; a reused token with other input is a ConflictException", async () => {
      started = await start(transport);
      const client = started.clients.voiceId;
      const input = {
        Name: "same",
        ServerSideEncryptionConfiguration: { KmsKeyId: KMS_KEY },
        ClientToken: "retry-token-1",
      };
      const first = await client.send(new CreateDomainCommand(input));
      const second = await client.send(new CreateDomainCommand(input));
      expect(second.Domain?.DomainId).toBe(first.Domain?.DomainId);
      expect((await client.send(new ListDomainsCommand({}))).DomainSummaries).toHaveLength(1);
      await expectAwsError(
        client.send(new CreateDomainCommand({ ...input, Name: "different" })),
        "ConflictException",
        409,
      );
      // Without a token of its own the SDK fills a fresh one: a second domain.
      const { ClientToken: _token, ...withoutToken } = input;
      const third = await client.send(new CreateDomainCommand(withoutToken));
      const fourth = await client.send(new CreateDomainCommand(withoutToken));
      expect(third.Domain?.DomainId).not.toBe(fourth.Domain?.DomainId);
    });

    it("CreateDomain stops at 3 domains per account (ServiceQuotaExceededException, 402)", async () => {
      started = await start(transport);
      for (const name of ["one", "two", "three"]) await createDomain(started.clients.voiceId, name);
      await expectAwsError(
        createDomain(started.clients.voiceId, "four"),
        "ServiceQuotaExceededException",
        402,
      );
    });

    it("CreateDomain needs the account's biometric consent (ResourceNotFoundException COMPLIANCE_CONSENT)", async () => {
      started = await start(transport);
      started.sandbox.engine.voiceId.complianceConsent = false;
      await expectAwsError(createDomain(started.clients.voiceId), "ResourceNotFoundException", 404, {
        ResourceType: "COMPLIANCE_CONSENT",
      });
    });

    it("DescribeDomain answers ResourceNotFoundException DOMAIN for unknown and deleted domains", async () => {
      started = await start(transport);
      const client = started.clients.voiceId;
      const { domainId } = await createDomain(client);
      expect((await client.send(new DescribeDomainCommand({ DomainId: domainId }))).Domain?.DomainId).toBe(
        domainId,
      );
      await client.send(new DeleteDomainCommand({ DomainId: domainId }));
      await expectAwsError(
        client.send(new DescribeDomainCommand({ DomainId: domainId })),
        "ResourceNotFoundException",
        404,
        {
          ResourceType: "DOMAIN",
        },
      );
      await expectAwsError(
        client.send(new DeleteDomainCommand({ DomainId: domainId })),
        "ResourceNotFoundException",
        404,
        {
          ResourceType: "DOMAIN",
        },
      );
      await expectAwsError(
        client.send(new ListWatchlistsCommand({ DomainId: domainId })),
        "ResourceNotFoundException",
        404,
      );
      // The quota counts live domains only.
      for (const name of ["a", "b", "c"]) await createDomain(client, name);
    });

    it("ListDomains pages 1–10 with opaque NextTokens; a bad or foreign token is a ValidationException", async () => {
      started = await start(transport);
      const client = started.clients.voiceId;
      const ids = [];
      for (const name of ["d1", "d2", "d3"]) ids.push((await createDomain(client, name)).domainId);
      const first = await client.send(new ListDomainsCommand({ MaxResults: 2 }));
      expect(first.DomainSummaries?.map((domain) => domain.DomainId)).toEqual(ids.slice(0, 2));
      expect(first.NextToken).toBeTruthy();
      const second = await client.send(new ListDomainsCommand({ MaxResults: 2, NextToken: first.NextToken }));
      expect(second.DomainSummaries?.map((domain) => domain.DomainId)).toEqual(ids.slice(2));
      expect(second.NextToken).toBeUndefined();
      expect(first.DomainSummaries?.[0]).toMatchObject({
        DomainStatus: "ACTIVE",
        WatchlistDetails: { DefaultWatchlistId: expect.any(String) },
      });

      await expectAwsError(
        client.send(new ListDomainsCommand({ MaxResults: 11 })),
        "ValidationException",
        400,
      );
      await expectAwsError(
        client.send(new ListDomainsCommand({ MaxResults: 0 })),
        "ValidationException",
        400,
      );
      await expectAwsError(
        client.send(new ListDomainsCommand({ NextToken: "not-a-token" })),
        "ValidationException",
        400,
      );
      const foreign = await client.send(new ListWatchlistsCommand({ DomainId: ids[0], MaxResults: 1 }));
      expect(foreign.NextToken).toBeUndefined();
      const speakerToken = Buffer.from(
        JSON.stringify({ s: "ListSpeakers:x", k: "a", t: Date.now() }),
      ).toString("base64url");
      await expectAwsError(
        client.send(new ListDomainsCommand({ NextToken: speakerToken })),
        "ValidationException",
        400,
      );
    });

    it("NextTokens expire after 24 hours", async () => {
      const { ManualClock } = await import("@cvk/core");
      const clock = new ManualClock(Date.UTC(2026, 0, 1));
      started = await start(transport, { clock });
      const client = started.clients.voiceId;
      for (const name of ["d1", "d2"]) await createDomain(client, name);
      const page = await client.send(new ListDomainsCommand({ MaxResults: 1 }));
      await clock.advance(24 * 60 * 60 * 1000 + 1);
      await expectAwsError(
        client.send(new ListDomainsCommand({ MaxResults: 1, NextToken: page.NextToken })),
        "ValidationException",
        400,
      );
    });

    it("UpdateDomain clobbers: an omitted Description is removed; name and UpdatedAt change", async () => {
      const { ManualClock } = await import("@cvk/core");
      const clock = new ManualClock(Date.UTC(2026, 0, 1));
      started = await start(transport, { clock });
      const client = started.clients.voiceId;
      const { Domain: created } = await client.send(
        new CreateDomainCommand({
          Name: "before",
          Description: "old",
          ServerSideEncryptionConfiguration: { KmsKeyId: KMS_KEY },
        }),
      );
      await clock.advance(5000);
      const { Domain } = await client.send(
        new UpdateDomainCommand({
          DomainId: created?.DomainId,
          Name: "after",
          ServerSideEncryptionConfiguration: { KmsKeyId: KMS_KEY },
        }),
      );
      expect(Domain?.Name).toBe("after");
      expect(Domain?.Description).toBeUndefined();
      expect(Domain?.UpdatedAt?.getTime()).toBe((created?.CreatedAt?.getTime() ?? 0) + 5000);
      expect(Domain?.ServerSideEncryptionUpdateDetails).toBeUndefined();
      await expectAwsError(
        client.send(
          new UpdateDomainCommand({
            DomainId: "B".repeat(22),
            Name: "x",
            ServerSideEncryptionConfiguration: { KmsKeyId: KMS_KEY },
          }),
        ),
        "ResourceNotFoundException",
        404,
        { ResourceType: "DOMAIN" },
      );
    });

    it("a new KMS key starts an encryption update: IN_PROGRESS with OldKmsKeyId, then COMPLETED (immediate)", async () => {
      started = await start(transport);
      const client = started.clients.voiceId;
      const { domainId } = await createDomain(client);
      const { Domain } = await client.send(
        new UpdateDomainCommand({
          DomainId: domainId,
          Name: "rekeyed",
          ServerSideEncryptionConfiguration: { KmsKeyId: OTHER_KEY },
        }),
      );
      expect(Domain?.ServerSideEncryptionConfiguration?.KmsKeyId).toBe(OTHER_KEY);
      expect(Domain?.ServerSideEncryptionUpdateDetails).toEqual({
        OldKmsKeyId: KMS_KEY,
        UpdateStatus: "IN_PROGRESS",
      });
      const described = await client.send(new DescribeDomainCommand({ DomainId: domainId }));
      expect(described.Domain?.ServerSideEncryptionUpdateDetails).toEqual({
        OldKmsKeyId: KMS_KEY,
        UpdateStatus: "COMPLETED",
      });
    });

    it("changing the key again while an update runs is a ConflictException DOMAIN_LOCKED_FROM_ENCRYPTION_UPDATES (polls)", async () => {
      started = await start(transport, { jobs: { mode: "polls", describesPerStep: 2 } });
      const client = started.clients.voiceId;
      const { domainId } = await createDomain(client);
      const update = (key: string) =>
        client.send(
          new UpdateDomainCommand({
            DomainId: domainId,
            Name: "d",
            ServerSideEncryptionConfiguration: { KmsKeyId: key },
          }),
        );
      await update(OTHER_KEY);
      await expectAwsError(update(KMS_KEY), "ConflictException", 409, {
        ConflictType: "DOMAIN_LOCKED_FROM_ENCRYPTION_UPDATES",
      });
      // The same key again is not a change: allowed while the update runs.
      expect((await update(OTHER_KEY)).Domain?.ServerSideEncryptionUpdateDetails?.UpdateStatus).toBe(
        "IN_PROGRESS",
      );
      const describe = () => client.send(new DescribeDomainCommand({ DomainId: domainId }));
      expect((await describe()).Domain?.ServerSideEncryptionUpdateDetails?.UpdateStatus).toBe("IN_PROGRESS");
      expect((await describe()).Domain?.ServerSideEncryptionUpdateDetails?.UpdateStatus).toBe("COMPLETED");
      const rekeyed = await update(KMS_KEY);
      expect(rekeyed.Domain?.ServerSideEncryptionUpdateDetails).toEqual({
        OldKmsKeyId: OTHER_KEY,
        UpdateStatus: "IN_PROGRESS",
      });
    });

    it("TagResource merges by key, UntagResource removes keys, ListTagsForResource lists them", async () => {
      started = await start(transport);
      const client = started.clients.voiceId;
      const { arn } = await createDomain(client);
      await client.send(
        new TagResourceCommand({
          ResourceArn: arn,
          Tags: [
            { Key: "a", Value: "1" },
            { Key: "b", Value: "2" },
          ],
        }),
      );
      await client.send(
        new TagResourceCommand({
          ResourceArn: arn,
          Tags: [
            { Key: "a", Value: "3" },
            { Key: "c", Value: "" },
          ],
        }),
      );
      expect((await client.send(new ListTagsForResourceCommand({ ResourceArn: arn }))).Tags).toEqual([
        { Key: "a", Value: "3" },
        { Key: "b", Value: "2" },
        { Key: "c", Value: "" },
      ]);
      await client.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: ["b", "missing"] }));
      expect(
        (await client.send(new ListTagsForResourceCommand({ ResourceArn: arn }))).Tags?.map((tag) => tag.Key),
      ).toEqual(["a", "c"]);
    });

    it("tag operations on an unknown or foreign domain ARN are ResourceNotFoundException; bad tags are ValidationException", async () => {
      started = await start(transport);
      const client = started.clients.voiceId;
      const { arn, domainId } = await createDomain(client);
      const unknown = arn.replace(domainId, "C".repeat(22));
      const otherAccount = arn.replace("123456789012", "210987654321");
      for (const resource of [unknown, otherAccount]) {
        await expectAwsError(
          client.send(new ListTagsForResourceCommand({ ResourceArn: resource })),
          "ResourceNotFoundException",
          404,
        );
        await expectAwsError(
          client.send(new TagResourceCommand({ ResourceArn: resource, Tags: [] })),
          "ResourceNotFoundException",
          404,
        );
        await expectAwsError(
          client.send(new UntagResourceCommand({ ResourceArn: resource, TagKeys: [] })),
          "ResourceNotFoundException",
          404,
        );
      }
      await expectAwsError(
        client.send(new TagResourceCommand({ ResourceArn: "arn:aws:s3:::bucket", Tags: [] })),
        "ValidationException",
        400,
      );
      const tooMany = Array.from({ length: 201 }, (_, i) => ({ Key: `k${i}`, Value: "v" }));
      const error = await expectAwsError(
        client.send(new TagResourceCommand({ ResourceArn: arn, Tags: tooMany })),
        "ValidationException",
        400,
      );
      expect(error.message).toContain(
        "'tags' failed to satisfy constraint: Member must have length less than or equal to 200",
      );
      const badKey = await expectAwsError(
        client.send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: "", Value: "v" }] })),
        "ValidationException",
        400,
      );
      // Tag keys are sensitive: AWS leaves their value out of the message.
      expect(badKey.message).toBe(
        "1 validation error detected: Value at 'tags.1.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1",
      );
    });
  });
}
