/**
 * An error the emulated service returns. `type` is the wire error name (`__type` for JSON
 * protocols, `<Code>` for S3); `status` comes from the service model's `httpError` trait, not from
 * the HTML docs (aws-facts.md §2 "Error shapes"); `fields` are the extra members the model declares
 * (e.g. Voice ID's `ConflictType`, Connect's `problems`).
 */
export class AwsServiceError extends Error {
  readonly type: string;
  readonly status: number;
  readonly fields: Record<string, unknown>;

  constructor(type: string, status: number, message: string, fields: Record<string, unknown> = {}) {
    super(message);
    this.name = "AwsServiceError";
    this.type = type;
    this.status = status;
    this.fields = fields;
  }
}

export function isAwsServiceError(value: unknown): value is AwsServiceError {
  return value instanceof AwsServiceError;
}
