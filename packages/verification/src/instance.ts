import type { ConnectClient } from "@aws-sdk/client-connect";
import type { VoiceIDClient } from "@aws-sdk/client-voice-id";
import { describeConnectInstance, resolveVoiceIdDomain, type VoiceIdDomainSpec } from "@cvk/contact-flow";
import { type CvkEventListener, isCvkError, stepReporter } from "@cvk/core";
import type { VerificationCheck } from "./report.ts";
import { type ReadRetryOptions, readWithRetry } from "./retry.ts";

/**
 * Instance checks: Voice ID is switched on for the Connect instance and its domain is usable.
 *
 * - The instance's VOICE_ID integration association names the configured domain's ARN: "One domain
 *   per instance", set with CreateIntegrationAssociation
 *   (https://docs.aws.amazon.com/connect/latest/adminguide/voiceid-integration-association-apis.html).
 * - The domain's DomainStatus is ACTIVE (ACTIVE | PENDING | SUSPENDED in the model), and its
 *   ServerSideEncryptionUpdateDetails, present after UpdateDomain changed the KMS key, says
 *   COMPLETED — IN_PROGRESS locks the domain from further encryption updates, FAILED needs the key
 *   access fixed and UpdateDomain repeated (the model's ServerSideEncryptionUpdateStatus docs).
 * - The configured watchlists exist (voiceId.watchlist, enrollment.fraudDetection.watchlist); with
 *   none configured, the domain's default watchlist does (WatchlistDetails.DefaultWatchlistId).
 *
 * Never creates anything: the domain is looked up with `create` off.
 */

export interface VerifyInstanceOptions {
  connect: ConnectClient;
  voiceId: VoiceIDClient;
  instanceId: string;
  /** voiceId.domain of the environment (id or name; `create` is ignored). */
  domain: VoiceIdDomainSpec;
  /** Watchlist names the configuration relies on. */
  watchlists?: readonly string[];
  retry?: ReadRetryOptions;
  onEvent?: CvkEventListener;
}

export interface InstanceVerification {
  checks: VerificationCheck[];
  instance?: { instanceId: string; region: string; accountId: string };
  domain?: { domainId: string; arn: string; name: string; status?: string };
}

const SECTION = "instance" as const;

export async function verifyInstance(options: VerifyInstanceOptions): Promise<InstanceVerification> {
  const { connect, voiceId } = options;
  const report = stepReporter("verify instance", options.onEvent);
  const checks: VerificationCheck[] = [];
  const result: InstanceVerification = { checks };
  const add = (
    id: string,
    name: string,
    status: VerificationCheck["status"],
    summary: string,
    details: string[] = [],
  ) => checks.push({ id: `instance.${id}`, section: SECTION, name, status, summary, details });
  report.started(undefined, `instance ${options.instanceId}`);

  const names = {
    instance: "The Connect instance exists",
    domain: "The configured Voice ID domain exists",
    active: "The Voice ID domain is ACTIVE",
    encryption: "The domain's encryption update, if any, is COMPLETED",
    association: "The instance's Voice ID integration points at the configured domain",
    watchlists: "The configured fraud watchlists exist",
  };

  let instanceOk = false;
  try {
    const scope = await readWithRetry(
      () => describeConnectInstance(connect, options.instanceId),
      { operation: "Connect.DescribeInstance", resource: `instance ${options.instanceId}` },
      options.retry,
    );
    result.instance = { instanceId: scope.instanceId, region: scope.region, accountId: scope.accountId };
    add(
      "connect-instance",
      names.instance,
      "pass",
      `${scope.instanceId} (${scope.region}, account ${scope.accountId})`,
    );
    instanceOk = true;
  } catch (error) {
    if (!isCvkError(error) || error.code !== "AWS_NOT_FOUND") throw error;
    add("connect-instance", names.instance, "fail", error.message, error.hint ? [`hint: ${error.hint}`] : []);
  }

  const { create: _create, ...spec } = options.domain;
  let domain: Awaited<ReturnType<typeof resolveVoiceIdDomain>> | undefined;
  try {
    domain = await readWithRetry(
      () => resolveVoiceIdDomain(voiceId, spec),
      { operation: "VoiceID.ListDomains" },
      options.retry,
    );
    add("voice-id-domain", names.domain, "pass", `${domain.name || "(unnamed)"} (${domain.domainId})`);
  } catch (error) {
    // Not found, or several domains with the name: a failed check, not a usage error.
    if (!isCvkError(error) || !["AWS_NOT_FOUND", "INPUT_INVALID"].includes(error.code)) throw error;
    add("voice-id-domain", names.domain, "fail", error.message, error.hint ? [`hint: ${error.hint}`] : []);
  }

  let defaultWatchlistId: string | undefined;
  if (domain) {
    const sdk = await import("@aws-sdk/client-voice-id");
    const id = domain.domainId;
    const { Domain } = await readWithRetry(
      () => voiceId.send(new sdk.DescribeDomainCommand({ DomainId: id })),
      { operation: "VoiceID.DescribeDomain", resource: `domain ${id}` },
      options.retry,
    );
    const status = Domain?.DomainStatus;
    result.domain = { domainId: id, arn: domain.arn, name: domain.name, ...(status ? { status } : {}) };
    add(
      "voice-id-domain-active",
      names.active,
      status === "ACTIVE" ? "pass" : "fail",
      `DomainStatus ${status ?? "(none)"}`,
      status === "ACTIVE"
        ? []
        : [
            "Voice ID serves no session for a domain that is not ACTIVE; see the domain in the console or ask AWS Support.",
          ],
    );
    const update = Domain?.ServerSideEncryptionUpdateDetails;
    if (!update?.UpdateStatus) {
      add("voice-id-domain-encryption", names.encryption, "pass", "no encryption update on record");
    } else if (update.UpdateStatus === "COMPLETED") {
      add(
        "voice-id-domain-encryption",
        names.encryption,
        "pass",
        `re-encryption from ${update.OldKmsKeyId ?? "the old key"} COMPLETED`,
      );
    } else {
      add(
        "voice-id-domain-encryption",
        names.encryption,
        "fail",
        `re-encryption to ${Domain?.ServerSideEncryptionConfiguration?.KmsKeyId ?? "the new key"} is ${update.UpdateStatus}${update.Message ? `: ${update.Message}` : ""}`,
        [
          update.UpdateStatus === "FAILED"
            ? "hint: give Voice ID access to the new KMS key, then call UpdateDomain again with the same configuration."
            : "hint: wait for it to finish; the domain refuses further encryption updates meanwhile.",
        ],
      );
    }
    defaultWatchlistId = Domain?.WatchlistDetails?.DefaultWatchlistId;

    // Watchlists: ListWatchlists pages of up to 100 (the model); a domain holds at most 3.
    const wanted = [...new Set(options.watchlists ?? [])];
    const present = new Map<string, string>();
    let nextToken: string | undefined;
    do {
      const token = nextToken;
      const page = await readWithRetry(
        () =>
          voiceId.send(
            new sdk.ListWatchlistsCommand({
              DomainId: id,
              MaxResults: 100,
              ...(token ? { NextToken: token } : {}),
            }),
          ),
        { operation: "VoiceID.ListWatchlists", resource: `domain ${id}` },
        options.retry,
      );
      for (const watchlist of page.WatchlistSummaries ?? [])
        if (watchlist.Name && watchlist.WatchlistId) present.set(watchlist.Name, watchlist.WatchlistId);
      nextToken = page.NextToken;
    } while (nextToken);
    if (wanted.length === 0) {
      const hasDefault =
        defaultWatchlistId !== undefined && [...present.values()].includes(defaultWatchlistId);
      add(
        "watchlists",
        names.watchlists,
        hasDefault ? "pass" : "fail",
        hasDefault
          ? `none configured; the default watchlist ${defaultWatchlistId} is present`
          : "none configured, and the domain's default watchlist is not listed",
      );
    } else {
      const missing = wanted.filter((name) => !present.has(name));
      add(
        "watchlists",
        names.watchlists,
        missing.length === 0 ? "pass" : "fail",
        missing.length === 0
          ? wanted.map((name) => `${name} (${present.get(name)})`).join(", ")
          : `missing: ${missing.join(", ")}`,
        missing.length === 0
          ? []
          : [
              `the domain has: ${[...present.keys()].join(", ") || "(none)"}`,
              "hint: `cvk enroll run` or `cvk fraudsters register` creates a configured watchlist.",
            ],
      );
    }
  } else {
    for (const [id, name] of [
      ["voice-id-domain-active", names.active],
      ["voice-id-domain-encryption", names.encryption],
      ["watchlists", names.watchlists],
    ] as const)
      add(id, name, "skip", "no domain to check");
  }

  if (!instanceOk) {
    add("voice-id-association", names.association, "skip", "no instance to check");
  } else {
    const sdk = await import("@aws-sdk/client-connect");
    const instanceId = result.instance?.instanceId ?? options.instanceId;
    const arns: { arn: string; id: string }[] = [];
    let nextToken: string | undefined;
    do {
      const token = nextToken;
      const page = await readWithRetry(
        () =>
          connect.send(
            new sdk.ListIntegrationAssociationsCommand({
              InstanceId: instanceId,
              IntegrationType: "VOICE_ID",
              MaxResults: 100,
              ...(token ? { NextToken: token } : {}),
            }),
          ),
        { operation: "Connect.ListIntegrationAssociations", resource: `instance ${instanceId}` },
        options.retry,
      );
      for (const summary of page.IntegrationAssociationSummaryList ?? [])
        if (summary.IntegrationArn)
          arns.push({ arn: summary.IntegrationArn, id: summary.IntegrationAssociationId ?? "" });
      nextToken = page.NextToken;
    } while (nextToken);
    const wanted = domain?.arn;
    const match = wanted ? arns.find((a) => a.arn === wanted) : undefined;
    if (match) {
      add("voice-id-association", names.association, "pass", `${wanted} (association ${match.id})`);
    } else if (arns.length === 0) {
      add(
        "voice-id-association",
        names.association,
        "fail",
        `instance ${instanceId} has no Voice ID domain associated`,
        ["hint: `cvk instance enable-voice-id --env NAME` associates the configured domain."],
      );
    } else {
      add(
        "voice-id-association",
        names.association,
        "fail",
        `instance ${instanceId} uses ${arns.map((a) => a.arn).join(", ")}${wanted ? `, not ${wanted}` : ""}`,
        [
          "hint: an instance takes one Voice ID domain; delete the other association, then `cvk instance enable-voice-id`.",
        ],
      );
    }
  }
  report.finished(undefined, { checks: checks.length });
  return result;
}
