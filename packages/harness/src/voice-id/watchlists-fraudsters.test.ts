import {
  AssociateFraudsterCommand,
  CreateWatchlistCommand,
  DeleteFraudsterCommand,
  DeleteWatchlistCommand,
  DescribeFraudsterCommand,
  DescribeWatchlistCommand,
  DisassociateFraudsterCommand,
  ListFraudstersCommand,
  ListWatchlistsCommand,
  UpdateWatchlistCommand,
} from "@aws-sdk/client-voice-id";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type StartedSandbox, TRANSPORTS } from "../test-support.ts";
import { createDomain, expectAwsError, start } from "./test-support.ts";

const MISSING_ID = "Z".repeat(22);
const MISSING_FRAUDSTER = `id#${"Z".repeat(22)}`;

for (const transport of TRANSPORTS) {
  describe(`Voice ID watchlists and fraudsters (${transport})`, () => {
    let started: StartedSandbox;
    let domainId: string;
    let defaultWatchlistId: string;
    beforeEach(async () => {
      started = await start(transport);
      ({ domainId, defaultWatchlistId } = await createDomain(started.clients.voiceId));
    });
    afterEach(async () => {
      await started.stop();
    });

    it("CreateWatchlist / DescribeWatchlist / UpdateWatchlist / ListWatchlists", async () => {
      const client = started.clients.voiceId;
      const { Watchlist } = await client.send(
        new CreateWatchlistCommand({ DomainId: domainId, Name: "vip-fraud", Description: "Known: VIP" }),
      );
      expect(Watchlist).toMatchObject({
        DomainId: domainId,
        Name: "vip-fraud",
        Description: "Known: VIP",
        DefaultWatchlist: false,
      });
      expect(Watchlist?.WatchlistId).toMatch(/^[a-zA-Z0-9]{22}$/);
      const described = await client.send(
        new DescribeWatchlistCommand({ DomainId: domainId, WatchlistId: Watchlist?.WatchlistId }),
      );
      expect(described.Watchlist).toEqual(Watchlist);
      const updated = await client.send(
        new UpdateWatchlistCommand({
          DomainId: domainId,
          WatchlistId: Watchlist?.WatchlistId,
          Name: "renamed",
        }),
      );
      // Only the given members change (UpdateWatchlist is not documented as clobbering).
      expect(updated.Watchlist).toMatchObject({ Name: "renamed", Description: "Known: VIP" });
      const page1 = await client.send(new ListWatchlistsCommand({ DomainId: domainId, MaxResults: 1 }));
      expect(page1.WatchlistSummaries?.map((w) => w.WatchlistId)).toEqual([defaultWatchlistId]);
      const page2 = await client.send(
        new ListWatchlistsCommand({ DomainId: domainId, MaxResults: 1, NextToken: page1.NextToken }),
      );
      expect(page2.WatchlistSummaries?.map((w) => w.Name)).toEqual(["renamed"]);
      expect(page2.NextToken).toBeUndefined();
      await expectAwsError(
        client.send(new ListWatchlistsCommand({ DomainId: domainId, MaxResults: 101 })),
        "ValidationException",
        400,
      );
    });

    it("watchlist operations answer ResourceNotFoundException WATCHLIST / DOMAIN", async () => {
      const client = started.clients.voiceId;
      const missing = { DomainId: domainId, WatchlistId: MISSING_ID };
      for (const command of [
        new DescribeWatchlistCommand(missing),
        new UpdateWatchlistCommand(missing),
        new DeleteWatchlistCommand(missing),
      ]) {
        await expectAwsError(client.send(command as never), "ResourceNotFoundException", 404, {
          ResourceType: "WATCHLIST",
        });
      }
      await expectAwsError(
        client.send(new CreateWatchlistCommand({ DomainId: MISSING_ID, Name: "x" })),
        "ResourceNotFoundException",
        404,
        {
          ResourceType: "DOMAIN",
        },
      );
      await expectAwsError(
        client.send(new ListWatchlistsCommand({ DomainId: MISSING_ID })),
        "ResourceNotFoundException",
        404,
        {
          ResourceType: "DOMAIN",
        },
      );
    });

    it("the default watchlist can be neither updated nor deleted (ValidationException)", async () => {
      const client = started.clients.voiceId;
      const target = { DomainId: domainId, WatchlistId: defaultWatchlistId };
      await expectAwsError(
        client.send(new UpdateWatchlistCommand({ ...target, Name: "x" })),
        "ValidationException",
        400,
      );
      await expectAwsError(client.send(new DeleteWatchlistCommand(target)), "ValidationException", 400);
    });

    it("CreateWatchlist: 3 per domain including the default (402) and idempotent ClientToken (409 on other input)", async () => {
      const client = started.clients.voiceId;
      const first = await client.send(
        new CreateWatchlistCommand({ DomainId: domainId, Name: "w1", ClientToken: "tok-1" }),
      );
      const again = await client.send(
        new CreateWatchlistCommand({ DomainId: domainId, Name: "w1", ClientToken: "tok-1" }),
      );
      expect(again.Watchlist?.WatchlistId).toBe(first.Watchlist?.WatchlistId);
      await expectAwsError(
        client.send(new CreateWatchlistCommand({ DomainId: domainId, Name: "w9", ClientToken: "tok-1" })),
        "ConflictException",
        409,
      );
      await client.send(new CreateWatchlistCommand({ DomainId: domainId, Name: "w2" }));
      await expectAwsError(
        client.send(new CreateWatchlistCommand({ DomainId: domainId, Name: "w3" })),
        "ServiceQuotaExceededException",
        402,
      );
      // The token still returns its watchlist when the domain is full.
      const retried = await client.send(
        new CreateWatchlistCommand({ DomainId: domainId, Name: "w1", ClientToken: "tok-1" }),
      );
      expect(retried.Watchlist?.WatchlistId).toBe(first.Watchlist?.WatchlistId);
    });

    it("DeleteWatchlist refuses a non-empty watchlist (ConflictException CANNOT_DELETE_NON_EMPTY_WATCHLIST)", async () => {
      const client = started.clients.voiceId;
      const { Watchlist } = await client.send(new CreateWatchlistCommand({ DomainId: domainId, Name: "w" }));
      const watchlistId = Watchlist?.WatchlistId as string;
      const [fraudsterId] = started.sandbox.engine.voiceId.seedFraudsters(domainId, [
        { watchlistIds: [watchlistId] },
      ]);
      await expectAwsError(
        client.send(new DeleteWatchlistCommand({ DomainId: domainId, WatchlistId: watchlistId })),
        "ConflictException",
        409,
        {
          ConflictType: "CANNOT_DELETE_NON_EMPTY_WATCHLIST",
        },
      );
      await client.send(new DeleteFraudsterCommand({ DomainId: domainId, FraudsterId: fraudsterId }));
      await client.send(new DeleteWatchlistCommand({ DomainId: domainId, WatchlistId: watchlistId }));
      await expectAwsError(
        client.send(new DescribeWatchlistCommand({ DomainId: domainId, WatchlistId: watchlistId })),
        "ResourceNotFoundException",
        404,
      );
    });

    it("DescribeFraudster / ListFraudsters (all, by watchlist, paged)", async () => {
      const client = started.clients.voiceId;
      const { Watchlist } = await client.send(new CreateWatchlistCommand({ DomainId: domainId, Name: "w" }));
      const other = Watchlist?.WatchlistId as string;
      const engine = started.sandbox.engine.voiceId;
      const inDefault = engine.seedFraudsters(domainId, [{}, {}, {}]);
      const inOther = engine.seedFraudsters(domainId, [{ watchlistIds: [other] }]);
      const { Fraudster } = await client.send(
        new DescribeFraudsterCommand({ DomainId: domainId, FraudsterId: inOther[0] }),
      );
      expect(Fraudster).toMatchObject({
        DomainId: domainId,
        GeneratedFraudsterId: inOther[0],
        WatchlistIds: [other],
      });
      expect(Fraudster?.CreatedAt).toBeInstanceOf(Date);

      const collected: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListFraudstersCommand({ DomainId: domainId, MaxResults: 3, NextToken: token }),
        );
        collected.push(...(page.FraudsterSummaries ?? []).map((f) => f.GeneratedFraudsterId as string));
        token = page.NextToken;
      } while (token);
      expect(collected.sort()).toEqual([...inDefault, ...inOther].sort());
      const onlyOther = await client.send(
        new ListFraudstersCommand({ DomainId: domainId, WatchlistId: other }),
      );
      expect(onlyOther.FraudsterSummaries?.map((f) => f.GeneratedFraudsterId)).toEqual(inOther);
      await expectAwsError(
        client.send(new ListFraudstersCommand({ DomainId: domainId, WatchlistId: MISSING_ID })),
        "ResourceNotFoundException",
        404,
        {
          ResourceType: "WATCHLIST",
        },
      );
      await expectAwsError(
        client.send(new DescribeFraudsterCommand({ DomainId: domainId, FraudsterId: MISSING_FRAUDSTER })),
        "ResourceNotFoundException",
        404,
        {
          ResourceType: "FRAUDSTER",
        },
      );
      await expectAwsError(
        client.send(new ListFraudstersCommand({ DomainId: MISSING_ID })),
        "ResourceNotFoundException",
        404,
        { ResourceType: "DOMAIN" },
      );
    });

    it("AssociateFraudster / DisassociateFraudster, and a fraudster's only watchlist cannot be removed (ValidationException)", async () => {
      const client = started.clients.voiceId;
      const { Watchlist } = await client.send(new CreateWatchlistCommand({ DomainId: domainId, Name: "w" }));
      const other = Watchlist?.WatchlistId as string;
      const [fraudsterId] = started.sandbox.engine.voiceId.seedFraudsters(domainId, [{}]);
      const target = { DomainId: domainId, FraudsterId: fraudsterId };
      await expectAwsError(
        client.send(new DisassociateFraudsterCommand({ ...target, WatchlistId: defaultWatchlistId })),
        "ValidationException",
        400,
      );
      const associated = await client.send(new AssociateFraudsterCommand({ ...target, WatchlistId: other }));
      expect(associated.Fraudster?.WatchlistIds).toEqual([defaultWatchlistId, other]);
      const twice = await client.send(new AssociateFraudsterCommand({ ...target, WatchlistId: other }));
      expect(twice.Fraudster?.WatchlistIds).toEqual([defaultWatchlistId, other]);
      const removed = await client.send(
        new DisassociateFraudsterCommand({ ...target, WatchlistId: defaultWatchlistId }),
      );
      expect(removed.Fraudster?.WatchlistIds).toEqual([other]);
      await expectAwsError(
        client.send(new DisassociateFraudsterCommand({ ...target, WatchlistId: defaultWatchlistId })),
        "ValidationException",
        400,
      );
      await expectAwsError(
        client.send(new AssociateFraudsterCommand({ ...target, WatchlistId: MISSING_ID })),
        "ResourceNotFoundException",
        404,
        {
          ResourceType: "WATCHLIST",
        },
      );
      await expectAwsError(
        client.send(
          new AssociateFraudsterCommand({
            DomainId: domainId,
            FraudsterId: MISSING_FRAUDSTER,
            WatchlistId: other,
          }),
        ),
        "ResourceNotFoundException",
        404,
        { ResourceType: "FRAUDSTER" },
      );
      await expectAwsError(
        client.send(
          new DisassociateFraudsterCommand({
            DomainId: domainId,
            FraudsterId: MISSING_FRAUDSTER,
            WatchlistId: other,
          }),
        ),
        "ResourceNotFoundException",
        404,
        { ResourceType: "FRAUDSTER" },
      );
    });

    it("AssociateFraudster into a full watchlist (500 fraudsters) is ServiceQuotaExceededException", async () => {
      const client = started.clients.voiceId;
      const engine = started.sandbox.engine.voiceId;
      const { Watchlist } = await client.send(
        new CreateWatchlistCommand({ DomainId: domainId, Name: "full" }),
      );
      const full = Watchlist?.WatchlistId as string;
      engine.seedFraudsters(
        domainId,
        Array.from({ length: 500 }, () => ({ watchlistIds: [full] })),
      );
      const [outsider] = engine.seedFraudsters(domainId, [{}]);
      await expectAwsError(
        client.send(
          new AssociateFraudsterCommand({ DomainId: domainId, FraudsterId: outsider, WatchlistId: full }),
        ),
        "ServiceQuotaExceededException",
        402,
      );
    });

    it("DeleteFraudster removes it from every watchlist; unknown fraudsters are ResourceNotFoundException", async () => {
      const client = started.clients.voiceId;
      const [fraudsterId] = started.sandbox.engine.voiceId.seedFraudsters(domainId, [{}]);
      await client.send(new DeleteFraudsterCommand({ DomainId: domainId, FraudsterId: fraudsterId }));
      const { FraudsterSummaries } = await client.send(
        new ListFraudstersCommand({ DomainId: domainId, WatchlistId: defaultWatchlistId }),
      );
      expect(FraudsterSummaries).toEqual([]);
      await expectAwsError(
        client.send(new DeleteFraudsterCommand({ DomainId: domainId, FraudsterId: fraudsterId })),
        "ResourceNotFoundException",
        404,
        {
          ResourceType: "FRAUDSTER",
        },
      );
    });
  });
}
