import type { StepContext } from "./context.ts";
import { requireInstanceId } from "./flows-step.ts";
import type { DomainOutcome, FlowOutcome, InstanceOutcome } from "./types.ts";

/**
 * Switches Voice ID on for the instance — the VOICE_ID integration association with the domain,
 * idempotent — and points the configured phone numbers at their flows by name.
 */
export async function instanceStep(
  context: StepContext,
  domain: DomainOutcome,
  flows: FlowOutcome[],
): Promise<{ outcome: InstanceOutcome; summary: string }> {
  const instanceId = requireInstanceId(context, "instance");
  const { enableVoiceId, associatePhoneNumbers } = await import("@cvk/contact-flow");
  const { connect } = context.clients;
  let association: InstanceOutcome["association"];
  let domainArn = domain.arn;
  if (!domain.arn) {
    // Plan mode, and the domain is still to be created: nothing to compare with yet.
    association = "would-associate";
    domainArn = `(domain ${domain.name}, once created)`;
  } else {
    const result = await enableVoiceId({
      connect,
      instanceId,
      domainArn: domain.arn,
      dryRun: context.plan,
      onEvent: context.events("instance"),
    });
    association = result.outcome;
  }
  if (association !== "already-associated") {
    context.writes.push({
      step: "instance",
      service: "connect",
      operation: "CreateIntegrationAssociation",
      summary: `${context.plan ? "associate" : "associated"} Voice ID domain ${domain.name} with instance ${instanceId}`,
    });
  }

  const numbers = context.config.connect?.phoneNumbers ?? [];
  const phoneNumbers: InstanceOutcome["phoneNumbers"] = [];
  if (numbers.length > 0) {
    const pending = new Set(flows.filter((f) => f.outcome === "would create").map((f) => f.name));
    if (context.plan && numbers.some((n) => pending.has(n.flow))) {
      // The flows do not exist yet, so Connect has nothing to resolve the names against.
      for (const n of numbers)
        phoneNumbers.push({ number: n.number, flow: n.flow, outcome: "would-associate" });
    } else {
      const results = await associatePhoneNumbers({
        connect,
        instanceId,
        numbers,
        dryRun: context.plan,
        onEvent: context.events("instance"),
      });
      for (const r of results) phoneNumbers.push({ number: r.number, flow: r.flow, outcome: r.outcome });
    }
    for (const n of phoneNumbers) {
      context.writes.push({
        step: "instance",
        service: "connect",
        operation: "AssociatePhoneNumberContactFlow",
        summary: `${context.plan ? "point" : "pointed"} ${n.number} at "${n.flow}"`,
      });
    }
  }
  const words = {
    associated: "associated",
    "already-associated": "already associated",
    "would-associate": "would be associated",
  };
  return {
    outcome: { instanceId, association, domainArn, phoneNumbers },
    summary: `Voice ID ${words[association]} on instance ${instanceId}${
      phoneNumbers.length > 0
        ? `; ${phoneNumbers.length} phone number(s) ${context.plan ? "to point" : "pointed"} at their flows`
        : ""
    }`,
  };
}
