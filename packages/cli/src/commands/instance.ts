import { CvkError } from "@cvk/core";
import type { CommandDefinition } from "../command.ts";
import type { CommandContext } from "../context.ts";
import { connectEnvironment, connectInstanceId, withConnectSession } from "./connect-target.ts";

async function enableVoiceIdCommand(context: CommandContext, args: { dryRun?: boolean }): Promise<number> {
  const { output } = context;
  const command = "cvk instance enable-voice-id";
  const environment = connectEnvironment(context, command);
  const domain = environment.config.voiceId?.domain;
  if (!domain || (!domain.id && !domain.name)) {
    const where = environment.source.locate(["environments", environment.name]);
    throw new CvkError(
      "CONFIG_INVALID",
      `${where}: environments.${environment.name}.voiceId.domain: is required by ${command}`,
      {
        hint: "Set voiceId.domain.name (or voiceId.domain.id) for this environment.",
      },
    );
  }
  const { enableVoiceId, resolveVoiceIdDomain } = await import("@cvk/contact-flow");
  return await withConnectSession(context, async (session) => {
    const instanceId = await connectInstanceId(context, session, environment, command);
    const resolved = await resolveVoiceIdDomain(
      session.clients.voiceId,
      {
        ...(domain.id ? { id: domain.id } : {}),
        ...(domain.name ? { name: domain.name } : {}),
        ...(domain.create ? { create: true } : {}),
        ...(domain.kmsKeyId ? { kmsKeyId: domain.kmsKeyId } : {}),
        ...(domain.description ? { description: domain.description } : {}),
      },
      { dryRun: args.dryRun === true },
    );
    if (resolved.created) {
      output.line(
        `${args.dryRun ? "would create" : "created"} Voice ID domain ${resolved.name}${resolved.domainId ? ` (${resolved.domainId})` : ""}`,
      );
    }
    const result = resolved.arn
      ? await enableVoiceId({
          connect: session.clients.connect,
          instanceId,
          domainArn: resolved.arn,
          dryRun: args.dryRun === true,
          onEvent: output.event,
        })
      : {
          instanceId,
          domainArn: `(domain ${resolved.name}, once created)`,
          outcome: "would-associate" as const,
        };
    output.data("voice-id-association", { ...result, domain: resolved });
    const words = {
      associated: "associated",
      "already-associated": "already associated (nothing to do)",
      "would-associate": "would associate (dry run)",
    };
    output.line(
      `instance ${result.instanceId}: Voice ID domain ${result.domainArn} ${words[result.outcome]}`,
    );
    if ((environment.config.connect?.phoneNumbers ?? []).length > 0) {
      output.line(
        `phone numbers: run \`cvk instance associate-numbers --env ${environment.name}\` to point them at their flows`,
      );
    }
    return 0;
  });
}

async function associateNumbersCommand(context: CommandContext, args: { dryRun?: boolean }): Promise<number> {
  const { output } = context;
  const command = "cvk instance associate-numbers";
  const environment = connectEnvironment(context, command);
  const numbers = environment.config.connect?.phoneNumbers ?? [];
  if (numbers.length === 0) {
    throw new CvkError(
      "CONFIG_INVALID",
      `${command}: environment ${environment.name} lists no connect.phoneNumbers`,
      {
        hint: "Add connect.phoneNumbers: [{number: '+12065550100', flow: 'flow name'}] to cvk.config.yaml.",
      },
    );
  }
  const { associatePhoneNumbers } = await import("@cvk/contact-flow");
  return await withConnectSession(context, async (session) => {
    const instanceId = await connectInstanceId(context, session, environment, command);
    const results = await associatePhoneNumbers({
      connect: session.clients.connect,
      instanceId,
      numbers,
      dryRun: args.dryRun === true,
      onEvent: output.event,
    });
    output.data("phone-numbers", { instanceId, results });
    for (const r of results) {
      output.line(
        `${r.number} → "${r.flow}" ${r.outcome === "associated" ? "associated" : "would associate (dry run)"}`,
      );
    }
    return 0;
  });
}

const DRY_RUN = { type: "boolean", describe: "Read only: say what would change" } as const;

const enableVoiceIdDefinition: CommandDefinition = {
  command: "enable-voice-id",
  describe: "Associate the environment's Voice ID domain with its Connect instance (idempotent)",
  examples: [
    [
      "$0 instance enable-voice-id --env prod",
      "Find voiceId.domain by name and associate it (VOICE_ID integration)",
    ],
    ["$0 instance enable-voice-id --env dev --sandbox", "The same in the embedded sandbox"],
  ],
  builder: (yargs) => yargs.option("dry-run", DRY_RUN),
  run: (context, args) => enableVoiceIdCommand(context, args as { dryRun?: boolean }),
};

const associateNumbersDefinition: CommandDefinition = {
  command: "associate-numbers",
  describe: "Point the phone numbers in connect.phoneNumbers at their flows (by name)",
  examples: [
    ["$0 instance associate-numbers --env prod", "After `cvk flow deploy --env prod --publish`"],
    ["$0 instance associate-numbers --env prod --dry-run", "Check every number and flow exists"],
  ],
  builder: (yargs) => yargs.option("dry-run", DRY_RUN),
  run: (context, args) => associateNumbersCommand(context, args as { dryRun?: boolean }),
};

export const instanceCommand: CommandDefinition = {
  command: "instance",
  describe: "Connect instance setup for Voice ID: the domain association and phone numbers",
  examples: [
    ["$0 instance enable-voice-id --env dev", "Associate the dev Voice ID domain with the dev instance"],
  ],
  subcommands: [enableVoiceIdDefinition, associateNumbersDefinition],
};
