import { CvkError, type EnvironmentConfig, requireSetting } from "@cvk/core";
import type { CommandDefinition } from "../command.ts";
import type { CommandContext } from "../context.ts";

const DOCUMENTS = ["all", "data-access", "trust", "operator"] as const;

/** A KMS key ARN, or undefined for ids and aliases (a policy's Resource needs the key ARN). */
function keyArn(value: string | undefined, notes: string[], what: string): string | undefined {
  if (value === undefined) return undefined;
  if (/^arn:aws[a-z-]*:kms:[^:]+:\d{12}:key\//.test(value)) return value;
  notes.push(
    `${what} is "${value}", not a key ARN: policies name keys by ARN (aliases do not match). Set the key ARN to include it.`,
  );
  return undefined;
}

async function policy(
  context: CommandContext,
  args: { document: (typeof DOCUMENTS)[number] },
): Promise<number> {
  const { output } = context;
  const command = "cvk iam policy";
  const settings = context.settings();
  const environment = settings.environment;
  if (!environment) {
    throw new CvkError("CONFIG_NOT_FOUND", `${command} needs cvk.config.yaml`, {
      hint: "Create ./cvk.config.yaml (accountId, region, enrollment.inputS3Uri/outputS3Uri/dataAccessRoleArn) and pass --env NAME.",
    });
  }
  const region = settings.region.value;
  if (!region) {
    throw new CvkError("CONFIG_INVALID", "No AWS Region is set", {
      hint: "Set region for this environment in cvk.config.yaml or pass --region.",
    });
  }
  const config: EnvironmentConfig = environment.config;
  const notes: string[] = [];
  const { iamPolicies } = await import("@cvk/enrollment");
  const domainKey = keyArn(config.voiceId?.domain?.kmsKeyId, notes, "voiceId.domain.kmsKeyId");
  const outputKey = keyArn(config.enrollment?.outputKmsKeyId, notes, "enrollment.outputKmsKeyId");
  const result = iamPolicies({
    region,
    accountId: requireSetting<string>(environment, "accountId", command),
    ...(config.voiceId?.domain?.id ? { domainId: config.voiceId.domain.id } : {}),
    inputS3Uri: requireSetting<string>(environment, "enrollment.inputS3Uri", command),
    outputS3Uri: requireSetting<string>(environment, "enrollment.outputS3Uri", command),
    ...(outputKey ? { outputKmsKeyArn: outputKey } : {}),
    ...(domainKey ? { domainKmsKeyArn: domainKey } : {}),
    dataAccessRoleArn: requireSetting<string>(environment, "enrollment.dataAccessRoleArn", command),
    allowCreate: config.voiceId?.domain?.create === true,
  });
  for (const note of [...result.notes, ...notes]) output.warn(note);
  const documents = {
    "data-access": result.dataAccessRolePolicy,
    trust: result.trustPolicy,
    operator: result.operatorPolicy,
  };
  const chosen =
    args.document === "all"
      ? {
          dataAccessRolePolicy: documents["data-access"],
          trustPolicy: documents.trust,
          operatorPolicy: documents.operator,
        }
      : documents[args.document];
  if (output.options.json) output.data("iam-policy", { ...chosen, notes: [...result.notes, ...notes] });
  // Plain JSON on stdout, ready for `aws iam put-role-policy --policy-document file:///dev/stdin`.
  else output.line(JSON.stringify(chosen, null, 2));
  return 0;
}

const iamPolicyCommand: CommandDefinition = {
  command: "policy",
  describe:
    "Print least-privilege IAM policies: the data-access role's policy and trust policy, and the operator's",
  examples: [
    ["$0 iam policy --env prod", "All three documents as one JSON object"],
    [
      "$0 iam policy --env prod --document trust > trust.json",
      "Only the trust policy (for aws iam create-role --assume-role-policy-document file://trust.json)",
    ],
  ],
  builder: (yargs) =>
    yargs.option("document", {
      choices: DOCUMENTS,
      default: "all",
      describe: "Which policy document to print",
    }),
  run: (context, args) => policy(context, args as unknown as { document: (typeof DOCUMENTS)[number] }),
};

export const iamCommand: CommandDefinition = {
  command: "iam",
  describe: "IAM policies for Voice ID batch jobs (scoped to your buckets, keys and domain)",
  examples: [["$0 iam policy --env prod", "Print the policies for the prod environment"]],
  subcommands: [iamPolicyCommand],
};
