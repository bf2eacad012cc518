import { Readable } from "node:stream";
import { randomBytesPooled } from "../ids.ts";
import { type ResolvedOperation, type ServiceFrontDoor, serviceOf } from "../router.ts";
import type { ServiceContext } from "../service-context.ts";
import { AwsServiceError } from "../service-error.ts";
import { AwsChunkedDecoder, AwsChunkedError, decodeAwsChunked } from "./aws-chunked.ts";
import {
  algorithmOfHeader,
  type ChecksumAlgorithm,
  checksumHeader,
  checksumMember,
  createHasher,
  type DigestName,
  decodeDigest,
  parseChecksumAlgorithm,
} from "./checksums.ts";
import {
  type ChecksumType,
  type CompletedPart,
  type IncomingBody,
  type ObjectAttributes,
  S3_LIMITS,
  type S3Engine,
  type S3Object,
  sameEtag,
  verifyDigests,
  type WriteConditions,
} from "./engine.ts";
import { S3Errors } from "./errors.ts";
import {
  childElements,
  childText,
  element,
  escapeXml,
  parseXml,
  textElement,
  XmlSyntaxError,
  xmlDocument,
} from "./xml.ts";

/**
 * S3's restXml front door: routes by method, path and query string, reads headers and XML bodies,
 * and writes S3's XML documents and errors. Both addressing styles are served: path-style
 * (`/bucket/key`) and virtual-hosted (`bucket.s3.us-west-2.amazonaws.com/key`)
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html).
 */

interface S3Call {
  request: Request;
  url: URL;
  headers: Headers;
  query: URLSearchParams;
  bucket: string;
  key: string;
  region: string;
}

type Handler = (call: S3Call) => Promise<Response>;

/** `bucket.s3.amazonaws.com`, `bucket.s3.us-west-2.amazonaws.com`, `bucket.s3-us-west-2…`, dualstack. */
const VIRTUAL_HOST = /^(.+)\.s3(?:[.-][a-z0-9-]+)*\.amazonaws\.com$/;

/** Query parameters each resource level understands; anything else names an unsupported subresource. */
const SERVICE_PARAMS = new Set(["max-buckets", "continuation-token", "prefix", "bucket-region"]);
const BUCKET_PARAMS = new Set([
  "list-type",
  "prefix",
  "delimiter",
  "max-keys",
  "continuation-token",
  "start-after",
  "encoding-type",
  "fetch-owner",
  "marker",
  "location",
  "delete",
]);
const OBJECT_PARAMS = new Set([
  "uploads",
  "uploadId",
  "partNumber",
  "max-parts",
  "part-number-marker",
  "versionId",
  "response-content-type",
  "response-content-language",
  "response-expires",
  "response-cache-control",
  "response-content-disposition",
  "response-content-encoding",
]);

/** The SDK's `x-id=PutObject` and presigned-URL parameters say nothing about the operation. */
function isNeutralParam(name: string): boolean {
  return name === "x-id" || name.toLowerCase().startsWith("x-amz-");
}

function checkParams(query: URLSearchParams, allowed: ReadonlySet<string>): void {
  for (const name of query.keys()) {
    if (!allowed.has(name) && !isNeutralParam(name)) throw S3Errors.notImplemented(`?${name}`);
  }
}

function decodePath(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw S3Errors.invalidUri();
  }
}

/** Bucket and key from the host (virtual-hosted) or the first path segment (path-style). */
export function locate(url: URL): { bucket: string; key: string } {
  const host = VIRTUAL_HOST.exec(url.hostname);
  if (host?.[1]) return { bucket: host[1], key: decodePath(url.pathname.slice(1)) };
  const path = url.pathname;
  const slash = path.indexOf("/", 1);
  if (slash < 0) return { bucket: decodePath(path.slice(1)), key: "" };
  return { bucket: decodePath(path.slice(1, slash)), key: decodePath(path.slice(slash + 1)) };
}

// ---- responses ------------------------------------------------------------------------------

function requestIdHeaders(): { "x-amz-request-id": string; "x-amz-id-2": string } {
  return {
    "x-amz-request-id": randomBytesPooled(8).toString("hex").toUpperCase(),
    "x-amz-id-2": randomBytesPooled(48).toString("base64"),
  };
}

function xmlResponse(body: string, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(body, {
    status,
    headers: { ...requestIdHeaders(), "content-type": "application/xml", ...headers },
  });
}

function emptyResponse(status: number, headers: Record<string, string> = {}): Response {
  return new Response(null, { status, headers: { ...requestIdHeaders(), ...headers } });
}

/**
 * The wire form of an S3 error (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html).
 * `x-amz-error-code` is not part of S3's contract: the sandbox adds it so the request log can name
 * the error of a bodiless HEAD response too (the SDK reads only the body and the status).
 */
export function s3ErrorResponse(error: AwsServiceError, withBody = true): Response {
  const headers = {
    ...requestIdHeaders(),
    "content-type": "application/xml",
    "x-amz-error-code": error.type,
  };
  if (!withBody) return new Response(null, { status: error.status, headers });
  const fields = Object.entries(error.fields).map(([name, value]) => textElement(name, String(value)));
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n${element(
    "Error",
    textElement("Code", error.type),
    textElement("Message", error.message),
    ...fields,
    textElement("RequestId", headers["x-amz-request-id"]),
    textElement("HostId", headers["x-amz-id-2"]),
  )}`;
  return new Response(body, { status: error.status, headers });
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString();
}

/** The checksum XML members and type for a stored checksum (`<ChecksumCRC32>…`, `<ChecksumType>`). */
function checksumElements(object: Pick<S3Object, "checksum">): string[] {
  if (!object.checksum) return [];
  return [
    textElement(checksumMember(object.checksum.algorithm), object.checksum.value),
    textElement("ChecksumType", object.checksum.type),
  ];
}

// ---- request bodies ------------------------------------------------------------------------

async function* noBody(): AsyncGenerator<Uint8Array> {}

/** Turns an aws-chunked framing error into S3's answer while the body streams. */
async function* guardChunked(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    yield* source;
  } catch (error) {
    if (error instanceof AwsChunkedError) {
      throw error.reason === "truncated"
        ? S3Errors.incompleteBody()
        : S3Errors.invalidRequest(`The aws-chunked request body is malformed: ${error.message}`);
    }
    throw error;
  }
}

const UNSIGNED_PAYLOADS = new Set(["UNSIGNED-PAYLOAD"]);

/**
 * Reads what a request says about its body: one checksum (header or aws-chunked trailer), an
 * optional Content-MD5 and x-amz-content-sha256, and the aws-chunked framing
 * ("Uploading objects with checksums", https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html;
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html). Malformed claims are
 * answered before the body is read; mismatches after (engine `verifyDigests`).
 */
function incomingBody(call: S3Call): IncomingBody {
  const headers = call.headers;
  const contentSha256 = headers.get("x-amz-content-sha256")?.trim();
  const encodings = (headers.get("content-encoding") ?? "")
    .split(",")
    .map((value) => value.trim().toLowerCase());
  const chunked = encodings.includes("aws-chunked") || (contentSha256?.startsWith("STREAMING-") ?? false);

  const headerNames = [...headers.keys()].filter((name) => algorithmOfHeader(name) !== undefined);
  const trailerName = headers.get("x-amz-trailer")?.trim().toLowerCase() || undefined;
  if (headerNames.length + (trailerName ? 1 : 0) > 1) {
    throw S3Errors.invalidRequest(
      "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.",
    );
  }
  let algorithm: ChecksumAlgorithm | undefined;
  let headerChecksum: Buffer | undefined;
  const headerName = headerNames[0];
  if (headerName) {
    algorithm = algorithmOfHeader(headerName) as ChecksumAlgorithm;
    headerChecksum = decodeDigest(algorithm, headers.get(headerName) ?? "");
    if (!headerChecksum) throw S3Errors.invalidRequest(`Value for ${headerName} header is invalid.`);
  }
  if (trailerName) {
    algorithm = algorithmOfHeader(trailerName);
    if (!algorithm)
      throw S3Errors.invalidRequest("The value specified in the x-amz-trailer header is not supported");
    if (!chunked)
      throw S3Errors.invalidRequest(
        "The x-amz-trailer header is only supported with aws-chunked content encoding.",
      );
  }
  const sdkAlgorithm = headers.get("x-amz-sdk-checksum-algorithm");
  if (sdkAlgorithm) {
    if (!algorithm) {
      throw S3Errors.invalidRequest(
        "x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.",
      );
    }
    if (parseChecksumAlgorithm(sdkAlgorithm) !== algorithm) {
      throw S3Errors.invalidRequest("Value for x-amz-sdk-checksum-algorithm header is invalid.");
    }
  }

  let md5: Buffer | undefined;
  const md5Header = headers.get("content-md5");
  if (md5Header !== null) {
    md5 = decodeDigest("MD5", md5Header);
    if (!md5) throw S3Errors.invalidDigest();
  }

  let expectedSha256: Buffer | undefined;
  if (contentSha256 && !chunked && !UNSIGNED_PAYLOADS.has(contentSha256)) {
    if (!/^[0-9a-fA-F]{64}$/.test(contentSha256)) {
      throw S3Errors.invalidArgument(
        "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, or a valid sha256 value.",
        "x-amz-content-sha256",
        contentSha256,
      );
    }
    expectedSha256 = Buffer.from(contentSha256, "hex");
  }

  let decodedLength: number | undefined;
  const decodedHeader = headers.get("x-amz-decoded-content-length");
  if (chunked && decodedHeader !== null) {
    if (!/^\d+$/.test(decodedHeader.trim()))
      throw S3Errors.invalidArgument(
        "Invalid x-amz-decoded-content-length",
        "x-amz-decoded-content-length",
        decodedHeader,
      );
    decodedLength = Number(decodedHeader);
  }
  const declared =
    decodedLength ?? (chunked ? undefined : Number(headers.get("content-length") ?? Number.NaN));
  if (
    declared !== undefined &&
    Number.isFinite(declared) &&
    declared > S3_LIMITS.maxPutSize &&
    call.query.get("partNumber") === null
  ) {
    throw S3Errors.entityTooLarge(declared, S3_LIMITS.maxPutSize);
  }

  const raw: AsyncIterable<Uint8Array> = call.request.body ?? noBody();
  const decoder = chunked ? new AwsChunkedDecoder() : undefined;
  const stream = decoder ? guardChunked(decodeAwsChunked(raw, decoder)) : raw;
  return {
    stream,
    checksumAlgorithm: algorithm,
    verifySha256: expectedSha256 !== undefined,
    expected: () => {
      let checksum = headerChecksum;
      if (trailerName && algorithm) {
        const value = decoder?.trailers.get(trailerName);
        if (value === undefined) throw S3Errors.malformedTrailer();
        checksum = decodeDigest(algorithm, value);
        if (!checksum) throw S3Errors.invalidRequest(`Value for ${trailerName} trailing header is invalid.`);
      }
      return { md5, checksum, contentSha256: expectedSha256, size: decodedLength };
    },
  };
}

/** Reads a small (XML) request body whole, checked like any other body. */
async function readSmallBody(call: S3Call, options: { requireIntegrity?: boolean } = {}): Promise<Buffer> {
  const body = incomingBody(call);
  const limit = 2 * 1024 * 1024;
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body.stream) {
    size += chunk.length;
    if (size > limit) throw S3Errors.malformedXml();
    chunks.push(chunk);
  }
  const data = Buffer.concat(chunks);
  const names: DigestName[] = ["MD5"];
  if (body.checksumAlgorithm) names.push(body.checksumAlgorithm);
  if (body.verifySha256) names.push("SHA256");
  const digests = new Map<DigestName, Buffer>();
  for (const name of names) {
    const hasher = createHasher(name);
    hasher.update(data);
    digests.set(name, hasher.digest());
  }
  verifyDigests(body, data.length, digests);
  if (options.requireIntegrity && !call.headers.has("content-md5") && !body.checksumAlgorithm) {
    // DeleteObjects requires an integrity check (API_DeleteObjects.html, "Content-MD5 or x-amz-sdk-checksum-algorithm").
    throw S3Errors.invalidRequest("Missing required header for this request: Content-MD5");
  }
  return data;
}

function parseXmlBody(data: Buffer) {
  try {
    return parseXml(data.toString("utf8"));
  } catch (error) {
    if (error instanceof XmlSyntaxError) throw S3Errors.malformedXml();
    throw error;
  }
}

// ---- headers -----------------------------------------------------------------------------

function attributesFrom(headers: Headers): ObjectAttributes {
  const metadata: Record<string, string> = {};
  for (const [name, value] of headers) {
    if (name.startsWith("x-amz-meta-")) metadata[name.slice("x-amz-meta-".length)] = value;
  }
  // aws-chunked is how the request was framed, not how the object is encoded: S3 drops it.
  const encoding = (headers.get("content-encoding") ?? "")
    .split(",")
    .map((value) => value.trim())
    .filter((value) => value !== "" && value.toLowerCase() !== "aws-chunked")
    .join(",");
  const optional = (name: string) => headers.get(name) ?? undefined;
  return {
    // S3's default for objects stored without a Content-Type (API_PutObject.html).
    contentType: headers.get("content-type") || "binary/octet-stream",
    contentEncoding: encoding || undefined,
    contentDisposition: optional("content-disposition"),
    contentLanguage: optional("content-language"),
    cacheControl: optional("cache-control"),
    expires: optional("expires"),
    metadata,
  };
}

function writeConditions(headers: Headers): WriteConditions | undefined {
  const ifMatch = headers.get("if-match") ?? undefined;
  const ifNoneMatch = headers.get("if-none-match") ?? undefined;
  if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== "*") throw S3Errors.notImplemented("If-None-Match");
  return ifMatch === undefined && ifNoneMatch === undefined ? undefined : { ifMatch, ifNoneMatch };
}

/**
 * GET/HEAD conditions in RFC 9110 order, as S3 applies them
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html, If-Match … If-Unmodified-Since).
 */
function readCondition(
  object: S3Object,
  get: (name: string) => string | null,
): "ok" | "not-modified" | { failed: string } {
  const modified = Math.floor(object.lastModified / 1000);
  const date = (value: string | null) => {
    const ms = value === null ? Number.NaN : Date.parse(value);
    return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
  };
  const matchesAny = (list: string) =>
    list.split(",").some((tag) => tag.trim() === "*" || sameEtag(tag, object.etag));
  const ifMatch = get("if-match");
  if (ifMatch !== null) {
    if (!matchesAny(ifMatch)) return { failed: "If-Match" };
  } else {
    const since = date(get("if-unmodified-since"));
    if (since !== undefined && modified > since) return { failed: "If-Unmodified-Since" };
  }
  const ifNoneMatch = get("if-none-match");
  if (ifNoneMatch !== null) {
    if (matchesAny(ifNoneMatch)) return "not-modified";
  } else {
    const since = date(get("if-modified-since"));
    if (since !== undefined && modified <= since) return "not-modified";
  }
  return "ok";
}

function checkVersionId(query: URLSearchParams): void {
  const versionId = query.get("versionId");
  // Sandbox buckets are unversioned: their objects' only version is "null".
  if (versionId !== null && versionId !== "null") {
    throw S3Errors.invalidArgument("Invalid version id specified", "versionId", versionId);
  }
}

function objectHeaders(object: S3Object): Record<string, string> {
  const a = object.attributes;
  const headers: Record<string, string> = {
    "content-type": a.contentType,
    etag: object.etag,
    "last-modified": new Date(object.lastModified).toUTCString(),
    "accept-ranges": "bytes",
  };
  if (a.contentEncoding) headers["content-encoding"] = a.contentEncoding;
  if (a.contentDisposition) headers["content-disposition"] = a.contentDisposition;
  if (a.contentLanguage) headers["content-language"] = a.contentLanguage;
  if (a.cacheControl) headers["cache-control"] = a.cacheControl;
  if (a.expires) headers.expires = a.expires;
  for (const [name, value] of Object.entries(a.metadata)) headers[`x-amz-meta-${name}`] = value;
  return headers;
}

/**
 * A Range header against an object of `size` bytes: one `bytes=a-b`, `bytes=a-` or `bytes=-n`.
 * Headers S3 cannot parse (several ranges, a > b) are ignored and the whole object is returned, as
 * HTTP allows; a range starting past the end is InvalidRange (416).
 */
export function parseRange(header: string, size: number): { start: number; end: number } | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return undefined;
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return undefined;
  if (first === "") {
    const length = Number(last);
    if (length === 0 || size === 0) throw S3Errors.invalidRange(header, size);
    return { start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(first);
  if (last !== "" && Number(last) < start) return undefined;
  if (start >= size) throw S3Errors.invalidRange(header, size);
  return { start, end: last === "" ? size - 1 : Math.min(Number(last), size - 1) };
}

function parseInteger(
  value: string | null,
  fallback: number,
  name: string,
  min: number,
  max: number,
): number {
  if (value === null) return fallback;
  if (!/^\d+$/.test(value.trim()))
    throw S3Errors.invalidArgument(`Provided ${name} not an integer or within integer range`, name, value);
  return Math.min(Math.max(Number(value), min), max);
}

function encodeToken(value: string, isPrefix: boolean): string {
  return Buffer.from(JSON.stringify([value, isPrefix ? 1 : 0]), "utf8").toString("base64url");
}

function decodeToken(token: string): { value: string; isPrefix: boolean } {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (Array.isArray(parsed) && typeof parsed[0] === "string" && (parsed[1] === 0 || parsed[1] === 1)) {
      return { value: parsed[0], isPrefix: parsed[1] === 1 };
    }
  } catch {
    // falls through to the error below
  }
  throw S3Errors.invalidArgument("The continuation token provided is incorrect", "continuation-token", token);
}

// ---- the door --------------------------------------------------------------------------------

export function createS3FrontDoor(
  engine: S3Engine,
  context: Pick<ServiceContext, "accountId" | "defaultRegion">,
): ServiceFrontDoor {
  const owner = element(
    "Owner",
    textElement("DisplayName", "cvk-sandbox"),
    textElement("ID", context.accountId),
  );

  const listBuckets: Handler = async ({ query }) => {
    const prefix = query.get("prefix") ?? "";
    const region = query.get("bucket-region");
    const max = parseInteger(query.get("max-buckets"), 10_000, "max-buckets", 1, 10_000);
    const after = query.get("continuation-token");
    const all = engine
      .listBuckets()
      .filter((bucket) => bucket.name.startsWith(prefix) && (region === null || bucket.region === region))
      .filter((bucket) => after === null || bucket.name > after);
    const page = all.slice(0, max);
    const truncated = all.length > page.length;
    return xmlResponse(
      xmlDocument(
        "ListAllMyBucketsResult",
        owner,
        element(
          "Buckets",
          ...page.map((bucket) =>
            element(
              "Bucket",
              textElement("Name", bucket.name),
              textElement("CreationDate", isoDate(bucket.created)),
              textElement("BucketRegion", bucket.region),
            ),
          ),
        ),
        truncated ? textElement("ContinuationToken", page.at(-1)?.name) : "",
        query.has("prefix") ? textElement("Prefix", prefix) : "",
      ),
    );
  };

  const createBucket: Handler = async (call) => {
    const data = await readSmallBody(call);
    let constraint: string | undefined;
    if (data.length > 0) {
      const root = parseXmlBody(data);
      if (root.name !== "CreateBucketConfiguration") throw S3Errors.malformedXml();
      constraint = childText(root, "LocationConstraint")?.trim() || undefined;
    }
    // The SDK adds LocationConstraint for every Region but us-east-1 (getLocationConstraintPlugin).
    // A missing one is accepted for any Region (real S3 refuses it outside us-east-1), so plain
    // `create-bucket` calls from other tools work against the sandbox.
    if (
      constraint !== undefined &&
      constraint !== call.region &&
      !(constraint === "EU" && call.region === "eu-west-1")
    ) {
      throw S3Errors.illegalLocationConstraint(constraint, call.region);
    }
    engine.createBucket(call.bucket, constraint ?? call.region);
    return emptyResponse(200, { location: `/${call.bucket}` });
  };

  const headBucket: Handler = async ({ bucket }) => {
    const info = engine.headBucket(bucket);
    return emptyResponse(200, { "x-amz-bucket-region": info.region, "x-amz-access-point-alias": "false" });
  };

  const deleteBucket: Handler = async ({ bucket }) => {
    engine.deleteBucket(bucket);
    return emptyResponse(204);
  };

  const getBucketLocation: Handler = async ({ bucket }) => {
    const info = engine.headBucket(bucket);
    // us-east-1 buckets report an empty constraint (API_GetBucketLocation.html).
    return xmlResponse(
      `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${
        info.region === "us-east-1" ? "" : escapeXml(info.region)
      }</LocationConstraint>`,
    );
  };

  /** S3's `encoding-type=url`: keys percent-encoded, spaces as `+`, slashes kept. */
  const encoder = (query: URLSearchParams) => {
    const type = query.get("encoding-type");
    if (type !== null && type !== "url")
      throw S3Errors.invalidArgument("Invalid Encoding Method specified in Request", "encoding-type", type);
    return type === "url"
      ? (value: string) => encodeURIComponent(value).replaceAll("%2F", "/").replaceAll("%20", "+")
      : (value: string) => value;
  };

  const contentsElement = (object: S3Object, encode: (value: string) => string, fetchOwner: boolean) =>
    element(
      "Contents",
      textElement("Key", encode(object.key)),
      textElement("LastModified", isoDate(object.lastModified)),
      textElement("ETag", object.etag),
      object.checksum ? textElement("ChecksumAlgorithm", object.checksum.algorithm) : "",
      object.checksum ? textElement("ChecksumType", object.checksum.type) : "",
      textElement("Size", object.size),
      fetchOwner ? owner : "",
      textElement("StorageClass", "STANDARD"),
    );

  /** ListObjectsV2 (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html). */
  const listObjectsV2: Handler = async ({ bucket, query }) => {
    const encode = encoder(query);
    const maxKeys = parseInteger(query.get("max-keys"), 1000, "max-keys", 0, 1000);
    const token = query.get("continuation-token");
    const startAfter = query.get("start-after") ?? undefined;
    const position = token !== null ? decodeToken(token) : undefined;
    const prefix = query.get("prefix") ?? "";
    const delimiter = query.get("delimiter") ?? "";
    const result = engine.listObjects(bucket, {
      prefix,
      delimiter,
      maxKeys,
      after: position?.value ?? startAfter,
      afterPrefix: position?.isPrefix,
    });
    const fetchOwner = query.get("fetch-owner") === "true";
    return xmlResponse(
      xmlDocument(
        "ListBucketResult",
        textElement("Name", bucket),
        textElement("Prefix", encode(prefix)),
        delimiter ? textElement("Delimiter", encode(delimiter)) : "",
        textElement("MaxKeys", maxKeys),
        query.has("encoding-type") ? textElement("EncodingType", "url") : "",
        textElement("KeyCount", result.objects.length + result.commonPrefixes.length),
        textElement("IsTruncated", result.truncated),
        token !== null ? textElement("ContinuationToken", token) : "",
        result.truncated && result.last
          ? textElement("NextContinuationToken", encodeToken(result.last.value, result.last.isPrefix))
          : "",
        startAfter !== undefined ? textElement("StartAfter", encode(startAfter)) : "",
        ...result.objects.map((object) => contentsElement(object, encode, fetchOwner)),
        ...result.commonPrefixes.map((common) =>
          element("CommonPrefixes", textElement("Prefix", encode(common))),
        ),
      ),
    );
  };

  /** ListObjects, version 1 (marker / NextMarker). */
  const listObjects: Handler = async ({ bucket, query }) => {
    const encode = encoder(query);
    const maxKeys = parseInteger(query.get("max-keys"), 1000, "max-keys", 0, 1000);
    const marker = query.get("marker") ?? "";
    const prefix = query.get("prefix") ?? "";
    const delimiter = query.get("delimiter") ?? "";
    const result = engine.listObjects(bucket, { prefix, delimiter, maxKeys, after: marker || undefined });
    return xmlResponse(
      xmlDocument(
        "ListBucketResult",
        textElement("Name", bucket),
        textElement("Prefix", encode(prefix)),
        textElement("Marker", encode(marker)),
        // NextMarker only with a delimiter; otherwise clients continue from the last key (API_ListObjects.html).
        delimiter && result.truncated && result.last
          ? textElement("NextMarker", encode(result.last.value))
          : "",
        textElement("MaxKeys", maxKeys),
        delimiter ? textElement("Delimiter", encode(delimiter)) : "",
        query.has("encoding-type") ? textElement("EncodingType", "url") : "",
        textElement("IsTruncated", result.truncated),
        ...result.objects.map((object) => contentsElement(object, encode, true)),
        ...result.commonPrefixes.map((common) =>
          element("CommonPrefixes", textElement("Prefix", encode(common))),
        ),
      ),
    );
  };

  /** DeleteObjects (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html). */
  const deleteObjects: Handler = async (call) => {
    engine.headBucket(call.bucket);
    const root = parseXmlBody(await readSmallBody(call, { requireIntegrity: true }));
    if (root.name !== "Delete") throw S3Errors.malformedXml();
    const quiet = childText(root, "Quiet")?.trim() === "true";
    const objects = childElements(root, "Object");
    if (objects.length === 0 || objects.length > 1000) throw S3Errors.malformedXml();
    const results: string[] = [];
    for (const entry of objects) {
      const key = childText(entry, "Key");
      if (key === undefined || key === "") throw S3Errors.malformedXml();
      const versionId = childText(entry, "VersionId");
      if (versionId !== undefined && versionId !== "null") {
        results.push(
          element(
            "Error",
            textElement("Key", key),
            textElement("VersionId", versionId),
            textElement("Code", "NoSuchVersion"),
            textElement("Message", "The specified version does not exist."),
          ),
        );
        continue;
      }
      engine.deleteObject(call.bucket, key);
      if (!quiet) results.push(element("Deleted", textElement("Key", key)));
    }
    return xmlResponse(xmlDocument("DeleteResult", ...results));
  };

  // ---- objects ----

  const getOrHeadObject =
    (head: boolean): Handler =>
    async ({ bucket, key, headers, query }) => {
      checkVersionId(query);
      // Metadata and body stream are taken in one synchronous step (no await in between).
      const object = engine.getObject(bucket, key);
      const condition = readCondition(object, (name) => headers.get(name));
      if (condition === "not-modified") {
        return emptyResponse(304, {
          etag: object.etag,
          "last-modified": new Date(object.lastModified).toUTCString(),
        });
      }
      if (condition !== "ok") throw S3Errors.preconditionFailed(condition.failed);
      const out = objectHeaders(object);
      let range: { start: number; end: number } | undefined;
      const partNumber = query.get("partNumber");
      if (partNumber !== null) {
        const sizes = object.partSizes ?? [object.size];
        const number = parseInteger(partNumber, 1, "partNumber", 1, S3_LIMITS.maxPartNumber);
        if (number > sizes.length) {
          throw new AwsServiceError("InvalidPartNumber", 416, "The requested partnumber is not satisfiable", {
            PartNumberRequested: number,
            ActualPartCount: sizes.length,
          });
        }
        const start = sizes.slice(0, number - 1).reduce((sum, size) => sum + size, 0);
        const size = sizes[number - 1] ?? 0;
        range = size > 0 ? { start, end: start + size - 1 } : undefined;
        out["x-amz-mp-parts-count"] = String(sizes.length);
      } else {
        const rangeHeader = headers.get("range");
        range = rangeHeader === null ? undefined : parseRange(rangeHeader, object.size);
      }
      // The stored checksum covers the whole object, so S3 returns it only for whole-object reads,
      // and only when asked (x-amz-checksum-mode: ENABLED, API_GetObject.html).
      if (
        object.checksum &&
        !range &&
        partNumber === null &&
        headers.get("x-amz-checksum-mode")?.toUpperCase() === "ENABLED"
      ) {
        out[checksumHeader(object.checksum.algorithm)] = object.checksum.value;
        out["x-amz-checksum-type"] = object.checksum.type;
      }
      for (const [param, header] of [
        ["response-content-type", "content-type"],
        ["response-content-language", "content-language"],
        ["response-expires", "expires"],
        ["response-cache-control", "cache-control"],
        ["response-content-disposition", "content-disposition"],
        ["response-content-encoding", "content-encoding"],
      ] as const) {
        const value = query.get(param);
        if (value !== null) out[header] = value;
      }
      const status = range || partNumber !== null ? 206 : 200;
      if (range) out["content-range"] = `bytes ${range.start}-${range.end}/${object.size}`;
      out["content-length"] = String(range ? range.end - range.start + 1 : object.size);
      if (head) return emptyResponse(status, out);
      const stream = engine.openObject(object, range);
      return new Response(Readable.toWeb(stream) as unknown as ReadableStream<Uint8Array>, {
        status,
        headers: { ...requestIdHeaders(), ...out },
      });
    };

  const putObject: Handler = async (call) => {
    const object = await engine.writeObject({
      bucket: call.bucket,
      key: call.key,
      body: incomingBody(call),
      attributes: attributesFrom(call.headers),
      conditions: writeConditions(call.headers),
    });
    const out: Record<string, string> = { etag: object.etag };
    if (object.checksum) {
      out[checksumHeader(object.checksum.algorithm)] = object.checksum.value;
      out["x-amz-checksum-type"] = object.checksum.type;
    }
    return emptyResponse(200, out);
  };

  /** CopyObject (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html). */
  const copyObject: Handler = async (call) => {
    const { headers } = call;
    const raw = headers.get("x-amz-copy-source") ?? "";
    const [path = "", search = ""] = raw.split("?", 2);
    const trimmed = path.startsWith("/") ? path.slice(1) : path;
    const slash = trimmed.indexOf("/");
    if (slash <= 0 || slash === trimmed.length - 1) {
      throw S3Errors.invalidArgument(
        "Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
        "x-amz-copy-source",
        raw,
      );
    }
    const sourceBucket = decodePath(trimmed.slice(0, slash));
    const sourceKey = decodePath(trimmed.slice(slash + 1));
    checkVersionId(new URLSearchParams(search));
    const directive = (headers.get("x-amz-metadata-directive") ?? "COPY").toUpperCase();
    if (directive !== "COPY" && directive !== "REPLACE")
      throw S3Errors.invalidArgument("Unknown metadata directive.", "x-amz-metadata-directive", directive);
    const algorithmHeader = headers.get("x-amz-checksum-algorithm");
    const checksumAlgorithm = algorithmHeader === null ? undefined : parseChecksumAlgorithm(algorithmHeader);
    if (algorithmHeader !== null && !checksumAlgorithm)
      throw S3Errors.invalidRequest("Checksum algorithm provided is unsupported.");

    const source = engine.getObject(sourceBucket, sourceKey);
    const condition = readCondition(source, (name) => headers.get(`x-amz-copy-source-${name}`));
    // For a copy, every failed source condition is a 412 (API_CopyObject.html, x-amz-copy-source-if-*).
    if (condition !== "ok") {
      throw S3Errors.preconditionFailed(
        condition === "not-modified"
          ? "x-amz-copy-source-If-None-Match"
          : `x-amz-copy-source-${condition.failed}`,
      );
    }
    if (
      sourceBucket === call.bucket &&
      sourceKey === call.key &&
      directive === "COPY" &&
      !checksumAlgorithm
    ) {
      throw S3Errors.invalidRequest(
        "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
      );
    }
    const object = await engine.copyObject({
      source,
      bucket: call.bucket,
      key: call.key,
      attributes: directive === "REPLACE" ? attributesFrom(headers) : undefined,
      checksumAlgorithm,
    });
    return xmlResponse(
      xmlDocument(
        "CopyObjectResult",
        textElement("ETag", object.etag),
        textElement("LastModified", isoDate(object.lastModified)),
        ...checksumElements(object),
      ),
    );
  };

  const deleteObject: Handler = async ({ bucket, key, query }) => {
    checkVersionId(query);
    engine.deleteObject(bucket, key);
    return emptyResponse(204);
  };

  // ---- multipart ----

  const createMultipartUpload: Handler = async (call) => {
    const { headers } = call;
    const algorithmHeader = headers.get("x-amz-checksum-algorithm");
    const checksumAlgorithm = algorithmHeader === null ? undefined : parseChecksumAlgorithm(algorithmHeader);
    if (algorithmHeader !== null && !checksumAlgorithm)
      throw S3Errors.invalidRequest("Checksum algorithm provided is unsupported.");
    const typeHeader = headers.get("x-amz-checksum-type")?.toUpperCase();
    if (typeHeader !== undefined && typeHeader !== "FULL_OBJECT" && typeHeader !== "COMPOSITE") {
      throw S3Errors.invalidRequest("Value for x-amz-checksum-type header is invalid.");
    }
    const upload = engine.createMultipartUpload({
      bucket: call.bucket,
      key: call.key,
      attributes: attributesFrom(headers),
      checksumAlgorithm,
      checksumType: typeHeader as ChecksumType | undefined,
    });
    const out: Record<string, string> = {};
    if (upload.checksumAlgorithm) out["x-amz-checksum-algorithm"] = upload.checksumAlgorithm;
    if (upload.checksumType) out["x-amz-checksum-type"] = upload.checksumType;
    return xmlResponse(
      xmlDocument(
        "InitiateMultipartUploadResult",
        textElement("Bucket", upload.bucket),
        textElement("Key", upload.key),
        textElement("UploadId", upload.uploadId),
      ),
      200,
      out,
    );
  };

  const partNumberOf = (query: URLSearchParams) => {
    const value = query.get("partNumber") ?? "";
    const number = /^\d{1,5}$/.test(value) ? Number(value) : 0;
    if (number < 1 || number > S3_LIMITS.maxPartNumber) {
      throw S3Errors.invalidArgument(
        "Part number must be an integer between 1 and 10000, inclusive",
        "partNumber",
        value,
      );
    }
    return number;
  };

  const uploadPart: Handler = async (call) => {
    const { part, checksumAlgorithm } = await engine.uploadPart({
      bucket: call.bucket,
      key: call.key,
      uploadId: call.query.get("uploadId") ?? "",
      partNumber: partNumberOf(call.query),
      body: incomingBody(call),
    });
    const out: Record<string, string> = { etag: part.etag };
    if (part.checksum && checksumAlgorithm) out[checksumHeader(checksumAlgorithm)] = part.checksum;
    return emptyResponse(200, out);
  };

  /** ListParts (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListParts.html). */
  const listParts: Handler = async ({ bucket, key, query }) => {
    const uploadId = query.get("uploadId") ?? "";
    const maxParts = parseInteger(query.get("max-parts"), 1000, "max-parts", 0, 1000);
    const marker = parseInteger(
      query.get("part-number-marker"),
      0,
      "part-number-marker",
      0,
      S3_LIMITS.maxPartNumber,
    );
    const { upload, parts } = engine.listParts(bucket, key, uploadId);
    const after = parts.filter((part) => part.partNumber > marker);
    const page = after.slice(0, maxParts);
    const truncated = after.length > page.length;
    const algorithm = upload.checksumAlgorithm;
    return xmlResponse(
      xmlDocument(
        "ListPartsResult",
        textElement("Bucket", bucket),
        textElement("Key", key),
        textElement("UploadId", uploadId),
        textElement("PartNumberMarker", marker),
        textElement("NextPartNumberMarker", page.at(-1)?.partNumber ?? marker),
        textElement("MaxParts", maxParts),
        textElement("IsTruncated", truncated),
        ...page.map((part) =>
          element(
            "Part",
            textElement("PartNumber", part.partNumber),
            textElement("LastModified", isoDate(part.lastModified)),
            textElement("ETag", part.etag),
            textElement("Size", part.size),
            algorithm && part.checksum ? textElement(checksumMember(algorithm), part.checksum) : "",
          ),
        ),
        element("Initiator", textElement("ID", context.accountId), textElement("DisplayName", "cvk-sandbox")),
        owner,
        textElement("StorageClass", "STANDARD"),
        algorithm ? textElement("ChecksumAlgorithm", algorithm) : "",
        upload.checksumType ? textElement("ChecksumType", upload.checksumType) : "",
      ),
    );
  };

  const completeMultipartUpload: Handler = async (call) => {
    const { headers, query, url } = call;
    const uploadId = query.get("uploadId") ?? "";
    const root = parseXmlBody(await readSmallBody(call));
    if (root.name !== "CompleteMultipartUpload") throw S3Errors.malformedXml();
    const parts: CompletedPart[] = childElements(root, "Part").map((part) => {
      const numberText = childText(part, "PartNumber")?.trim() ?? "";
      const etag = childText(part, "ETag");
      if (!/^\d{1,5}$/.test(numberText) || etag === undefined) throw S3Errors.malformedXml();
      const checksums: CompletedPart["checksums"] = {};
      for (const child of part.children) {
        const algorithm = child.name.startsWith("Checksum")
          ? parseChecksumAlgorithm(child.name.slice("Checksum".length))
          : undefined;
        if (algorithm) checksums[algorithm] = child.text.trim();
      }
      return { partNumber: Number(numberText), etag: etag.trim(), checksums };
    });
    // On CompleteMultipartUpload an x-amz-checksum-* header is the whole object's checksum (FULL_OBJECT).
    const headerName = [...headers.keys()].find((name) => algorithmOfHeader(name) !== undefined);
    let fullObjectChecksum: { algorithm: ChecksumAlgorithm; value: Buffer } | undefined;
    if (headerName) {
      const algorithm = algorithmOfHeader(headerName) as ChecksumAlgorithm;
      const value = decodeDigest(algorithm, headers.get(headerName) ?? "");
      if (!value) throw S3Errors.invalidRequest(`Value for ${headerName} header is invalid.`);
      fullObjectChecksum = { algorithm, value };
    }
    const object = await engine.completeMultipartUpload({
      bucket: call.bucket,
      key: call.key,
      uploadId,
      parts,
      fullObjectChecksum,
      conditions: writeConditions(headers),
    });
    const isVirtualHost = VIRTUAL_HOST.test(url.hostname);
    const encodedKey = call.key.split("/").map(encodeURIComponent).join("/");
    const location = isVirtualHost
      ? `${url.origin}/${encodedKey}`
      : `${url.origin}/${encodeURIComponent(call.bucket)}/${encodedKey}`;
    return xmlResponse(
      xmlDocument(
        "CompleteMultipartUploadResult",
        textElement("Location", location),
        textElement("Bucket", call.bucket),
        textElement("Key", call.key),
        textElement("ETag", object.etag),
        ...checksumElements(object),
      ),
    );
  };

  const abortMultipartUpload: Handler = async ({ bucket, key, query }) => {
    engine.abortMultipartUpload(bucket, key, query.get("uploadId") ?? "");
    return emptyResponse(204);
  };

  /** The operation for a request: method + (bucket? key?) + subresource. */
  function route(
    method: string,
    target: { bucket: string; key: string },
    query: URLSearchParams,
    headers: Headers,
  ): [string, Handler] {
    if (target.bucket === "") {
      checkParams(query, SERVICE_PARAMS);
      if (method === "GET") return ["ListBuckets", listBuckets];
      throw S3Errors.methodNotAllowed(method, "SERVICE");
    }
    if (target.key === "") {
      checkParams(query, BUCKET_PARAMS);
      switch (method) {
        case "PUT":
          return ["CreateBucket", createBucket];
        case "HEAD":
          return ["HeadBucket", headBucket];
        case "DELETE":
          return ["DeleteBucket", deleteBucket];
        case "GET":
          if (query.has("location")) return ["GetBucketLocation", getBucketLocation];
          return query.get("list-type") === "2"
            ? ["ListObjectsV2", listObjectsV2]
            : ["ListObjects", listObjects];
        case "POST":
          if (query.has("delete")) return ["DeleteObjects", deleteObjects];
          break;
      }
      throw S3Errors.methodNotAllowed(method, "BUCKET");
    }
    checkParams(query, OBJECT_PARAMS);
    switch (method) {
      case "PUT":
        if (query.has("uploadId") && query.has("partNumber")) {
          if (headers.has("x-amz-copy-source"))
            throw S3Errors.notImplemented("x-amz-copy-source (UploadPartCopy)");
          return ["UploadPart", uploadPart];
        }
        return headers.has("x-amz-copy-source") ? ["CopyObject", copyObject] : ["PutObject", putObject];
      case "GET":
        return query.has("uploadId") ? ["ListParts", listParts] : ["GetObject", getOrHeadObject(false)];
      case "HEAD":
        return ["HeadObject", getOrHeadObject(true)];
      case "DELETE":
        return query.has("uploadId")
          ? ["AbortMultipartUpload", abortMultipartUpload]
          : ["DeleteObject", deleteObject];
      case "POST":
        if (query.has("uploads")) return ["CreateMultipartUpload", createMultipartUpload];
        if (query.has("uploadId")) return ["CompleteMultipartUpload", completeMultipartUpload];
        break;
    }
    throw S3Errors.methodNotAllowed(method, "OBJECT");
  }

  return {
    service: "s3",
    resolve(request: Request, url: URL): ResolvedOperation {
      const method = request.method.toUpperCase();
      const target = locate(url);
      const [operation, handler] = route(method, target, url.searchParams, request.headers);
      const call: S3Call = {
        request,
        url,
        headers: request.headers,
        query: url.searchParams,
        bucket: target.bucket,
        key: target.key,
        region: serviceOf(request, url).region ?? context.defaultRegion,
      };
      if (method !== "HEAD") return { operation, run: () => handler(call) };
      // A HEAD response has no body, so its errors carry only a status (the SDK then names a 404
      // `NotFound`; https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html).
      return {
        operation,
        run: () =>
          handler(call).catch((error: unknown) => {
            if (error instanceof AwsServiceError) return s3ErrorResponse(error, false);
            throw error;
          }),
      };
    },
    errorResponse: (error) => s3ErrorResponse(error),
    throttlingError: () => S3Errors.slowDown(),
  };
}
