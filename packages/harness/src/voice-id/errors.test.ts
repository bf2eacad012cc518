/**
 * The errors every Voice ID operation may return (AccessDenied, InternalServer, Throttling,
 * Validation in the model's `errors` list), as the real SDK sees them: ThrottlingException (429) and
 * InternalServerException (500) through fault injection and the documented TPS quotas, for all 29
 * operations; ValidationException for all 29 is in model.test.ts.
 */
import * as sdk from "@aws-sdk/client-voice-id";
import { ManualClock } from "@cvk/core";
import { afterEach, describe, expect, it } from "vitest";
import { type StartedSandbox, TRANSPORTS } from "../test-support.ts";
import { OPERATION_NAMES } from "./shapes.ts";
import { createDomain, errorOf, expectAwsError, standardClient, start } from "./test-support.ts";

type CommandClass = new (input: object) => Parameters<sdk.VoiceIDClient["send"]>[0];
const commandOf = (operation: string): CommandClass =>
  (sdk as unknown as Record<string, CommandClass>)[`${operation}Command`] as CommandClass;

for (const transport of TRANSPORTS) {
  describe(`Voice ID errors common to every operation (${transport})`, () => {
    let started: StartedSandbox;
    afterEach(async () => {
      await started.stop();
    });

    it("every operation answers ThrottlingException (429) and InternalServerException (5xx) when faults say so", async () => {
      started = await start(transport);
      expect(OPERATION_NAMES).toHaveLength(29);
      // A client without retries: this test wants every answer as the sandbox gives it.
      const client = standardClient(started);
      for (const operation of OPERATION_NAMES) {
        const Command = commandOf(operation);
        expect(Command, operation).toBeTypeOf("function");
        started.sandbox.faults.configure({ operations: { [`voiceid:${operation}`]: { throttle: 1 } } });
        const throttled = await errorOf(client.send(new Command({})));
        expect(throttled.name, operation).toBe("ThrottlingException");
        expect(throttled).toBeInstanceOf(sdk.ThrottlingException);
        expect((throttled.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(429);

        started.sandbox.faults.configure({ operations: { [`voiceid:${operation}`]: { serverError: 1 } } });
        const failed = await errorOf(client.send(new Command({})));
        expect(failed.name, operation).toBe("InternalServerException");
        expect([500, 503]).toContain((failed.$metadata as { httpStatusCode: number }).httpStatusCode);
      }
      started.sandbox.faults.clear();
      expect((await client.send(new sdk.ListDomainsCommand({}))).DomainSummaries).toEqual([]);
      client.destroy();
    });

    it("beyond the documented TPS quota the sandbox answers ThrottlingException when quotas are enforced", async () => {
      const clock = new ManualClock(Date.UTC(2026, 0, 1));
      started = await start(transport, { clock, enforceQuotas: true });
      const client = standardClient(started);
      // Domain APIs: 2 TPS (aws-facts.md §3 "Quotas").
      await client.send(new sdk.ListDomainsCommand({}));
      await client.send(new sdk.ListDomainsCommand({}));
      await expectAwsError(client.send(new sdk.ListDomainsCommand({})), "ThrottlingException", 429);
      await clock.advance(1000);
      await client.send(new sdk.ListDomainsCommand({}));
      client.destroy();
    });

    it("domain-scoped operations answer ResourceNotFoundException DOMAIN for a domain that does not exist", async () => {
      started = await start(transport);
      const { domainId, defaultWatchlistId } = await createDomain(started.clients.voiceId);
      const missing = "Z".repeat(22);
      const fraudsterId = `id#${"F".repeat(22)}`;
      const inputs: Record<string, object> = {
        AssociateFraudster: { WatchlistId: defaultWatchlistId, FraudsterId: fraudsterId },
        CreateWatchlist: { Name: "w" },
        DeleteDomain: {},
        DeleteFraudster: { FraudsterId: fraudsterId },
        DeleteSpeaker: { SpeakerId: "s" },
        DeleteWatchlist: { WatchlistId: defaultWatchlistId },
        DescribeDomain: {},
        DescribeFraudster: { FraudsterId: fraudsterId },
        DescribeFraudsterRegistrationJob: { JobId: missing },
        DescribeSpeaker: { SpeakerId: "s" },
        DescribeSpeakerEnrollmentJob: { JobId: missing },
        DescribeWatchlist: { WatchlistId: defaultWatchlistId },
        DisassociateFraudster: { WatchlistId: defaultWatchlistId, FraudsterId: fraudsterId },
        EvaluateSession: { SessionNameOrId: "contact" },
        ListFraudsterRegistrationJobs: {},
        ListFraudsters: {},
        ListSpeakerEnrollmentJobs: {},
        ListSpeakers: {},
        ListWatchlists: {},
        OptOutSpeaker: { SpeakerId: "s" },
        StartFraudsterRegistrationJob: {
          DataAccessRoleArn: "arn:aws:iam::123456789012:role/r-voice-id",
          InputDataConfig: { S3Uri: "s3://input/m.json" },
          OutputDataConfig: { S3Uri: "s3://out" },
        },
        StartSpeakerEnrollmentJob: {
          DataAccessRoleArn: "arn:aws:iam::123456789012:role/r-voice-id",
          InputDataConfig: { S3Uri: "s3://input/m.json" },
          OutputDataConfig: { S3Uri: "s3://out" },
        },
        UpdateDomain: { Name: "d", ServerSideEncryptionConfiguration: { KmsKeyId: "k" } },
        UpdateWatchlist: { WatchlistId: defaultWatchlistId },
      };
      for (const [operation, input] of Object.entries(inputs)) {
        const Command = commandOf(operation);
        const error = await expectAwsError(
          started.clients.voiceId.send(new Command({ DomainId: missing, ...input })),
          "ResourceNotFoundException",
          404,
        );
        expect(error.ResourceType, operation).toBe("DOMAIN");
      }
      // The real domain is untouched.
      expect(
        (await started.clients.voiceId.send(new sdk.DescribeDomainCommand({ DomainId: domainId }))).Domain
          ?.DomainId,
      ).toBe(domainId);
    });
  });
}
