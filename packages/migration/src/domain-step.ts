import { fromAwsError } from "@cvk/core";
import { requireKey, type StepContext } from "./context.ts";
import type { DomainOutcome } from "./types.ts";

type DomainConfig = NonNullable<NonNullable<StepContext["config"]["voiceId"]>["domain"]>;

/**
 * The Voice ID domain: found by id or name, created when `voiceId.domain.create` says so (with its
 * KMS key), and re-keyed with UpdateDomain when it exists with another KMS key than the configured
 * one (Voice ID then re-encrypts the domain's data in the background: ServerSideEncryptionUpdateDetails).
 */
export async function domainStep(context: StepContext): Promise<{ outcome: DomainOutcome; summary: string }> {
  const spec = requireKey<DomainConfig>(context, "voiceId.domain", "domain");
  const { resolveVoiceIdDomain } = await import("@cvk/contact-flow");
  const { voiceId } = context.clients;
  const ref = await resolveVoiceIdDomain(
    voiceId,
    {
      ...(spec.id ? { id: spec.id } : {}),
      ...(spec.name ? { name: spec.name } : {}),
      ...(spec.create ? { create: true } : {}),
      ...(spec.kmsKeyId ? { kmsKeyId: spec.kmsKeyId } : {}),
      ...(spec.description ? { description: spec.description } : {}),
    },
    { dryRun: context.plan },
  );
  if (ref.created) {
    if (context.plan) {
      context.writes.push({
        step: "domain",
        service: "voiceid",
        operation: "CreateDomain",
        summary: `create Voice ID domain ${ref.name} encrypted with KMS key ${spec.kmsKeyId}`,
      });
    } else {
      context.writes.push({
        step: "domain",
        service: "voiceid",
        operation: "CreateDomain",
        summary: `created Voice ID domain ${ref.name} (${ref.domainId})`,
      });
    }
    const outcome: DomainOutcome = {
      ...ref,
      ...(spec.kmsKeyId ? { kmsKeyId: spec.kmsKeyId } : {}),
      kmsUpdated: false,
    };
    return {
      outcome,
      summary: `${context.plan ? "would create" : "created"} domain ${ref.name}${ref.domainId ? ` (${ref.domainId})` : ""}`,
    };
  }

  const sdk = await import("@aws-sdk/client-voice-id");
  let domain: import("@aws-sdk/client-voice-id").Domain | undefined;
  try {
    domain = (await voiceId.send(new sdk.DescribeDomainCommand({ DomainId: ref.domainId }))).Domain;
  } catch (error) {
    throw fromAwsError(error, { operation: "VoiceID.DescribeDomain", resource: `domain ${ref.domainId}` });
  }
  const current = domain?.ServerSideEncryptionConfiguration?.KmsKeyId;
  let kmsUpdated = false;
  if (spec.kmsKeyId && current !== spec.kmsKeyId) {
    const summary = `re-key domain ${ref.name} from KMS key ${current ?? "(none)"} to ${spec.kmsKeyId}`;
    if (!context.plan) {
      try {
        await voiceId.send(
          new sdk.UpdateDomainCommand({
            DomainId: ref.domainId,
            Name: domain?.Name ?? ref.name,
            ...(domain?.Description ? { Description: domain.Description } : {}),
            ServerSideEncryptionConfiguration: { KmsKeyId: spec.kmsKeyId },
          }),
        );
      } catch (error) {
        throw fromAwsError(error, { operation: "VoiceID.UpdateDomain", resource: `domain ${ref.domainId}` });
      }
      kmsUpdated = true;
    }
    context.writes.push({ step: "domain", service: "voiceid", operation: "UpdateDomain", summary });
  }
  const kmsKeyId = kmsUpdated || (context.plan && spec.kmsKeyId) ? spec.kmsKeyId : current;
  return {
    outcome: { ...ref, ...(kmsKeyId ? { kmsKeyId } : {}), kmsUpdated },
    summary: `domain ${ref.name} (${ref.domainId}) exists${
      spec.kmsKeyId && current !== spec.kmsKeyId
        ? context.plan
          ? `; would re-key it to ${spec.kmsKeyId}`
          : `; re-keyed to ${spec.kmsKeyId}`
        : current
          ? `, KMS key ${current}`
          : ""
    }`,
  };
}
