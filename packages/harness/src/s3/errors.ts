import { AwsServiceError } from "../service-error.ts";

/**
 * S3's error codes, statuses and messages as the service sends them
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList). `fields`
 * become extra elements of the `<Error>` document (`<Key>`, `<BucketName>`, …), as S3 adds them.
 */
export const S3Errors = {
  noSuchBucket: (bucket: string) =>
    new AwsServiceError("NoSuchBucket", 404, "The specified bucket does not exist", { BucketName: bucket }),
  noSuchKey: (key: string) =>
    new AwsServiceError("NoSuchKey", 404, "The specified key does not exist.", { Key: key }),
  noSuchUpload: (uploadId: string) =>
    new AwsServiceError(
      "NoSuchUpload",
      404,
      "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
      { UploadId: uploadId },
    ),
  bucketAlreadyOwnedByYou: (bucket: string) =>
    new AwsServiceError(
      "BucketAlreadyOwnedByYou",
      409,
      "Your previous request to create the named bucket succeeded and you already own it.",
      { BucketName: bucket },
    ),
  bucketNotEmpty: (bucket: string) =>
    new AwsServiceError("BucketNotEmpty", 409, "The bucket you tried to delete is not empty", {
      BucketName: bucket,
    }),
  invalidBucketName: (bucket: string) =>
    new AwsServiceError("InvalidBucketName", 400, "The specified bucket is not valid.", {
      BucketName: bucket,
    }),
  keyTooLong: () =>
    new AwsServiceError("KeyTooLongError", 400, "Your key is too long", { MaxSizeAllowed: 1024 }),
  invalidRange: (requested: string, size: number) =>
    new AwsServiceError("InvalidRange", 416, "The requested range is not satisfiable", {
      RangeRequested: requested,
      ActualObjectSize: size,
    }),
  badDigest: (what: string) =>
    new AwsServiceError("BadDigest", 400, `The ${what} you specified did not match the calculated checksum.`),
  badContentMd5: () =>
    new AwsServiceError("BadDigest", 400, "The Content-MD5 you specified did not match what we received."),
  invalidDigest: () =>
    new AwsServiceError("InvalidDigest", 400, "The Content-MD5 you specified is not valid."),
  contentSha256Mismatch: (client: string, computed: string) =>
    new AwsServiceError(
      "XAmzContentSHA256Mismatch",
      400,
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
      {
        ClientComputedContentSHA256: client,
        S3ComputedContentSHA256: computed,
      },
    ),
  incompleteBody: () =>
    new AwsServiceError(
      "IncompleteBody",
      400,
      "You did not provide the number of bytes specified by the Content-Length HTTP header",
    ),
  malformedTrailer: () =>
    new AwsServiceError(
      "MalformedTrailerError",
      400,
      "The request contained trailing data that was not well-formed or did not conform to our published schema.",
    ),
  invalidRequest: (message: string) => new AwsServiceError("InvalidRequest", 400, message),
  invalidArgument: (message: string, name?: string, value?: string) =>
    new AwsServiceError(
      "InvalidArgument",
      400,
      message,
      name === undefined ? {} : { ArgumentName: name, ArgumentValue: value ?? "" },
    ),
  malformedXml: () =>
    new AwsServiceError(
      "MalformedXML",
      400,
      "The XML you provided was not well-formed or did not validate against our published schema",
    ),
  invalidPart: (partNumber: number, etag: string) =>
    new AwsServiceError(
      "InvalidPart",
      400,
      "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
      { PartNumber: partNumber, ETag: etag },
    ),
  invalidPartOrder: () =>
    new AwsServiceError(
      "InvalidPartOrder",
      400,
      "The list of parts was not in ascending order. The parts list must be specified in order by part number.",
    ),
  entityTooSmall: (size: number, partNumber: number, etag: string) =>
    new AwsServiceError(
      "EntityTooSmall",
      400,
      "Your proposed upload is smaller than the minimum allowed size",
      {
        ProposedSize: size,
        MinSizeAllowed: 5 * 1024 * 1024,
        PartNumber: partNumber,
        ETag: etag,
      },
    ),
  entityTooLarge: (size: number, max: number) =>
    new AwsServiceError("EntityTooLarge", 400, "Your proposed upload exceeds the maximum allowed size", {
      ProposedSize: size,
      MaxSizeAllowed: max,
    }),
  preconditionFailed: (condition: string) =>
    new AwsServiceError(
      "PreconditionFailed",
      412,
      "At least one of the pre-conditions you specified did not hold",
      {
        Condition: condition,
      },
    ),
  methodNotAllowed: (method: string, resourceType: "SERVICE" | "BUCKET" | "OBJECT") =>
    new AwsServiceError(
      "MethodNotAllowed",
      405,
      "The specified method is not allowed against this resource.",
      {
        Method: method,
        ResourceType: resourceType,
      },
    ),
  notImplemented: (what: string) =>
    new AwsServiceError(
      "NotImplemented",
      501,
      "A header you provided implies functionality that is not implemented",
      {
        Header: what,
      },
    ),
  invalidUri: () => new AwsServiceError("InvalidURI", 400, "Couldn't parse the specified URI."),
  illegalLocationConstraint: (constraint: string, region: string) =>
    new AwsServiceError(
      "IllegalLocationConstraintException",
      400,
      `The ${constraint} location constraint is incompatible for the region specific endpoint this request was sent to.`,
      { Region: region },
    ),
  slowDown: () => new AwsServiceError("SlowDown", 503, "Please reduce your request rate."),
} as const;
