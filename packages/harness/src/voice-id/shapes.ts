/**
 * The input shapes of the 29 Voice ID operations, as the Smithy model declares them
 * (`aws/api-models-aws` voice-id 2021-09-27; aws-facts.md §2): members, `required`, and the
 * constraint traits `length`, `pattern`, `enum` and `range`, plus `sensitive` (AWS leaves the value
 * of a sensitive member out of validation messages). Documentation and output shapes are omitted.
 *
 * Names are the model's shape names, so `shapes.test.ts` can compare every shape with the model and
 * catch drift. Patterns are kept verbatim: Smithy patterns are ECMA-262 regular expressions, and
 * some use `\p{…}` classes, so they are compiled with the `u` flag.
 */

export interface StringShape {
  readonly kind: "string";
  readonly name: string;
  /** Smithy `length` on a string counts Unicode scalar values (code points), not UTF-16 units. */
  readonly length?: readonly [number | undefined, number | undefined];
  readonly pattern?: string;
  readonly enum?: readonly string[];
  readonly sensitive?: boolean;
}

export interface IntegerShape {
  readonly kind: "integer";
  readonly name: string;
  readonly range?: readonly [number | undefined, number | undefined];
}

export interface ListShape {
  readonly kind: "list";
  readonly name: string;
  readonly member: Shape;
  readonly length?: readonly [number | undefined, number | undefined];
}

export interface Member {
  readonly target: Shape;
  readonly required: boolean;
}

export interface StructureShape {
  readonly kind: "structure";
  readonly name: string;
  readonly members: Readonly<Record<string, Member>>;
}

export type Shape = StringShape | IntegerShape | ListShape | StructureShape;

type StringTraits = Omit<StringShape, "kind" | "name">;

function string(name: string, traits: StringTraits = {}): StringShape {
  return { kind: "string", name, ...traits };
}

function integer(name: string, traits: Omit<IntegerShape, "kind" | "name"> = {}): IntegerShape {
  return { kind: "integer", name, ...traits };
}

function list(
  name: string,
  member: Shape,
  traits: Omit<ListShape, "kind" | "name" | "member"> = {},
): ListShape {
  return { kind: "list", name, member, ...traits };
}

const REQUIRED = Symbol("required");
type RequiredMarker = { readonly [REQUIRED]: Shape };

function required(target: Shape): RequiredMarker {
  return { [REQUIRED]: target };
}

function structure(name: string, members: Record<string, Shape | RequiredMarker>): StructureShape {
  const out: Record<string, Member> = {};
  for (const [key, value] of Object.entries(members)) {
    out[key] =
      REQUIRED in value ? { target: value[REQUIRED], required: true } : { target: value, required: false };
  }
  return { kind: "structure", name, members: out };
}

// --- Shapes, in the order the operations first use them ------------------------------------------

const DomainId = string("DomainId", { length: [22, 22], pattern: "^[a-zA-Z0-9]{22}$" });
const WatchlistId = string("WatchlistId", { length: [22, 22], pattern: "^[a-zA-Z0-9]{22}$" });
const FraudsterId = string("FraudsterId", {
  length: [25, 25],
  pattern: "^id#[a-zA-Z0-9]{22}$",
  sensitive: true,
});
const AssociateFraudsterRequest = structure("AssociateFraudsterRequest", {
  DomainId: required(DomainId),
  WatchlistId: required(WatchlistId),
  FraudsterId: required(FraudsterId),
});
const DomainName = string("DomainName", {
  length: [1, 256],
  pattern: "^[a-zA-Z0-9][a-zA-Z0-9_-]*$",
  sensitive: true,
});
const Description = string("Description", {
  length: [1, 1024],
  pattern: "^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-%@]*)$",
  sensitive: true,
});
const KmsKeyId = string("KmsKeyId", { length: [1, 2048] });
const ServerSideEncryptionConfiguration = structure("ServerSideEncryptionConfiguration", {
  KmsKeyId: required(KmsKeyId),
});
const ClientTokenString = string("ClientTokenString", { length: [1, 64], pattern: "^[a-zA-Z0-9-_]+$" });
const TagKey = string("TagKey", {
  length: [1, 128],
  pattern: "^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$",
  sensitive: true,
});
const TagValue = string("TagValue", {
  length: [0, 256],
  pattern: "^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$",
  sensitive: true,
});
const Tag = structure("Tag", {
  Key: required(TagKey),
  Value: required(TagValue),
});
const TagList = list("TagList", Tag, { length: [0, 200] });
const CreateDomainRequest = structure("CreateDomainRequest", {
  Name: required(DomainName),
  Description: Description,
  ServerSideEncryptionConfiguration: required(ServerSideEncryptionConfiguration),
  ClientToken: ClientTokenString,
  Tags: TagList,
});
const WatchlistName = string("WatchlistName", {
  length: [1, 256],
  pattern: "^[a-zA-Z0-9][a-zA-Z0-9_-]*$",
  sensitive: true,
});
const WatchlistDescription = string("WatchlistDescription", {
  length: [1, 1024],
  pattern: "^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-%@]*)$",
  sensitive: true,
});
const CreateWatchlistRequest = structure("CreateWatchlistRequest", {
  DomainId: required(DomainId),
  Name: required(WatchlistName),
  Description: WatchlistDescription,
  ClientToken: ClientTokenString,
});
const DeleteDomainRequest = structure("DeleteDomainRequest", {
  DomainId: required(DomainId),
});
const DeleteFraudsterRequest = structure("DeleteFraudsterRequest", {
  DomainId: required(DomainId),
  FraudsterId: required(FraudsterId),
});
const SpeakerId = string("SpeakerId", {
  length: [1, 256],
  pattern: "^(id#[a-zA-Z0-9]{22}|[a-zA-Z0-9][a-zA-Z0-9_-]*)$",
  sensitive: true,
});
const DeleteSpeakerRequest = structure("DeleteSpeakerRequest", {
  DomainId: required(DomainId),
  SpeakerId: required(SpeakerId),
});
const DeleteWatchlistRequest = structure("DeleteWatchlistRequest", {
  DomainId: required(DomainId),
  WatchlistId: required(WatchlistId),
});
const DescribeDomainRequest = structure("DescribeDomainRequest", {
  DomainId: required(DomainId),
});
const DescribeFraudsterRequest = structure("DescribeFraudsterRequest", {
  DomainId: required(DomainId),
  FraudsterId: required(FraudsterId),
});
const JobId = string("JobId", { length: [22, 22], pattern: "^[a-zA-Z0-9]{22}$" });
const DescribeFraudsterRegistrationJobRequest = structure("DescribeFraudsterRegistrationJobRequest", {
  DomainId: required(DomainId),
  JobId: required(JobId),
});
const DescribeSpeakerRequest = structure("DescribeSpeakerRequest", {
  DomainId: required(DomainId),
  SpeakerId: required(SpeakerId),
});
const DescribeSpeakerEnrollmentJobRequest = structure("DescribeSpeakerEnrollmentJobRequest", {
  DomainId: required(DomainId),
  JobId: required(JobId),
});
const DescribeWatchlistRequest = structure("DescribeWatchlistRequest", {
  DomainId: required(DomainId),
  WatchlistId: required(WatchlistId),
});
const DisassociateFraudsterRequest = structure("DisassociateFraudsterRequest", {
  DomainId: required(DomainId),
  WatchlistId: required(WatchlistId),
  FraudsterId: required(FraudsterId),
});
const SessionNameOrId = string("SessionNameOrId", {
  length: [1, 36],
  pattern: "^(id#[a-zA-Z0-9]{22}|[a-zA-Z0-9][a-zA-Z0-9_-]*)$",
});
const EvaluateSessionRequest = structure("EvaluateSessionRequest", {
  DomainId: required(DomainId),
  SessionNameOrId: required(SessionNameOrId),
});
const MaxResultsForListDomainFe = integer("MaxResultsForListDomainFe", { range: [1, 10] });
const NextToken = string("NextToken", { length: [0, 8192], pattern: "^\\p{ASCII}{0,8192}$" });
const ListDomainsRequest = structure("ListDomainsRequest", {
  MaxResults: MaxResultsForListDomainFe,
  NextToken: NextToken,
});
const FraudsterRegistrationJobStatus = string("FraudsterRegistrationJobStatus", {
  enum: ["SUBMITTED", "IN_PROGRESS", "COMPLETED", "COMPLETED_WITH_ERRORS", "FAILED"],
});
const MaxResultsForList = integer("MaxResultsForList", { range: [1, 100] });
const ListFraudsterRegistrationJobsRequest = structure("ListFraudsterRegistrationJobsRequest", {
  DomainId: required(DomainId),
  JobStatus: FraudsterRegistrationJobStatus,
  MaxResults: MaxResultsForList,
  NextToken: NextToken,
});
const ListFraudstersRequest = structure("ListFraudstersRequest", {
  DomainId: required(DomainId),
  WatchlistId: WatchlistId,
  MaxResults: MaxResultsForList,
  NextToken: NextToken,
});
const SpeakerEnrollmentJobStatus = string("SpeakerEnrollmentJobStatus", {
  enum: ["SUBMITTED", "IN_PROGRESS", "COMPLETED", "COMPLETED_WITH_ERRORS", "FAILED"],
});
const ListSpeakerEnrollmentJobsRequest = structure("ListSpeakerEnrollmentJobsRequest", {
  DomainId: required(DomainId),
  JobStatus: SpeakerEnrollmentJobStatus,
  MaxResults: MaxResultsForList,
  NextToken: NextToken,
});
const ListSpeakersRequest = structure("ListSpeakersRequest", {
  DomainId: required(DomainId),
  MaxResults: MaxResultsForList,
  NextToken: NextToken,
});
const AmazonResourceName = string("AmazonResourceName", {
  length: [1, 1011],
  pattern: "^arn:aws(-[^:]+)?:voiceid.+:[0-9]{12}:domain/[a-zA-Z0-9]{22}$",
});
const ListTagsForResourceRequest = structure("ListTagsForResourceRequest", {
  ResourceArn: required(AmazonResourceName),
});
const ListWatchlistsRequest = structure("ListWatchlistsRequest", {
  DomainId: required(DomainId),
  MaxResults: MaxResultsForList,
  NextToken: NextToken,
});
const OptOutSpeakerRequest = structure("OptOutSpeakerRequest", {
  DomainId: required(DomainId),
  SpeakerId: required(SpeakerId),
});
const JobName = string("JobName", {
  length: [1, 256],
  pattern: "^[a-zA-Z0-9][a-zA-Z0-9_-]*$",
  sensitive: true,
});
const IamRoleArn = string("IamRoleArn", {
  length: [20, 2048],
  pattern: "^arn:aws(-[^:]+)?:iam::[0-9]{12}:role/.+$",
});
const DuplicateRegistrationAction = string("DuplicateRegistrationAction", {
  enum: ["SKIP", "REGISTER_AS_NEW"],
});
const Score = integer("Score", { range: [0, 100] });
const RegistrationConfigWatchlistIds = list("RegistrationConfigWatchlistIds", WatchlistId, {
  length: [1, 1],
});
const RegistrationConfig = structure("RegistrationConfig", {
  DuplicateRegistrationAction: DuplicateRegistrationAction,
  FraudsterSimilarityThreshold: Score,
  WatchlistIds: RegistrationConfigWatchlistIds,
});
const S3Uri = string("S3Uri", {
  length: [0, 1024],
  pattern: "^s3://[a-z0-9][\\.\\-a-z0-9]{1,61}[a-z0-9](/.*)?$",
});
const InputDataConfig = structure("InputDataConfig", {
  S3Uri: required(S3Uri),
});
const OutputDataConfig = structure("OutputDataConfig", {
  S3Uri: required(S3Uri),
  KmsKeyId: KmsKeyId,
});
const StartFraudsterRegistrationJobRequest = structure("StartFraudsterRegistrationJobRequest", {
  ClientToken: ClientTokenString,
  JobName: JobName,
  DomainId: required(DomainId),
  DataAccessRoleArn: required(IamRoleArn),
  RegistrationConfig: RegistrationConfig,
  InputDataConfig: required(InputDataConfig),
  OutputDataConfig: required(OutputDataConfig),
});
const ExistingEnrollmentAction = string("ExistingEnrollmentAction", { enum: ["SKIP", "OVERWRITE"] });
const FraudDetectionAction = string("FraudDetectionAction", { enum: ["IGNORE", "FAIL"] });
const EnrollmentJobFraudDetectionConfigWatchlistIds = list(
  "EnrollmentJobFraudDetectionConfigWatchlistIds",
  WatchlistId,
  { length: [1, 1] },
);
const EnrollmentJobFraudDetectionConfig = structure("EnrollmentJobFraudDetectionConfig", {
  FraudDetectionAction: FraudDetectionAction,
  RiskThreshold: Score,
  WatchlistIds: EnrollmentJobFraudDetectionConfigWatchlistIds,
});
const EnrollmentConfig = structure("EnrollmentConfig", {
  ExistingEnrollmentAction: ExistingEnrollmentAction,
  FraudDetectionConfig: EnrollmentJobFraudDetectionConfig,
});
const StartSpeakerEnrollmentJobRequest = structure("StartSpeakerEnrollmentJobRequest", {
  ClientToken: ClientTokenString,
  JobName: JobName,
  DomainId: required(DomainId),
  DataAccessRoleArn: required(IamRoleArn),
  EnrollmentConfig: EnrollmentConfig,
  InputDataConfig: required(InputDataConfig),
  OutputDataConfig: required(OutputDataConfig),
});
const TagResourceRequest = structure("TagResourceRequest", {
  ResourceArn: required(AmazonResourceName),
  Tags: required(TagList),
});
const TagKeyList = list("TagKeyList", TagKey, { length: [0, 200] });
const UntagResourceRequest = structure("UntagResourceRequest", {
  ResourceArn: required(AmazonResourceName),
  TagKeys: required(TagKeyList),
});
const UpdateDomainRequest = structure("UpdateDomainRequest", {
  DomainId: required(DomainId),
  Name: required(DomainName),
  Description: Description,
  ServerSideEncryptionConfiguration: required(ServerSideEncryptionConfiguration),
});
const UpdateWatchlistRequest = structure("UpdateWatchlistRequest", {
  DomainId: required(DomainId),
  WatchlistId: required(WatchlistId),
  Name: WatchlistName,
  Description: WatchlistDescription,
});

export const OPERATION_INPUTS = {
  AssociateFraudster: AssociateFraudsterRequest,
  CreateDomain: CreateDomainRequest,
  CreateWatchlist: CreateWatchlistRequest,
  DeleteDomain: DeleteDomainRequest,
  DeleteFraudster: DeleteFraudsterRequest,
  DeleteSpeaker: DeleteSpeakerRequest,
  DeleteWatchlist: DeleteWatchlistRequest,
  DescribeDomain: DescribeDomainRequest,
  DescribeFraudster: DescribeFraudsterRequest,
  DescribeFraudsterRegistrationJob: DescribeFraudsterRegistrationJobRequest,
  DescribeSpeaker: DescribeSpeakerRequest,
  DescribeSpeakerEnrollmentJob: DescribeSpeakerEnrollmentJobRequest,
  DescribeWatchlist: DescribeWatchlistRequest,
  DisassociateFraudster: DisassociateFraudsterRequest,
  EvaluateSession: EvaluateSessionRequest,
  ListDomains: ListDomainsRequest,
  ListFraudsterRegistrationJobs: ListFraudsterRegistrationJobsRequest,
  ListFraudsters: ListFraudstersRequest,
  ListSpeakerEnrollmentJobs: ListSpeakerEnrollmentJobsRequest,
  ListSpeakers: ListSpeakersRequest,
  ListTagsForResource: ListTagsForResourceRequest,
  ListWatchlists: ListWatchlistsRequest,
  OptOutSpeaker: OptOutSpeakerRequest,
  StartFraudsterRegistrationJob: StartFraudsterRegistrationJobRequest,
  StartSpeakerEnrollmentJob: StartSpeakerEnrollmentJobRequest,
  TagResource: TagResourceRequest,
  UntagResource: UntagResourceRequest,
  UpdateDomain: UpdateDomainRequest,
  UpdateWatchlist: UpdateWatchlistRequest,
} as const satisfies Record<string, StructureShape>;

export type OperationName = keyof typeof OPERATION_INPUTS;

export const OPERATION_NAMES = Object.keys(OPERATION_INPUTS) as OperationName[];

export function isOperationName(name: string): name is OperationName {
  return Object.hasOwn(OPERATION_INPUTS, name);
}
