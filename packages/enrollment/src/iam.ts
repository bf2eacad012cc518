/**
 * Least-privilege IAM policies for Voice ID batch enrollment (aws-facts.md §3 "Permissions"):
 *
 * - the data-access role's permission policy: s3:GetObject on exactly the input prefix, s3:PutObject
 *   on exactly the output prefix, kms:Decrypt on the input key and kms:Decrypt + kms:GenerateDataKey
 *   on the output key — never `"Resource": "*"` (the AWS walk-through this replaces uses it);
 * - its trust policy for voiceid.amazonaws.com with aws:SourceArn (the domain ARN) and
 *   aws:SourceAccount conditions (confused-deputy prevention);
 * - the operator policy: what the person or pipeline running `cvk enroll run` needs.
 *
 * Resource-level permissions for voiceid (Service Authorization Reference, "Actions, resources, and
 * condition keys for Amazon Connect Voice ID",
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonconnectvoiceid.html):
 * the only resource type is `domain` (arn:${Partition}:voiceid:${Region}:${Account}:domain/${DomainId}).
 * CreateDomain has no resource type (only aws:RequestTag / aws:TagKeys condition keys), so it needs
 * `"Resource": "*"`; ListDomains is a List action with no resource type either, so it also needs "*".
 * DescribeDomain, CreateWatchlist, ListWatchlists, StartSpeakerEnrollmentJob,
 * DescribeSpeakerEnrollmentJob and ListSpeakerEnrollmentJobs take the domain (`domain*`, required):
 * CreateDomain, CreateWatchlist and DescribeDomain were checked on that page; the job and watchlist
 * list/describe actions are scoped to the domain as the page's pattern for every domain-level
 * operation shows — if a future revision lists them without a resource type, AWS evaluates them
 * against "*" and the statement below simply grants less, never more.
 */
import { CvkError, parseS3Uri } from "@cvk/core";

export interface IamPolicyOptions {
  region: string;
  accountId: string;
  /** When unknown (the domain is created by the run), every domain of the account in the Region. */
  domainId?: string;
  inputS3Uri: string;
  outputS3Uri: string;
  /** The input bucket's default-encryption key, if SSE-KMS. */
  inputKmsKeyArn?: string;
  /** OutputDataConfig.KmsKeyId. */
  outputKmsKeyArn?: string;
  /** The domain's ServerSideEncryptionConfiguration key (the operator's calls need kms:Decrypt on it). */
  domainKmsKeyArn?: string;
  dataAccessRoleArn: string;
  /** Include CreateDomain / CreateWatchlist (and kms:CreateGrant / kms:DescribeKey) for the operator. */
  allowCreate?: boolean;
}

export interface PolicyStatement {
  Sid: string;
  Effect: "Allow";
  Principal?: Record<string, string>;
  Action: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

export interface IamPolicies {
  dataAccessRolePolicy: PolicyDocument;
  trustPolicy: PolicyDocument;
  operatorPolicy: PolicyDocument;
  /** What the caller should know about the result (e.g. the domain ARN pattern in use). */
  notes: string[];
}

const DOMAIN_ID = /^[a-zA-Z0-9]{22}$/;

function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

/** The objects under an S3 URI's prefix: `arn:aws:s3:::bucket/prefix/*`. */
function objectsArn(partition: string, uri: string): string {
  const { bucket, key } = parseS3Uri(uri);
  const prefix = key.replace(/\/+$/, "");
  return `arn:${partition}:s3:::${bucket}/${prefix === "" ? "" : `${prefix}/`}*`;
}

function bucketArn(partition: string, uri: string): string {
  return `arn:${partition}:s3:::${parseS3Uri(uri).bucket}`;
}

function prefixOf(uri: string): string {
  const key = parseS3Uri(uri).key.replace(/\/+$/, "");
  return key === "" ? "*" : `${key}/*`;
}

export function iamPolicies(options: IamPolicyOptions): IamPolicies {
  if (!/^\d{12}$/.test(options.accountId)) {
    throw new CvkError("CONFIG_INVALID", `accountId ${options.accountId} is not a 12-digit AWS account id`, {
      hint: "Set accountId for this environment in cvk.config.yaml.",
    });
  }
  if (options.domainId !== undefined && !DOMAIN_ID.test(options.domainId)) {
    throw new CvkError("CONFIG_INVALID", `domain id ${options.domainId} is not 22 letters and digits`, {
      hint: "Set voiceId.domain.id to the domain's id (cvk enroll status shows it after a run).",
    });
  }
  const partition = partitionOf(options.region);
  const notes: string[] = [];
  const domainArn = `arn:${partition}:voiceid:${options.region}:${options.accountId}:domain/${options.domainId ?? "*"}`;
  if (!options.domainId) {
    notes.push(
      `The domain id is not known yet: the policies use ${domainArn} (every Voice ID domain of account ${options.accountId} in ${options.region}). Re-generate them with the domain id once it exists to narrow them to one domain.`,
    );
  }

  const dataAccess: PolicyStatement[] = [
    {
      Sid: "ReadInputObjects",
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: objectsArn(partition, options.inputS3Uri),
    },
    {
      Sid: "WriteOutputObjects",
      Effect: "Allow",
      Action: "s3:PutObject",
      Resource: objectsArn(partition, options.outputS3Uri),
    },
  ];
  if (options.inputKmsKeyArn) {
    dataAccess.push({
      Sid: "DecryptInput",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: options.inputKmsKeyArn,
    });
  }
  if (options.outputKmsKeyArn) {
    dataAccess.push({
      Sid: "EncryptOutput",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: options.outputKmsKeyArn,
    });
  }

  const trustPolicy: PolicyDocument = {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "VoiceIdAssumesRoleForThisDomainOnly",
        Effect: "Allow",
        Principal: { Service: "voiceid.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: {
          StringEquals: { "aws:SourceAccount": options.accountId },
          // ArnLike so the account-wide pattern (no domain id yet) also works; with an id it is exact.
          ArnLike: { "aws:SourceArn": domainArn },
        },
      },
    ],
  };

  const operator: PolicyStatement[] = [
    {
      Sid: "VoiceIdOnTheDomain",
      Effect: "Allow",
      Action: [
        "voiceid:DescribeDomain",
        "voiceid:ListWatchlists",
        "voiceid:CreateWatchlist",
        "voiceid:StartSpeakerEnrollmentJob",
        "voiceid:DescribeSpeakerEnrollmentJob",
        "voiceid:ListSpeakerEnrollmentJobs",
      ],
      Resource: domainArn,
    },
    {
      // No resource type exists for these (Service Authorization Reference): "*" is the only form.
      Sid: "VoiceIdActionsWithoutResourceType",
      Effect: "Allow",
      Action: options.allowCreate ? ["voiceid:ListDomains", "voiceid:CreateDomain"] : ["voiceid:ListDomains"],
      Resource: "*",
    },
    {
      Sid: "UploadInput",
      Effect: "Allow",
      Action: ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"],
      Resource: objectsArn(partition, options.inputS3Uri),
    },
    {
      Sid: "ListInputPrefix",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: bucketArn(partition, options.inputS3Uri),
      Condition: { StringLike: { "s3:prefix": [prefixOf(options.inputS3Uri)] } },
    },
    {
      Sid: "ReadOutput",
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: objectsArn(partition, options.outputS3Uri),
    },
    {
      Sid: "PassTheDataAccessRoleToVoiceIdOnly",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: options.dataAccessRoleArn,
      Condition: { StringEquals: { "iam:PassedToService": "voiceid.amazonaws.com" } },
    },
  ];
  if (options.domainKmsKeyArn) {
    operator.push({
      Sid: "UseTheDomainKey",
      Effect: "Allow",
      Action: options.allowCreate ? ["kms:Decrypt", "kms:DescribeKey", "kms:CreateGrant"] : "kms:Decrypt",
      Resource: options.domainKmsKeyArn,
    });
  }
  const uploadKeys = [options.inputKmsKeyArn, options.outputKmsKeyArn].filter(
    (key): key is string => key !== undefined && key !== options.domainKmsKeyArn,
  );
  if (uploadKeys.length > 0) {
    operator.push({
      Sid: "EncryptInputDecryptOutput",
      Effect: "Allow",
      Action: ["kms:GenerateDataKey", "kms:Decrypt"],
      Resource: [...new Set(uploadKeys)],
    });
  }
  if (options.allowCreate && !options.domainKmsKeyArn) {
    notes.push(
      "CreateDomain also needs kms:DescribeKey and kms:CreateGrant on the domain key: pass its ARN.",
    );
  }

  return {
    dataAccessRolePolicy: { Version: "2012-10-17", Statement: dataAccess },
    trustPolicy,
    operatorPolicy: { Version: "2012-10-17", Statement: operator },
    notes,
  };
}
