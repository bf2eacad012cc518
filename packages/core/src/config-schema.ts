import { z } from "zod";

/**
 * The shape of `cvk.config.yaml`. Every section is optional at this level: `defaults` and each
 * environment are validated on their own (so an error points at the line that has it) and then
 * merged; the commands that need a key ask for it with `requireSetting`, naming the command.
 *
 * Constraints are the Voice ID model's (aws-facts.md §2 "Field constraints").
 */

const voiceIdName = z
  .string()
  .min(1)
  .max(256)
  .regex(
    /^[a-zA-Z0-9][a-zA-Z0-9_-]*$/,
    "must start with a letter or digit and use only letters, digits, _ and -",
  );
const voiceIdId = z.string().regex(/^[a-zA-Z0-9]{22}$/, "must be exactly 22 letters and digits");
const description = z
  .string()
  .min(1)
  .max(1024)
  .regex(/^([\p{L}\p{Z}\p{N}_.:/=+\-%@]*)$/u, "may contain letters, digits, spaces and _.:/=+-%@ only");
const score = z.number().int().min(0).max(100);
const s3Uri = z
  .string()
  .max(1024)
  .regex(
    /^s3:\/\/[a-z0-9][.\-a-z0-9]{1,61}[a-z0-9](\/.*)?$/,
    "must be an s3://bucket/prefix URI with a lowercase bucket",
  );
const iamRoleArn = z
  .string()
  .min(20)
  .max(2048)
  .regex(
    /^arn:aws(-[^:]+)?:iam::[0-9]{12}:role\/.+$/,
    "must be an IAM role ARN (arn:aws:iam::123456789012:role/name)",
  );
const kmsKeyId = z.string().min(1).max(2048);
const region = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "must be an AWS Region such as us-west-2");
const endpointUrl = z.url({ protocol: /^https?$/ });

export const voiceIdSectionSchema = z
  .strictObject({
    domain: z
      .strictObject({
        name: voiceIdName.describe("Domain name; cvk finds the domain by this name (ListDomains)."),
        id: voiceIdId.optional().describe("Domain id, when known; takes precedence over the name."),
        description: description.optional(),
        kmsKeyId: kmsKeyId.optional().describe("KMS key for a domain cvk creates (symmetric keys only)."),
        create: z.boolean().optional().describe("Create the domain if it does not exist (default false)."),
      })
      .partial({ name: true }),
    watchlist: z
      .strictObject({ name: voiceIdName, description: description.optional() })
      .optional()
      .describe("A fraudster watchlist to ensure; omit to use the domain's default watchlist."),
    authenticationThreshold: score.optional().describe("Set Voice ID authentication threshold (default 90)."),
    authenticationResponseTime: z
      .number()
      .int()
      .min(5)
      .max(10)
      .optional()
      .describe("Seconds of speech before authenticating, 5–10 (default 10)."),
    fraudThreshold: score.optional().describe("Fraud detection risk threshold (default 50)."),
  })
  .partial();

export const enrollmentSectionSchema = z
  .strictObject({
    callers: z.string().min(1).describe("Caller list (CSV or JSONL), relative to this config file."),
    inputS3Uri: s3Uri.describe("Where cvk uploads recordings and manifests."),
    outputS3Uri: s3Uri.describe("Where Voice ID writes job output files."),
    outputKmsKeyId: kmsKeyId.describe("KMS key for job output files."),
    dataAccessRoleArn: iamRoleArn.describe("Role Voice ID assumes to read input and write output."),
    existingEnrollmentAction: z.enum(["SKIP", "OVERWRITE"]),
    fraudDetection: z
      .strictObject({
        action: z.enum(["IGNORE", "FAIL"]),
        riskThreshold: score,
        watchlist: voiceIdName.optional(),
      })
      .partial(),
    minNetSpeechSeconds: z.number().min(0).max(600),
    concurrency: z.number().int().min(1).max(64),
  })
  .partial();

export const fraudstersSectionSchema = z
  .strictObject({
    list: z
      .string()
      .min(1)
      .describe("Fraudster recordings list (CSV or JSONL), relative to this config file."),
    duplicateRegistrationAction: z.enum(["SKIP", "REGISTER_AS_NEW"]),
    similarityThreshold: score,
  })
  .partial();

/** Connect's ContactFlowType enum (service model), shared by the config schema and the sandbox. */
export const CONTACT_FLOW_TYPES = [
  "CONTACT_FLOW",
  "CUSTOMER_QUEUE",
  "CUSTOMER_HOLD",
  "CUSTOMER_WHISPER",
  "AGENT_HOLD",
  "AGENT_WHISPER",
  "OUTBOUND_WHISPER",
  "AGENT_TRANSFER",
  "QUEUE_TRANSFER",
  "CAMPAIGN",
] as const;
export type ContactFlowType = (typeof CONTACT_FLOW_TYPES)[number];

const flowSchema = z.strictObject({
  name: z.string().min(1).max(127),
  template: z.string().min(1).describe("Template name under templates/ (without .json.hbs) or a path."),
  type: z.enum(CONTACT_FLOW_TYPES).optional(),
  description: z.string().max(500).optional(),
  publish: z.boolean().optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
});

export const connectSectionSchema = z
  .strictObject({
    instanceId: z.string().min(1).max(100).describe("Connect instance id (or ARN)."),
    flows: z.array(flowSchema).max(100),
    phoneNumbers: z
      .array(z.strictObject({ number: z.string().min(1), flow: z.string().min(1) }))
      .describe("Claimed phone numbers (E.164 or id) to point at a flow by name."),
  })
  .partial();

export const environmentSchema = z
  .strictObject({
    region,
    profile: z.string().min(1),
    endpointUrl: endpointUrl.describe(
      "Send every AWS call here (a Voice ID-compatible endpoint or sandbox).",
    ),
    accountId: z.string().regex(/^\d{12}$/, "must be a 12-digit AWS account id"),
    voiceId: voiceIdSectionSchema,
    enrollment: enrollmentSectionSchema,
    fraudsters: fraudstersSectionSchema,
    connect: connectSectionSchema,
  })
  .partial();

export const configFileSchema = z.strictObject({
  $schema: z.string().optional(),
  version: z.literal(1).describe("Config format version."),
  defaults: environmentSchema.optional().describe("Settings every environment inherits."),
  environments: z
    .record(
      z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_-]*$/, "environment names use letters, digits, _ and -"),
      environmentSchema,
    )
    .refine((envs) => Object.keys(envs).length > 0, "define at least one environment"),
});

export type EnvironmentConfig = z.infer<typeof environmentSchema>;
export type ConfigFile = z.infer<typeof configFileSchema>;

/** The JSON Schema published for editors (`# yaml-language-server: $schema=…`). */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configFileSchema, { target: "draft-2020-12", io: "input" }),
    $id: "https://cvk.dev/schema/cvk.config.schema.json",
    title: "cvk.config.yaml",
  };
}
