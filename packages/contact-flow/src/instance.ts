import { createHash } from "node:crypto";
import type { ConnectClient } from "@aws-sdk/client-connect";
import type { VoiceIDClient } from "@aws-sdk/client-voice-id";
import { CvkError, type CvkEventListener, fromAwsError, isNotFoundError, stepReporter } from "@cvk/core";
import { describeConnectInstance, listContactFlows } from "./references.ts";

/**
 * Instance setup for Voice ID: the domain ↔ instance integration association, and phone numbers
 * pointed at flows. Both are what the console's "Enable Voice ID" and "Edit phone number" pages do.
 */

export interface VoiceIdDomainSpec {
  id?: string;
  name?: string;
  /** Create the domain when no domain has this name (needs kmsKeyId). */
  create?: boolean;
  kmsKeyId?: string;
  description?: string;
}

export interface VoiceIdDomainRef {
  domainId: string;
  arn: string;
  name: string;
  created: boolean;
}

const DOMAIN_HINT =
  "Check voiceId.domain.id / voiceId.domain.name for this environment, or set voiceId.domain.create: true (with voiceId.domain.kmsKeyId) to let cvk create it.";

/** The configured Voice ID domain, by id (DescribeDomain) or by name (ListDomains), created if asked to. */
export async function resolveVoiceIdDomain(
  voiceId: VoiceIDClient,
  spec: VoiceIdDomainSpec,
  options: { dryRun?: boolean } = {},
): Promise<VoiceIdDomainRef> {
  const sdk = await import("@aws-sdk/client-voice-id");
  if (spec.id) {
    try {
      const { Domain } = await voiceId.send(new sdk.DescribeDomainCommand({ DomainId: spec.id }));
      return { domainId: spec.id, arn: Domain?.Arn ?? "", name: Domain?.Name ?? "", created: false };
    } catch (error) {
      if (isNotFoundError(error)) {
        throw new CvkError("AWS_NOT_FOUND", `The Voice ID domain ${spec.id} does not exist`, {
          hint: DOMAIN_HINT,
          cause: error,
        });
      }
      throw fromAwsError(error, { operation: "VoiceID.DescribeDomain", resource: `domain ${spec.id}` });
    }
  }
  if (!spec.name) {
    throw new CvkError("CONFIG_INVALID", "No Voice ID domain is configured", {
      hint: "Set voiceId.domain.name (or voiceId.domain.id) for this environment.",
    });
  }
  const matches: VoiceIdDomainRef[] = [];
  let nextToken: string | undefined;
  do {
    try {
      // ListDomains: MaxResults 1–10 (voice-id model).
      const page = await voiceId.send(
        new sdk.ListDomainsCommand({ MaxResults: 10, ...(nextToken ? { NextToken: nextToken } : {}) }),
      );
      for (const domain of page.DomainSummaries ?? []) {
        if (domain.Name === spec.name && domain.DomainId)
          matches.push({
            domainId: domain.DomainId,
            arn: domain.Arn ?? "",
            name: domain.Name,
            created: false,
          });
      }
      nextToken = page.NextToken;
    } catch (error) {
      throw fromAwsError(error, { operation: "VoiceID.ListDomains" });
    }
  } while (nextToken);
  if (matches.length > 1) {
    throw new CvkError("INPUT_INVALID", `${matches.length} Voice ID domains are named ${spec.name}`, {
      hint: `Set voiceId.domain.id to one of ${matches.map((m) => m.domainId).join(", ")}.`,
    });
  }
  if (matches[0]) return matches[0];
  if (!spec.create) {
    throw new CvkError("AWS_NOT_FOUND", `No Voice ID domain is named ${spec.name}`, { hint: DOMAIN_HINT });
  }
  if (!spec.kmsKeyId) {
    throw new CvkError("CONFIG_INVALID", `Creating the domain ${spec.name} needs a KMS key`, {
      hint: "Set voiceId.domain.kmsKeyId (a symmetric KMS key id, ARN or alias) for this environment.",
    });
  }
  if (options.dryRun) return { domainId: "", arn: "", name: spec.name, created: true };
  try {
    const { Domain } = await voiceId.send(
      new sdk.CreateDomainCommand({
        Name: spec.name,
        ServerSideEncryptionConfiguration: { KmsKeyId: spec.kmsKeyId },
        ...(spec.description ? { Description: spec.description } : {}),
        // The same name always sends the same token, so a retried create never makes a second domain.
        ClientToken: `cvk-${createHash("sha256").update(`domain:${spec.name}`).digest("hex").slice(0, 40)}`,
      }),
    );
    return { domainId: Domain?.DomainId ?? "", arn: Domain?.Arn ?? "", name: spec.name, created: true };
  } catch (error) {
    throw fromAwsError(error, { operation: "VoiceID.CreateDomain", resource: `domain ${spec.name}` });
  }
}

export interface EnableVoiceIdOptions {
  connect: ConnectClient;
  instanceId: string;
  /** The Voice ID domain's ARN (arn:aws:voiceid:REGION:ACCOUNT:domain/ID). */
  domainArn: string;
  dryRun?: boolean;
  onEvent?: CvkEventListener;
}

export interface EnableVoiceIdResult {
  instanceId: string;
  domainArn: string;
  outcome: "associated" | "already-associated" | "would-associate";
  associationId?: string;
}

interface Association {
  IntegrationAssociationId?: string;
  IntegrationArn?: string;
}

async function voiceIdAssociations(connect: ConnectClient, instanceId: string): Promise<Association[]> {
  const { ListIntegrationAssociationsCommand } = await import("@aws-sdk/client-connect");
  const out: Association[] = [];
  let nextToken: string | undefined;
  do {
    try {
      const page = await connect.send(
        new ListIntegrationAssociationsCommand({
          InstanceId: instanceId,
          IntegrationType: "VOICE_ID",
          MaxResults: 100,
          ...(nextToken ? { NextToken: nextToken } : {}),
        }),
      );
      out.push(...(page.IntegrationAssociationSummaryList ?? []));
      nextToken = page.NextToken;
    } catch (error) {
      throw fromAwsError(error, {
        operation: "Connect.ListIntegrationAssociations",
        resource: `instance ${instanceId}`,
      });
    }
  } while (nextToken);
  return out;
}

function otherDomainError(instanceId: string, wanted: string, existing: Association): CvkError {
  return new CvkError(
    "VOICE_ID_DOMAIN_CONFLICT",
    `Instance ${instanceId} already uses the Voice ID domain ${existing.IntegrationArn}, not ${wanted}`,
    {
      hint: `An instance takes one Voice ID domain. To switch, remove the old association first: aws connect delete-integration-association --instance-id ${instanceId} --integration-association-id ${existing.IntegrationAssociationId ?? "<id>"} (or point voiceId.domain at the domain in use).`,
      details: {
        associatedDomainArn: existing.IntegrationArn,
        associationId: existing.IntegrationAssociationId,
      },
    },
  );
}

/**
 * Associates the Voice ID domain with the instance (CreateIntegrationAssociation, IntegrationType
 * VOICE_ID, https://docs.aws.amazon.com/connect/latest/adminguide/voiceid-integration-association-apis.html).
 * Idempotent: the same domain already associated is a no-op; another domain is a clear error, where
 * Connect itself would answer only DuplicateResourceException.
 */
export async function enableVoiceId(options: EnableVoiceIdOptions): Promise<EnableVoiceIdResult> {
  const { connect, domainArn } = options;
  const report = stepReporter("enable voice id", options.onEvent);
  const scope = await describeConnectInstance(connect, options.instanceId);
  const instanceId = scope.instanceId;
  const existing = await voiceIdAssociations(connect, instanceId);
  const same = existing.find((association) => association.IntegrationArn === domainArn);
  if (same) {
    report.info(`instance ${instanceId} already uses Voice ID domain ${domainArn}`);
    return {
      instanceId,
      domainArn,
      outcome: "already-associated",
      ...(same.IntegrationAssociationId ? { associationId: same.IntegrationAssociationId } : {}),
    };
  }
  const other = existing[0];
  if (other) throw otherDomainError(instanceId, domainArn, other);
  if (options.dryRun) {
    report.info(`would associate Voice ID domain ${domainArn} with instance ${instanceId}`);
    return { instanceId, domainArn, outcome: "would-associate" };
  }
  const { CreateIntegrationAssociationCommand } = await import("@aws-sdk/client-connect");
  try {
    const created = await connect.send(
      new CreateIntegrationAssociationCommand({
        InstanceId: instanceId,
        IntegrationType: "VOICE_ID",
        IntegrationArn: domainArn,
      }),
    );
    report.info(`associated Voice ID domain ${domainArn} with instance ${instanceId}`);
    return {
      instanceId,
      domainArn,
      outcome: "associated",
      ...(created.IntegrationAssociationId ? { associationId: created.IntegrationAssociationId } : {}),
    };
  } catch (error) {
    const failure = fromAwsError(error, {
      operation: "Connect.CreateIntegrationAssociation",
      resource: `instance ${instanceId}`,
    });
    // Someone associated a domain between our list and our create: say which.
    if (failure.details?.awsErrorName === "DuplicateResourceException") {
      const now = await voiceIdAssociations(connect, instanceId);
      const match = now.find((association) => association.IntegrationArn === domainArn);
      if (match) {
        return {
          instanceId,
          domainArn,
          outcome: "already-associated",
          ...(match.IntegrationAssociationId ? { associationId: match.IntegrationAssociationId } : {}),
        };
      }
      if (now[0]) throw otherDomainError(instanceId, domainArn, now[0]);
    }
    throw failure;
  }
}

export interface PhoneNumberAssignment {
  /** E.164 (+12065550100) or the phone number's id or ARN. */
  number: string;
  /** The flow's name. */
  flow: string;
}

export interface PhoneNumberResult {
  number: string;
  phoneNumberId: string;
  flow: string;
  flowId: string;
  outcome: "associated" | "would-associate";
}

/**
 * Points claimed phone numbers at flows by name (ListPhoneNumbersV2, ListContactFlows, then
 * AssociatePhoneNumberContactFlow, https://docs.aws.amazon.com/connect/latest/APIReference/API_AssociatePhoneNumberContactFlow.html).
 * Connect has no read for a number's current flow in these APIs, so every association is (re)written;
 * the call is idempotent on Connect's side.
 */
export async function associatePhoneNumbers(options: {
  connect: ConnectClient;
  instanceId: string;
  numbers: PhoneNumberAssignment[];
  dryRun?: boolean;
  onEvent?: CvkEventListener;
}): Promise<PhoneNumberResult[]> {
  const { connect, numbers } = options;
  const report = stepReporter("phone numbers", options.onEvent);
  const sdk = await import("@aws-sdk/client-connect");
  const scope = await describeConnectInstance(connect, options.instanceId);
  const claimed: { id: string; arn: string; number: string }[] = [];
  let nextToken: string | undefined;
  do {
    try {
      const page = await connect.send(
        new sdk.ListPhoneNumbersV2Command({
          InstanceId: scope.instanceId,
          MaxResults: 1000,
          ...(nextToken ? { NextToken: nextToken } : {}),
        }),
      );
      for (const n of page.ListPhoneNumbersSummaryList ?? [])
        claimed.push({ id: n.PhoneNumberId ?? "", arn: n.PhoneNumberArn ?? "", number: n.PhoneNumber ?? "" });
      nextToken = page.NextToken;
    } catch (error) {
      throw fromAwsError(error, {
        operation: "Connect.ListPhoneNumbersV2",
        resource: `instance ${scope.instanceId}`,
      });
    }
  } while (nextToken);
  const flows = await listContactFlows(connect, scope.instanceId);

  const plan = numbers.map((assignment) => {
    const phone = claimed.find((c) => [c.number, c.id, c.arn].includes(assignment.number));
    if (!phone) {
      throw new CvkError(
        "AWS_NOT_FOUND",
        `Phone number ${assignment.number} is not claimed by instance ${scope.instanceId}`,
        {
          hint: `Claim it first, or use one of: ${claimed.map((c) => c.number).join(", ") || "(none claimed)"}.`,
        },
      );
    }
    const flow = flows.find((f) => f.name === assignment.flow);
    if (!flow) {
      throw new CvkError(
        "AWS_NOT_FOUND",
        `No flow named "${assignment.flow}" on instance ${scope.instanceId}`,
        {
          hint: "Deploy it first with `cvk flow deploy`, or fix connect.phoneNumbers[].flow.",
        },
      );
    }
    return { phone, flow };
  });

  const results: PhoneNumberResult[] = [];
  for (const { phone, flow } of plan) {
    const base = { number: phone.number, phoneNumberId: phone.id, flow: flow.name, flowId: flow.id };
    if (options.dryRun) {
      report.info(`would point ${phone.number} at "${flow.name}"`);
      results.push({ ...base, outcome: "would-associate" });
      continue;
    }
    try {
      await connect.send(
        new sdk.AssociatePhoneNumberContactFlowCommand({
          PhoneNumberId: phone.id,
          InstanceId: scope.instanceId,
          ContactFlowId: flow.id,
        }),
      );
    } catch (error) {
      throw fromAwsError(error, {
        operation: "Connect.AssociatePhoneNumberContactFlow",
        resource: phone.number,
      });
    }
    report.info(`pointed ${phone.number} at "${flow.name}"`);
    results.push({ ...base, outcome: "associated" });
  }
  return results;
}
