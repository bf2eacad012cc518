import { CvkError } from "./errors.ts";

export interface S3Location {
  bucket: string;
  /** The object key or prefix without a leading slash; "" for the bucket root. */
  key: string;
}

/**
 * The Voice ID S3Uri shape (aws-facts.md §2 "Field constraints"): 0–1024 characters,
 * `^s3://[a-z0-9][\.\-a-z0-9]{1,61}[a-z0-9](/.*)?$`.
 */
export const VOICE_ID_S3_URI_PATTERN = /^s3:\/\/[a-z0-9][.\-a-z0-9]{1,61}[a-z0-9](\/.*)?$/;
const MAX_S3_URI_LENGTH = 1024;

export function isValidS3Uri(uri: string): boolean {
  return uri.length <= MAX_S3_URI_LENGTH && VOICE_ID_S3_URI_PATTERN.test(uri);
}

export function parseS3Uri(uri: string): S3Location {
  if (!isValidS3Uri(uri)) {
    const why = !uri.startsWith("s3://")
      ? "it does not start with s3://"
      : uri.length > MAX_S3_URI_LENGTH
        ? `it is longer than ${MAX_S3_URI_LENGTH} characters`
        : "the bucket name is not 3–63 lowercase letters, digits, dots or hyphens";
    throw new CvkError("S3_URI_INVALID", `Invalid S3 URI "${uri.slice(0, 80)}": ${why}`, {
      hint: "Write it as s3://bucket-name/optional/key (lowercase bucket, as Voice ID requires).",
    });
  }
  const rest = uri.slice("s3://".length);
  const slash = rest.indexOf("/");
  return slash === -1
    ? { bucket: rest, key: "" }
    : { bucket: rest.slice(0, slash), key: rest.slice(slash + 1) };
}

export function formatS3Uri(location: S3Location): string {
  return location.key ? `s3://${location.bucket}/${location.key}` : `s3://${location.bucket}`;
}

/** Joins key segments with single slashes: joinS3Key("a/", "/b", "c") === "a/b/c". */
export function joinS3Key(...parts: string[]): string {
  return parts
    .map((part) => part.replace(/^\/+|\/+$/g, ""))
    .filter((part) => part.length > 0)
    .join("/");
}
