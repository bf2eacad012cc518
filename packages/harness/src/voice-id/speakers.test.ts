import {
  DeleteSpeakerCommand,
  DescribeSpeakerCommand,
  ListSpeakersCommand,
  OptOutSpeakerCommand,
} from "@aws-sdk/client-voice-id";
import { ManualClock } from "@cvk/core";
import { afterEach, describe, expect, it } from "vitest";
import { type StartedSandbox, TRANSPORTS } from "../test-support.ts";
import { createDomain, expectAwsError, start } from "./test-support.ts";

const MISSING_ID = "Z".repeat(22);

for (const transport of TRANSPORTS) {
  describe(`Voice ID speakers (${transport})`, () => {
    let started: StartedSandbox;
    afterEach(async () => {
      await started.stop();
    });

    it("OptOutSpeaker creates an unknown speaker OPTED_OUT; Describe accepts either id", async () => {
      started = await start(transport);
      const client = started.clients.voiceId;
      const { domainId } = await createDomain(client);
      const { Speaker } = await client.send(
        new OptOutSpeakerCommand({ DomainId: domainId, SpeakerId: "caller-42" }),
      );
      expect(Speaker).toMatchObject({
        DomainId: domainId,
        CustomerSpeakerId: "caller-42",
        Status: "OPTED_OUT",
      });
      expect(Speaker?.GeneratedSpeakerId).toMatch(/^id#[a-zA-Z0-9]{22}$/);
      expect(Speaker?.LastAccessedAt).toBeUndefined();
      const byCustomer = await client.send(
        new DescribeSpeakerCommand({ DomainId: domainId, SpeakerId: "caller-42" }),
      );
      const byGenerated = await client.send(
        new DescribeSpeakerCommand({ DomainId: domainId, SpeakerId: Speaker?.GeneratedSpeakerId }),
      );
      expect(byCustomer.Speaker).toEqual(Speaker);
      expect(byGenerated.Speaker).toEqual(Speaker);
      // Opting out twice changes nothing but UpdatedAt.
      const again = await client.send(
        new OptOutSpeakerCommand({ DomainId: domainId, SpeakerId: Speaker?.GeneratedSpeakerId }),
      );
      expect(again.Speaker?.GeneratedSpeakerId).toBe(Speaker?.GeneratedSpeakerId);
    });

    it("OptOutSpeaker on an enrolled speaker turns it OPTED_OUT; an unknown GeneratedSpeakerId is ResourceNotFoundException", async () => {
      started = await start(transport);
      const client = started.clients.voiceId;
      const { domainId } = await createDomain(client);
      const [generated] = started.sandbox.engine.voiceId.seedSpeakers(domainId, [
        { customerSpeakerId: "enrolled-1", voiceprint: [1, 2, 3] },
      ]);
      expect(
        (await client.send(new DescribeSpeakerCommand({ DomainId: domainId, SpeakerId: generated }))).Speaker
          ?.Status,
      ).toBe("ENROLLED");
      const { Speaker } = await client.send(
        new OptOutSpeakerCommand({ DomainId: domainId, SpeakerId: "enrolled-1" }),
      );
      expect(Speaker).toMatchObject({ GeneratedSpeakerId: generated, Status: "OPTED_OUT" });
      await expectAwsError(
        client.send(new OptOutSpeakerCommand({ DomainId: domainId, SpeakerId: `id#${"Q".repeat(22)}` })),
        "ResourceNotFoundException",
        404,
        { ResourceType: "SPEAKER" },
      );
      await expectAwsError(
        client.send(new OptOutSpeakerCommand({ DomainId: MISSING_ID, SpeakerId: "x" })),
        "ResourceNotFoundException",
        404,
        {
          ResourceType: "DOMAIN",
        },
      );
    });

    it("a domain holds 100,000 speakers: OptOutSpeaker of a new one is then ServiceQuotaExceededException", async () => {
      started = await start(transport);
      const client = started.clients.voiceId;
      const { domainId } = await createDomain(client);
      const engine = started.sandbox.engine.voiceId;
      engine.seedSpeakers(
        domainId,
        Array.from({ length: 100_000 }, (_, i) => ({ customerSpeakerId: `bulk-${i}` })),
      );
      await expectAwsError(
        client.send(new OptOutSpeakerCommand({ DomainId: domainId, SpeakerId: "one-too-many" })),
        "ServiceQuotaExceededException",
        402,
      );
      // An existing speaker can still opt out.
      expect(
        (await client.send(new OptOutSpeakerCommand({ DomainId: domainId, SpeakerId: "bulk-7" }))).Speaker
          ?.Status,
      ).toBe("OPTED_OUT");
      const page = await client.send(new ListSpeakersCommand({ DomainId: domainId, MaxResults: 100 }));
      expect(page.SpeakerSummaries).toHaveLength(100);
      expect(page.NextToken).toBeTruthy();
      // The speakers are spread over shards, not one document.
      const shards = started.sandbox.store.listJson(`voiceid/speakers/${domainId}/`);
      expect(shards.length).toBe(256);
    });

    it("ListSpeakers pages through every speaker once", async () => {
      started = await start(transport);
      const client = started.clients.voiceId;
      const { domainId } = await createDomain(client);
      const ids = started.sandbox.engine.voiceId.seedSpeakers(
        domainId,
        Array.from({ length: 7 }, (_, i) => ({ customerSpeakerId: `s${i}` })),
      );
      const seen: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListSpeakersCommand({ DomainId: domainId, MaxResults: 3, NextToken: token }),
        );
        expect(page.SpeakerSummaries?.length).toBeLessThanOrEqual(3);
        seen.push(...(page.SpeakerSummaries ?? []).map((s) => s.GeneratedSpeakerId as string));
        token = page.NextToken;
      } while (token);
      expect(seen.sort()).toEqual([...ids].sort());
      await expectAwsError(
        client.send(new ListSpeakersCommand({ DomainId: domainId, MaxResults: 0 })),
        "ValidationException",
        400,
      );
      await expectAwsError(
        client.send(new ListSpeakersCommand({ DomainId: MISSING_ID })),
        "ResourceNotFoundException",
        404,
      );
    });

    it("DeleteSpeaker by either id; unknown speakers are ResourceNotFoundException SPEAKER", async () => {
      started = await start(transport);
      const client = started.clients.voiceId;
      const { domainId } = await createDomain(client);
      const [first, second] = started.sandbox.engine.voiceId.seedSpeakers(domainId, [
        { customerSpeakerId: "a" },
        { customerSpeakerId: "b" },
      ]);
      await client.send(new DeleteSpeakerCommand({ DomainId: domainId, SpeakerId: "a" }));
      await client.send(new DeleteSpeakerCommand({ DomainId: domainId, SpeakerId: second }));
      for (const id of ["a", first, second]) {
        await expectAwsError(
          client.send(new DescribeSpeakerCommand({ DomainId: domainId, SpeakerId: id })),
          "ResourceNotFoundException",
          404,
          {
            ResourceType: "SPEAKER",
          },
        );
        await expectAwsError(
          client.send(new DeleteSpeakerCommand({ DomainId: domainId, SpeakerId: id })),
          "ResourceNotFoundException",
          404,
          {
            ResourceType: "SPEAKER",
          },
        );
      }
      const error = await expectAwsError(
        client.send(new DescribeSpeakerCommand({ DomainId: domainId, SpeakerId: "-bad" })),
        "ValidationException",
        400,
      );
      // SpeakerId is sensitive: no value in the message.
      expect(error.message).toContain(
        "Value at 'speakerId' failed to satisfy constraint: Member must satisfy regular expression pattern",
      );
    });

    it("speakers not accessed for three years show EXPIRED", async () => {
      const clock = new ManualClock(Date.UTC(2026, 0, 1));
      started = await start(transport, { clock });
      const client = started.clients.voiceId;
      const { domainId } = await createDomain(client);
      started.sandbox.engine.voiceId.seedSpeakers(domainId, [{ customerSpeakerId: "old" }]);
      await clock.advance(3 * 365 * 24 * 3600 * 1000 - 1000);
      expect(
        (await client.send(new DescribeSpeakerCommand({ DomainId: domainId, SpeakerId: "old" }))).Speaker
          ?.Status,
      ).toBe("ENROLLED");
      await clock.advance(2000);
      expect(
        (await client.send(new DescribeSpeakerCommand({ DomainId: domainId, SpeakerId: "old" }))).Speaker
          ?.Status,
      ).toBe("EXPIRED");
      expect(
        (await client.send(new ListSpeakersCommand({ DomainId: domainId }))).SpeakerSummaries?.[0]?.Status,
      ).toBe("EXPIRED");
    });
  });
}
