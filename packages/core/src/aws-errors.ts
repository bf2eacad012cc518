import { CvkError, type CvkErrorCode, isCvkError } from "./errors.ts";

/**
 * The only module that knows the shapes of AWS SDK exceptions.
 *
 * Errors are matched by `name` (the wire's `__type` / `x-amzn-errortype` / S3 `<Code>`), never by
 * HTTP status: the Voice ID Smithy model gives ResourceNotFoundException 404 and ConflictException
 * 409, while its HTML API reference lists 400 for both (aws-facts.md §2 "Error shapes").
 */

interface Rule {
  code: CvkErrorCode;
  hint: string;
}

const THROTTLED: Rule = {
  code: "AWS_THROTTLED",
  hint: "The API's TPS quota was exceeded after retries; re-run (cvk resumes) or lower --concurrency.",
};
const ACCESS_DENIED: Rule = {
  code: "AWS_ACCESS_DENIED",
  hint: "Grant the missing permission (see `cvk iam policy`) to the credentials cvk uses (`cvk doctor` shows them).",
};
const CREDENTIALS: Rule = {
  code: "AWS_CREDENTIALS",
  hint: "Check your AWS credentials: set --profile, run `aws sso login`, or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.",
};
const NOT_FOUND: Rule = {
  code: "AWS_NOT_FOUND",
  hint: "Check the id or name in cvk.config.yaml and that --region points at the right Region.",
};
const CONFLICT: Rule = {
  code: "AWS_CONFLICT",
  hint: "The resource is in a state that does not allow this yet; wait for the running job or change to finish, then re-run.",
};
const QUOTA: Rule = {
  code: "AWS_QUOTA_EXCEEDED",
  hint: "A service quota was reached (e.g. one active job per domain, 100,000 speakers per domain); wait or request an increase.",
};
const VALIDATION: Rule = {
  code: "AWS_VALIDATION",
  hint: "The service rejected a parameter; the message names it. Fix the value in your config or input.",
};
const SERVICE: Rule = {
  code: "AWS_SERVICE",
  hint: "The service failed on its side after retries; re-run later (cvk resumes where it stopped).",
};
const FLOW_INVALID: Rule = {
  code: "FLOW_INVALID",
  hint: "Connect rejected the flow content; fix the problems listed (run `cvk flow lint` first).",
};

const BY_NAME: Record<string, Rule> = {
  // Throttling: Voice ID, Connect and the S3 variants.
  ThrottlingException: THROTTLED,
  Throttling: THROTTLED,
  TooManyRequestsException: THROTTLED,
  RequestLimitExceeded: THROTTLED,
  SlowDown: THROTTLED,
  // Connect's LimitExceededException (429) is a quota on resources (e.g. 100 flows per instance), not TPS.
  LimitExceededException: QUOTA,
  ServiceQuotaExceededException: QUOTA,
  AccessDeniedException: ACCESS_DENIED,
  AccessDenied: ACCESS_DENIED,
  AllAccessDisabled: ACCESS_DENIED,
  UnrecognizedClientException: CREDENTIALS,
  InvalidClientTokenId: CREDENTIALS,
  InvalidSignatureException: CREDENTIALS,
  SignatureDoesNotMatch: CREDENTIALS,
  ExpiredToken: CREDENTIALS,
  ExpiredTokenException: CREDENTIALS,
  InvalidAccessKeyId: CREDENTIALS,
  CredentialsProviderError: CREDENTIALS,
  ResourceNotFoundException: NOT_FOUND,
  NoSuchBucket: NOT_FOUND,
  NoSuchKey: NOT_FOUND,
  NoSuchUpload: NOT_FOUND,
  NotFound: NOT_FOUND,
  ContactFlowNotPublishedException: NOT_FOUND,
  ConflictException: CONFLICT,
  DuplicateResourceException: CONFLICT,
  ResourceInUseException: CONFLICT,
  BucketAlreadyExists: CONFLICT,
  ValidationException: VALIDATION,
  InvalidParameterException: VALIDATION,
  InvalidRequestException: VALIDATION,
  InvalidRange: VALIDATION,
  InvalidArgument: VALIDATION,
  InvalidContactFlowException: FLOW_INVALID,
  InternalServerException: SERVICE,
  InternalServiceException: SERVICE,
  InternalError: SERVICE,
  ServiceUnavailable: SERVICE,
  ServiceUnavailableException: SERVICE,
};

/** Node socket errors: the endpoint could not be reached at all (wrong --endpoint-url, sandbox not running). */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ETIMEDOUT",
  "EPIPE",
]);

export interface AwsErrorContext {
  /** e.g. "VoiceID.StartSpeakerEnrollmentJob" or "S3.PutObject". */
  operation?: string;
  /** e.g. "domain 3yd9Bq6sKbF8JmD4pQ2xWc". Never a CustomerSpeakerId or a secret. */
  resource?: string;
}

/** Names of the error and its SDK metadata, read defensively: anything may be thrown. */
function describe(error: unknown): {
  name: string;
  message: string;
  status?: number;
  requestId?: string;
  errno?: string;
} {
  if (typeof error !== "object" || error === null) return { name: "Unknown", message: String(error) };
  const e = error as {
    name?: unknown;
    message?: unknown;
    code?: unknown;
    Code?: unknown;
    $metadata?: { httpStatusCode?: number; requestId?: string };
  };
  // S3 sometimes leaves `name` generic ("Error"/"UnknownError") and puts the wire code in `Code`.
  const wireCode = typeof e.Code === "string" ? e.Code : undefined;
  const rawName = typeof e.name === "string" ? e.name : "Unknown";
  const name = (rawName === "Error" || rawName === "UnknownError") && wireCode ? wireCode : rawName;
  return {
    name,
    message: typeof e.message === "string" && e.message.length > 0 ? e.message : name,
    ...(e.$metadata?.httpStatusCode === undefined ? {} : { status: e.$metadata.httpStatusCode }),
    ...(e.$metadata?.requestId === undefined ? {} : { requestId: e.$metadata.requestId }),
    ...(typeof e.code === "string" ? { errno: e.code } : {}),
  };
}

/** Turns anything an AWS SDK call threw into a CvkError with a stable code and a hint. */
export function fromAwsError(error: unknown, context: AwsErrorContext = {}): CvkError {
  if (isCvkError(error)) return error;
  const info = describe(error);
  const where = [context.operation, context.resource].filter(Boolean).join(" on ");
  const prefix = where ? `${where}: ` : "";
  const details: Record<string, unknown> = { awsErrorName: info.name };
  if (info.requestId) details.requestId = info.requestId;
  if (info.status !== undefined) details.httpStatus = info.status;

  const rule = BY_NAME[info.name];
  if (rule) {
    const extra = error as {
      ConflictType?: string;
      ResourceType?: string;
      problems?: { message?: string }[];
    };
    if (extra.ConflictType) details.conflictType = extra.ConflictType;
    if (extra.ResourceType) details.resourceType = extra.ResourceType;
    let message = `${prefix}${info.name}: ${info.message}`;
    if (rule === FLOW_INVALID && Array.isArray(extra.problems)) {
      // The AWS CLI hides `problems`; they are the only useful part of this error.
      const problems = extra.problems.map((p) => p.message ?? "").filter(Boolean);
      details.problems = problems;
      if (problems.length > 0) message = `${prefix}InvalidContactFlowException: ${problems.join("; ")}`;
    }
    return new CvkError(rule.code, message, { hint: rule.hint, cause: error, details });
  }

  if (info.errno && NETWORK_CODES.has(info.errno)) {
    return new CvkError(
      "AWS_UNREACHABLE",
      `${prefix}cannot reach the endpoint (${info.errno}): ${info.message}`,
      {
        hint: "Check --endpoint-url and your network; for a local sandbox start `cvk sandbox serve` or use --sandbox.",
        cause: error,
        details: { ...details, errno: info.errno },
      },
    );
  }
  if (info.name === "TimeoutError" || info.name === "RequestTimeout") {
    return new CvkError("AWS_UNREACHABLE", `${prefix}the request timed out: ${info.message}`, {
      hint: "Check your network or --endpoint-url, then re-run (cvk resumes).",
      cause: error,
      details,
    });
  }
  const fault = (error as { $fault?: string } | null)?.$fault;
  if (fault === "server") {
    return new CvkError("AWS_SERVICE", `${prefix}${info.name}: ${info.message}`, {
      hint: SERVICE.hint,
      cause: error,
      details,
    });
  }
  return new CvkError("AWS_UNKNOWN", `${prefix}${info.name}: ${info.message}`, {
    hint: "Re-run with --verbose to see the full AWS response.",
    cause: error,
    details,
  });
}

/** True when the thrown value is a throttling response (by name, as above). */
export function isThrottlingError(error: unknown): boolean {
  return BY_NAME[describe(error).name] === THROTTLED;
}

/** True when the error names a missing resource (Voice ID, Connect or S3 flavour). */
export function isNotFoundError(error: unknown): boolean {
  return BY_NAME[describe(error).name] === NOT_FOUND;
}

/** The AWS error name as matched above, for callers that branch on one specific exception. */
export function awsErrorName(error: unknown): string {
  return describe(error).name;
}
