import {
  ThrottlingException as ConnectThrottlingException,
  DuplicateResourceException,
  InvalidContactFlowException,
} from "@aws-sdk/client-connect";
import { NoSuchBucket, NoSuchKey, NotFound } from "@aws-sdk/client-s3";
import {
  AccessDeniedException,
  ConflictException,
  InternalServerException,
  ResourceNotFoundException,
  ServiceQuotaExceededException,
  ThrottlingException,
  ValidationException,
} from "@aws-sdk/client-voice-id";
import { describe, expect, it } from "vitest";
import { fromAwsError, isNotFoundError, isThrottlingError } from "./aws-errors.ts";

const meta = { $metadata: { httpStatusCode: 400, requestId: "req-1" } };

describe("fromAwsError with the SDK's real exception classes", () => {
  it.each([
    [new ThrottlingException({ message: "Rate exceeded", ...meta }), "AWS_THROTTLED"],
    [new ConnectThrottlingException({ message: "Rate exceeded", ...meta }), "AWS_THROTTLED"],
    [new AccessDeniedException({ message: "no", ...meta }), "AWS_ACCESS_DENIED"],
    [new ValidationException({ message: "bad", ...meta }), "AWS_VALIDATION"],
    [new ServiceQuotaExceededException({ message: "quota", ...meta }), "AWS_QUOTA_EXCEEDED"],
    [new InternalServerException({ message: "oops", ...meta }), "AWS_SERVICE"],
    [new DuplicateResourceException({ message: "dup", ...meta }), "AWS_CONFLICT"],
    [new NoSuchKey({ message: "The specified key does not exist.", ...meta }), "AWS_NOT_FOUND"],
    [new NoSuchBucket({ message: "The specified bucket does not exist", ...meta }), "AWS_NOT_FOUND"],
    [new NotFound({ message: "NotFound", ...meta }), "AWS_NOT_FOUND"],
  ])("maps %s by name", (error, code) => {
    const mapped = fromAwsError(error, { operation: "VoiceID.DescribeDomain" });
    expect(mapped.code).toBe(code);
    expect(mapped.cause).toBe(error);
    expect(mapped.hint).toBeTruthy();
    expect(mapped.message.startsWith("VoiceID.DescribeDomain: ")).toBe(true);
    expect(mapped.details?.requestId).toBe("req-1");
  });

  it("ignores the HTTP status: a 400 ResourceNotFoundException is still not-found (the model says 404)", () => {
    const error = new ResourceNotFoundException({
      message: "Domain not found",
      ResourceType: "DOMAIN",
      $metadata: { httpStatusCode: 400 },
    });
    const mapped = fromAwsError(error, { resource: "domain abc" });
    expect(mapped.code).toBe("AWS_NOT_FOUND");
    expect(mapped.details?.resourceType).toBe("DOMAIN");
    expect(isNotFoundError(error)).toBe(true);
  });

  it("keeps ConflictType from Voice ID conflicts", () => {
    const error = new ConflictException({
      message: "not active",
      ConflictType: "DOMAIN_NOT_ACTIVE",
      $metadata: { httpStatusCode: 409 },
    });
    expect(fromAwsError(error).details?.conflictType).toBe("DOMAIN_NOT_ACTIVE");
  });

  it("surfaces every problem of an InvalidContactFlowException", () => {
    const error = new InvalidContactFlowException({
      message: "The flow is not valid",
      problems: [{ message: "Invalid action identifier: x" }, { message: "StartAction is missing" }],
      $metadata: { httpStatusCode: 400 },
    });
    const mapped = fromAwsError(error);
    expect(mapped.code).toBe("FLOW_INVALID");
    expect(mapped.details?.problems).toEqual(["Invalid action identifier: x", "StartAction is missing"]);
    expect(mapped.message).toContain("StartAction is missing");
  });

  it("recognises unreachable endpoints, credential failures and unknown server faults", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:4599"), { code: "ECONNREFUSED" });
    expect(fromAwsError(refused).code).toBe("AWS_UNREACHABLE");
    const creds = Object.assign(new Error("Could not load credentials from any providers"), {
      name: "CredentialsProviderError",
    });
    expect(fromAwsError(creds).code).toBe("AWS_CREDENTIALS");
    const odd = Object.assign(new Error("weird"), { name: "SomethingNewException", $fault: "server" });
    expect(fromAwsError(odd).code).toBe("AWS_SERVICE");
    expect(fromAwsError("a string").code).toBe("AWS_UNKNOWN");
  });

  it("reads S3's wire code when the SDK leaves the name generic", () => {
    const error = Object.assign(new Error("Please reduce your request rate."), {
      name: "Error",
      Code: "SlowDown",
    });
    expect(isThrottlingError(error)).toBe(true);
    expect(fromAwsError(error).code).toBe("AWS_THROTTLED");
  });
});
