/**
 * The one error type users see. Every failure that reaches the CLI is a `CvkError` with a stable
 * `code` (scripts and tests match on it), a one-line `message`, a `hint` that says how to fix it,
 * and the original error as `cause`.
 */

/** Codes whose fix is on the user's side of the keyboard: usage and configuration (exit code 2). */
const USAGE_CODES = [
  "USAGE",
  "CONFIG_NOT_FOUND",
  "CONFIG_INVALID",
  "CONFIG_ENV_UNKNOWN",
  "INPUT_INVALID",
  "INPUT_NOT_FOUND",
  // A flow document that is not JSON or lacks the flow language's shape (Version, StartAction, Actions);
  // distinct from FLOW_INVALID, which is Connect rejecting a well-formed flow at publish time.
  "FLOW_DOCUMENT_INVALID",
  "PATH_ESCAPE",
  "S3_URI_INVALID",
  "TEMPLATE_NOT_FOUND",
  "TEMPLATE_INVALID",
  "TEMPLATE_PARAMETER",
] as const;

/** Codes for operations or checks that failed (exit code 1). */
const OPERATION_CODES = [
  "AUDIO_UNREADABLE",
  "AUDIO_UNSUPPORTED",
  "AUDIO_TRUNCATED",
  "AWS_THROTTLED",
  "AWS_ACCESS_DENIED",
  "AWS_CREDENTIALS",
  "AWS_NOT_FOUND",
  "AWS_CONFLICT",
  "AWS_QUOTA_EXCEEDED",
  "AWS_VALIDATION",
  "AWS_SERVICE",
  "AWS_UNREACHABLE",
  "AWS_UNKNOWN",
  "FLOW_INVALID",
  "FLOW_REFERENCE_UNRESOLVED",
  "FLOW_FOREIGN_ARN",
  "FLOW_CONFLICT",
  "VOICE_ID_DOMAIN_CONFLICT",
  "JOURNAL_CORRUPT",
  "RUN_LOCKED",
  "JOB_FAILED",
  "CHECK_FAILED",
  "IO_FAILED",
  "INTERRUPTED",
  "INTERNAL",
] as const;

export type CvkErrorCode = (typeof USAGE_CODES)[number] | (typeof OPERATION_CODES)[number];

const usageCodes: ReadonlySet<string> = new Set(USAGE_CODES);

export interface CvkErrorOptions {
  /** How the user can fix it, in one sentence. */
  hint?: string;
  cause?: unknown;
  /** Structured facts for `--json` output and tests (never secrets). */
  details?: Record<string, unknown>;
}

export class CvkError extends Error {
  readonly code: CvkErrorCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: CvkErrorCode, message: string, options: CvkErrorOptions = {}) {
    // A user-facing message is one line; stray newlines from causes would break `code: message` output.
    super(
      message.replace(/\s*\n\s*/g, " "),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    // Set explicitly so `name` survives bundling and minification (instanceof across copies is unreliable).
    this.name = "CvkError";
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
  }

  /** 2 for usage and configuration errors, 1 for failed operations and checks. */
  get exitCode(): 1 | 2 {
    return usageCodes.has(this.code) ? 2 : 1;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

/** True for a CvkError from any copy of this package (checks the shape, not the prototype). */
export function isCvkError(value: unknown): value is CvkError {
  return (
    value instanceof CvkError ||
    (value instanceof Error &&
      value.name === "CvkError" &&
      typeof (value as { code?: unknown }).code === "string")
  );
}

/** Wraps anything thrown into a CvkError; an unknown failure becomes INTERNAL with its stack kept as cause. */
export function toCvkError(value: unknown): CvkError {
  if (isCvkError(value)) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new CvkError("INTERNAL", `Unexpected failure: ${message}`, {
    hint: "Re-run with --verbose for the stack trace and report it if it persists.",
    cause: value,
  });
}
