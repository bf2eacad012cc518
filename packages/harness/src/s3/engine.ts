import { createHash, randomBytes } from "node:crypto";
import type { Readable } from "node:stream";
import type { Clock } from "@cvk/core";
import type { S3ObjectAccess, ServiceContext } from "../service-context.ts";
import type { SandboxStore } from "../store.ts";
import { type ChecksumAlgorithm, createHasher, type DigestName, digestOf } from "./checksums.ts";
import { S3Errors } from "./errors.ts";

/**
 * The S3 engine: buckets, objects and multipart uploads, independent of the wire.
 *
 * State lives in memory (maps plus a sorted key list per bucket, for listing) and is written through
 * to the sandbox store: one JSON document per bucket, object and upload, bodies as blobs streamed to
 * disk. Requests run concurrently, so every state change happens in one synchronous step: bodies are
 * streamed to a new blob first (the only `await`), and the metadata is then checked and switched
 * without yielding. An overwritten body's blob is deleted once no reader still streams it.
 */

/** `FULL_OBJECT`: a checksum of the whole body; `COMPOSITE`: a checksum of the parts' checksums, `-N`. */
export type ChecksumType = "FULL_OBJECT" | "COMPOSITE";

export interface StoredChecksum {
  algorithm: ChecksumAlgorithm;
  /** Base64, with `-<parts>` for a composite checksum (as S3 returns it). */
  value: string;
  type: ChecksumType;
}

/** What S3 stores from the request headers and returns on GET/HEAD. */
export interface ObjectAttributes {
  contentType: string;
  contentEncoding?: string | undefined;
  contentDisposition?: string | undefined;
  contentLanguage?: string | undefined;
  cacheControl?: string | undefined;
  expires?: string | undefined;
  /** User metadata (`x-amz-meta-*`), names lower-cased without the prefix. */
  metadata: Record<string, string>;
}

export interface S3Object {
  bucket: string;
  key: string;
  /** Blob id in the sandbox store. */
  blob: string;
  size: number;
  /** Quoted, as on the wire: `"<md5 hex>"`, or `"<md5 of part md5s>-N"` after a multipart upload. */
  etag: string;
  /** Milliseconds since the epoch (sandbox clock). */
  lastModified: number;
  attributes: ObjectAttributes;
  checksum?: StoredChecksum | undefined;
  /** Part sizes of an object assembled from a multipart upload (GetObject `partNumber`). */
  partSizes?: number[] | undefined;
}

export interface S3Bucket {
  name: string;
  region: string;
  created: number;
}

export interface S3Part {
  partNumber: number;
  blob: string;
  size: number;
  etag: string;
  lastModified: number;
  /** Base64 checksum of the part in the upload's algorithm. */
  checksum?: string | undefined;
}

export interface MultipartUpload {
  uploadId: string;
  bucket: string;
  key: string;
  initiated: number;
  attributes: ObjectAttributes;
  checksumAlgorithm?: ChecksumAlgorithm | undefined;
  checksumType?: ChecksumType | undefined;
  parts: Record<number, S3Part>;
}

/** What the client claimed about a body; checked once the body has been read in full. */
export interface ExpectedDigests {
  md5?: Buffer | undefined;
  /** The checksum in `checksumAlgorithm` (header or aws-chunked trailer). */
  checksum?: Buffer | undefined;
  /** A hex x-amz-content-sha256 (signed payload). */
  contentSha256?: Buffer | undefined;
  /** x-amz-decoded-content-length of an aws-chunked body. */
  size?: number | undefined;
}

export interface IncomingBody {
  stream: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
  /** The algorithm the client sent a checksum for, if any. */
  checksumAlgorithm?: ChecksumAlgorithm | undefined;
  /** Compute SHA-256 to check a hex x-amz-content-sha256. */
  verifySha256?: boolean;
  /** Called after the body has been read (an aws-chunked trailer is known only then). */
  expected?: () => ExpectedDigests;
}

export interface WriteConditions {
  /** `If-Match`: the current ETag must be this. */
  ifMatch?: string | undefined;
  /** `If-None-Match: *`: the key must not exist. */
  ifNoneMatch?: string | undefined;
}

export interface ListOptions {
  prefix?: string | undefined;
  delimiter?: string | undefined;
  maxKeys: number;
  /** Only keys after this one (StartAfter, Marker, or a continuation token's position). */
  after?: string | undefined;
  /** A common prefix already returned (continuation after a CommonPrefixes entry): skip its keys. */
  afterPrefix?: boolean | undefined;
}

export interface ListResult {
  objects: S3Object[];
  commonPrefixes: string[];
  truncated: boolean;
  /** The last entry returned, where the next page starts. */
  last?: { value: string; isPrefix: boolean } | undefined;
}

export interface CompletedPart {
  partNumber: number;
  etag: string;
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
}

/** S3 limits (https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html). */
export const S3_LIMITS = {
  maxKeyBytes: 1024,
  maxPutSize: 5 * 1024 ** 3,
  minPartSize: 5 * 1024 ** 2,
  maxPartSize: 5 * 1024 ** 3,
  maxPartNumber: 10_000,
  maxCopySize: 5 * 1024 ** 3,
} as const;

/** Objects put without a checksum get CRC64NVME (checking-object-integrity.html, "Full object checksums"). */
const DEFAULT_CHECKSUM: ChecksumAlgorithm = "CRC64NVME";

/**
 * Orders keys as S3 lists them: by UTF-8 bytes, which is Unicode code point order. JavaScript's `<`
 * compares UTF-16 code units, which puts astral characters (surrogates, 0xD800–0xDFFF) before
 * U+E000–U+FFFF; the adjustment moves surrogates above them.
 */
export function compareKeys(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

/** First index whose key is >= `key` (or > `key` when `strict`). */
function searchKeys(keys: readonly string[], key: string, strict: boolean): number {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const order = compareKeys(keys[mid] as string, key);
    if (order < 0 || (strict && order === 0)) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * Bucket naming rules for general purpose buckets
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
 */
export function isValidBucketName(name: string): boolean {
  if (name.length < 3 || name.length > 63) return false;
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) return false;
  if (name.includes("..") || name.includes(".-") || name.includes("-.")) return false;
  if (/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)) return false;
  if (["xn--", "sthree-", "amzn-s3-demo-"].some((prefix) => name.startsWith(prefix))) return false;
  return !["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"].some((suffix) => name.endsWith(suffix));
}

/**
 * Checks a fully read body against what the client claimed, in S3's terms: a wrong declared length
 * is IncompleteBody, a wrong x-amz-content-sha256 XAmzContentSHA256Mismatch, a wrong Content-MD5 or
 * x-amz-checksum-* BadDigest (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html).
 */
export function verifyDigests(
  body: IncomingBody,
  size: number,
  digests: ReadonlyMap<DigestName, Buffer>,
): void {
  const expected = body.expected?.() ?? {};
  if (expected.size !== undefined && expected.size !== size) throw S3Errors.incompleteBody();
  const sha256 = digests.get("SHA256");
  if (expected.contentSha256 && sha256 && !expected.contentSha256.equals(sha256)) {
    throw S3Errors.contentSha256Mismatch(expected.contentSha256.toString("hex"), sha256.toString("hex"));
  }
  const md5 = digests.get("MD5");
  if (expected.md5 && md5 && !expected.md5.equals(md5)) throw S3Errors.badContentMd5();
  const algorithm = body.checksumAlgorithm;
  const computed = algorithm ? digests.get(algorithm) : undefined;
  if (algorithm && expected.checksum && computed && !expected.checksum.equals(computed)) {
    throw S3Errors.badDigest(algorithm);
  }
}

function quoteEtag(md5: Buffer): string {
  return `"${md5.toString("hex")}"`;
}

/** ETags compare without quotes: clients send them either way. */
export function sameEtag(a: string, b: string): boolean {
  const bare = (value: string) =>
    value
      .trim()
      .replace(/^W\//, "")
      .replace(/^"(.*)"$/, "$1");
  return bare(a) === bare(b);
}

interface BucketState {
  info: S3Bucket;
  objects: Map<string, S3Object>;
  /** Keys in S3 listing order. */
  keys: string[];
}

interface Ingested {
  blob: string;
  size: number;
  digests: Map<DigestName, Buffer>;
}

interface CompletedUpload {
  bucket: string;
  key: string;
  etag: string;
  object: S3Object;
}

export class S3Engine implements S3ObjectAccess {
  readonly #store: SandboxStore;
  readonly #clock: Clock;
  readonly #defaultRegion: string;
  readonly #buckets = new Map<string, BucketState>();
  readonly #uploads = new Map<string, MultipartUpload>();
  /** Uploads whose CompleteMultipartUpload is assembling the object (no other change allowed). */
  readonly #completing = new Set<string>();
  /** Recently completed uploads: S3 answers a retried Complete with the same result. */
  readonly #completed = new Map<string, CompletedUpload>();
  /** Open readers per blob; a blob is deleted only when none is left. */
  readonly #readers = new Map<string, number>();
  readonly #doomed = new Set<string>();

  constructor(context: Pick<ServiceContext, "store" | "clock" | "defaultRegion">) {
    this.#store = context.store;
    this.#clock = context.clock;
    this.#defaultRegion = context.defaultRegion;
    this.#load();
  }

  // ---- persistence -------------------------------------------------------------------------

  #load(): void {
    const store = this.#store;
    for (const doc of store.listJson("s3/buckets/")) {
      const info = store.readJson<S3Bucket>(doc);
      if (info) this.#buckets.set(info.name, { info, objects: new Map(), keys: [] });
    }
    for (const doc of store.listJson("s3/objects/")) {
      const object = store.readJson<S3Object>(doc);
      const state = object ? this.#buckets.get(object.bucket) : undefined;
      if (object && state) {
        state.objects.set(object.key, object);
        state.keys.push(object.key);
      }
    }
    for (const state of this.#buckets.values()) state.keys.sort(compareKeys);
    for (const doc of store.listJson("s3/uploads/")) {
      const upload = store.readJson<MultipartUpload>(doc);
      if (upload && this.#buckets.has(upload.bucket)) this.#uploads.set(upload.uploadId, upload);
    }
  }

  static #objectDoc(bucket: string, key: string): string {
    // Keys may hold any character (`..`, `/`, NUL): the document is named by a hash of the key.
    return `s3/objects/${bucket}/${createHash("sha256").update(key).digest("hex")}`;
  }

  #saveObject(object: S3Object): void {
    this.#store.writeJson(S3Engine.#objectDoc(object.bucket, object.key), object);
  }

  #saveUpload(upload: MultipartUpload): void {
    this.#store.writeJson(`s3/uploads/${upload.uploadId}`, upload);
  }

  // ---- blobs -------------------------------------------------------------------------------

  #pin(blob: string): void {
    this.#readers.set(blob, (this.#readers.get(blob) ?? 0) + 1);
  }

  #unpin(blob: string): void {
    const count = (this.#readers.get(blob) ?? 1) - 1;
    if (count > 0) {
      this.#readers.set(blob, count);
      return;
    }
    this.#readers.delete(blob);
    if (this.#doomed.delete(blob)) this.#deleteBlobNow(blob);
  }

  #deleteBlobNow(blob: string): void {
    this.#store.deleteBlob(blob).catch(() => {
      // A blob that cannot be removed only wastes disk; the metadata no longer points at it.
    });
  }

  /** Deletes a blob no object or part uses any more, once the last reader has finished. */
  #discard(blob: string): void {
    if (this.#readers.has(blob)) this.#doomed.add(blob);
    else this.#deleteBlobNow(blob);
  }

  /** Opens a blob for reading; it stays on disk until the stream closes. */
  #open(blob: string, range?: { start: number; end: number }): Readable {
    this.#pin(blob);
    let stream: Readable;
    try {
      stream = this.#store.readBlob(blob, range);
    } catch (error) {
      this.#unpin(blob);
      throw error;
    }
    stream.once("close", () => this.#unpin(blob));
    return stream;
  }

  /** Streams a body to a new blob, computing the named digests on the way. */
  async #ingest(
    stream: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    names: Iterable<DigestName>,
  ): Promise<Ingested> {
    const hashers = [...new Set(names)].map((name) => [name, createHasher(name)] as const);
    async function* hashing(): AsyncGenerator<Uint8Array> {
      for await (const chunk of stream) {
        for (const [, hasher] of hashers) hasher.update(chunk);
        yield chunk;
      }
    }
    const { id, size } = await this.#store.writeBlob(hashing());
    return { blob: id, size, digests: new Map(hashers.map(([name, hasher]) => [name, hasher.digest()])) };
  }

  // ---- buckets -----------------------------------------------------------------------------

  #bucket(name: string): BucketState {
    const state = this.#buckets.get(name);
    if (!state) throw S3Errors.noSuchBucket(name);
    return state;
  }

  bucketExists(bucket: string): boolean {
    return this.#buckets.has(bucket);
  }

  createBucket(name: string, region: string = this.#defaultRegion): S3Bucket {
    if (!isValidBucketName(name)) throw S3Errors.invalidBucketName(name);
    // One account owns everything here, so a second create is always "already owned by you" (409),
    // the answer S3 gives outside us-east-1 (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html).
    if (this.#buckets.has(name)) throw S3Errors.bucketAlreadyOwnedByYou(name);
    const info: S3Bucket = { name, region, created: this.#clock.now() };
    this.#buckets.set(name, { info, objects: new Map(), keys: [] });
    this.#store.writeJson(`s3/buckets/${name}`, info);
    return info;
  }

  headBucket(name: string): S3Bucket {
    return this.#bucket(name).info;
  }

  listBuckets(): S3Bucket[] {
    return [...this.#buckets.values()].map((state) => state.info).sort((a, b) => compareKeys(a.name, b.name));
  }

  deleteBucket(name: string): void {
    const state = this.#bucket(name);
    if (state.objects.size > 0) throw S3Errors.bucketNotEmpty(name);
    // Unfinished multipart uploads do not keep a bucket alive; their parts go with it.
    for (const upload of [...this.#uploads.values()]) {
      if (upload.bucket === name && !this.#completing.has(upload.uploadId)) this.#dropUpload(upload);
    }
    this.#buckets.delete(name);
    this.#store.deleteJson(`s3/buckets/${name}`);
  }

  // ---- objects -----------------------------------------------------------------------------

  static #checkKey(key: string): void {
    if (Buffer.byteLength(key, "utf8") > S3_LIMITS.maxKeyBytes) throw S3Errors.keyTooLong();
  }

  /** The object, or NoSuchBucket / NoSuchKey. */
  getObject(bucket: string, key: string): S3Object {
    const object = this.#bucket(bucket).objects.get(key);
    if (!object) throw S3Errors.noSuchKey(key);
    return object;
  }

  /** The object or undefined (NoSuchBucket still throws). */
  findObject(bucket: string, key: string): S3Object | undefined {
    return this.#bucket(bucket).objects.get(key);
  }

  /**
   * A stream of an object's body (or an inclusive byte range of it). Call in the same synchronous
   * step as `getObject`: the blob is pinned at once, so a concurrent overwrite cannot delete it.
   */
  openObject(object: S3Object, range?: { start: number; end: number }): Readable {
    return this.#open(object.blob, range);
  }

  objectFile(bucket: string, key: string): { path: string; size: number; etag: string } | undefined {
    const object = this.#buckets.get(bucket)?.objects.get(key);
    return object
      ? { path: this.#store.blobFile(object.blob), size: object.size, etag: object.etag }
      : undefined;
  }

  async putObject(bucket: string, key: string, body: Uint8Array, contentType?: string): Promise<void> {
    await this.writeObject({
      bucket,
      key,
      body: { stream: [body] },
      attributes: { contentType: contentType ?? "binary/octet-stream", metadata: {} },
    });
  }

  #digestNames(body: IncomingBody, algorithm: ChecksumAlgorithm): DigestName[] {
    return ["MD5", algorithm, ...(body.verifySha256 ? (["SHA256"] as const) : [])];
  }

  /** Checks conditional-write headers against the current object (S3 conditional writes). */
  static #checkWrite(
    previous: S3Object | undefined,
    key: string,
    conditions: WriteConditions | undefined,
  ): void {
    if (!conditions) return;
    if (conditions.ifNoneMatch !== undefined && previous) throw S3Errors.preconditionFailed("If-None-Match");
    if (conditions.ifMatch !== undefined) {
      if (!previous) throw S3Errors.noSuchKey(key);
      if (conditions.ifMatch.trim() !== "*" && !sameEtag(conditions.ifMatch, previous.etag)) {
        throw S3Errors.preconditionFailed("If-Match");
      }
    }
  }

  /** Makes a fully written blob the object's body, in one synchronous step. */
  #commit(object: S3Object, conditions?: WriteConditions): S3Object {
    const state = this.#bucket(object.bucket);
    const previous = state.objects.get(object.key);
    S3Engine.#checkWrite(previous, object.key, conditions);
    state.objects.set(object.key, object);
    if (!previous) state.keys.splice(searchKeys(state.keys, object.key, false), 0, object.key);
    this.#saveObject(object);
    if (previous && previous.blob !== object.blob) this.#discard(previous.blob);
    return object;
  }

  /** PutObject: streams the body to disk, verifies what the client claimed, then switches the key over. */
  async writeObject(input: {
    bucket: string;
    key: string;
    body: IncomingBody;
    attributes: ObjectAttributes;
    conditions?: WriteConditions | undefined;
  }): Promise<S3Object> {
    this.#bucket(input.bucket);
    S3Engine.#checkKey(input.key);
    const algorithm = input.body.checksumAlgorithm ?? DEFAULT_CHECKSUM;
    const { blob, size, digests } = await this.#ingest(
      input.body.stream,
      this.#digestNames(input.body, algorithm),
    );
    try {
      if (size > S3_LIMITS.maxPutSize) throw S3Errors.entityTooLarge(size, S3_LIMITS.maxPutSize);
      verifyDigests(input.body, size, digests);
      return this.#commit(
        {
          bucket: input.bucket,
          key: input.key,
          blob,
          size,
          etag: quoteEtag(digests.get("MD5") as Buffer),
          lastModified: this.#clock.now(),
          attributes: input.attributes,
          checksum: {
            algorithm,
            value: (digests.get(algorithm) as Buffer).toString("base64"),
            type: "FULL_OBJECT",
          },
        },
        input.conditions,
      );
    } catch (error) {
      this.#discard(blob);
      throw error;
    }
  }

  /** DeleteObject: deleting a missing key succeeds, as in S3 (NoSuchBucket still applies). */
  deleteObject(bucket: string, key: string): boolean {
    const state = this.#bucket(bucket);
    const object = state.objects.get(key);
    if (!object) return false;
    state.objects.delete(key);
    const index = searchKeys(state.keys, key, false);
    if (state.keys[index] === key) state.keys.splice(index, 1);
    this.#store.deleteJson(S3Engine.#objectDoc(bucket, key));
    this.#discard(object.blob);
    return true;
  }

  /**
   * CopyObject: copies the body to a new blob (an object owns its blob), re-hashing on the way:
   * the copy is a single-part object with a full-object checksum
   * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html).
   */
  async copyObject(input: {
    source: S3Object;
    bucket: string;
    key: string;
    /** New attributes (MetadataDirective REPLACE); undefined copies the source's. */
    attributes?: ObjectAttributes | undefined;
    checksumAlgorithm?: ChecksumAlgorithm | undefined;
  }): Promise<S3Object> {
    const { source } = input;
    this.#bucket(input.bucket);
    S3Engine.#checkKey(input.key);
    if (source.size > S3_LIMITS.maxCopySize) {
      throw S3Errors.invalidRequest(
        `The specified copy source is larger than the maximum allowable size for a copy source: ${S3_LIMITS.maxCopySize}`,
      );
    }
    const algorithm = input.checksumAlgorithm ?? source.checksum?.algorithm ?? DEFAULT_CHECKSUM;
    const { blob, size, digests } = await this.#ingest(this.#open(source.blob), ["MD5", algorithm]);
    try {
      return this.#commit({
        bucket: input.bucket,
        key: input.key,
        blob,
        size,
        etag: quoteEtag(digests.get("MD5") as Buffer),
        lastModified: this.#clock.now(),
        attributes: input.attributes ?? source.attributes,
        checksum: {
          algorithm,
          value: (digests.get(algorithm) as Buffer).toString("base64"),
          type: "FULL_OBJECT",
        },
      });
    } catch (error) {
      this.#discard(blob);
      throw error;
    }
  }

  /**
   * ListObjects(V2): keys in UTF-8 order under `prefix`, keys containing `delimiter` after the
   * prefix rolled up into CommonPrefixes; `maxKeys` counts both
   * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html).
   */
  listObjects(bucket: string, options: ListOptions): ListResult {
    const state = this.#bucket(bucket);
    const result: ListResult = { objects: [], commonPrefixes: [], truncated: false };
    if (options.maxKeys <= 0) return result;
    const prefix = options.prefix ?? "";
    const delimiter = options.delimiter || undefined;
    const after = options.after;
    const keys = state.keys;
    let start = searchKeys(keys, prefix, false);
    if (after !== undefined) start = Math.max(start, searchKeys(keys, after, true));
    let count = 0;
    let lastPrefix: string | undefined;
    for (let i = start; i < keys.length; i++) {
      const key = keys[i] as string;
      // Keys sharing a prefix are contiguous in sorted order: the first one without it ends the scan.
      if (!key.startsWith(prefix)) break;
      if (options.afterPrefix && after !== undefined && key.startsWith(after)) continue;
      if (delimiter !== undefined) {
        const at = key.indexOf(delimiter, prefix.length);
        if (at >= 0) {
          const common = key.slice(0, at + delimiter.length);
          if (common === lastPrefix || common === after) continue;
          if (count === options.maxKeys) {
            result.truncated = true;
            break;
          }
          result.commonPrefixes.push(common);
          result.last = { value: common, isPrefix: true };
          lastPrefix = common;
          count++;
          continue;
        }
      }
      if (count === options.maxKeys) {
        result.truncated = true;
        break;
      }
      result.objects.push(state.objects.get(key) as S3Object);
      result.last = { value: key, isPrefix: false };
      count++;
    }
    return result;
  }

  // ---- multipart uploads -------------------------------------------------------------------

  createMultipartUpload(input: {
    bucket: string;
    key: string;
    attributes: ObjectAttributes;
    checksumAlgorithm?: ChecksumAlgorithm | undefined;
    checksumType?: ChecksumType | undefined;
  }): MultipartUpload {
    this.#bucket(input.bucket);
    S3Engine.#checkKey(input.key);
    let checksumType = input.checksumType;
    if (input.checksumAlgorithm) {
      // CRC64NVME only exists as a full-object checksum; the others default to composite
      // (checking-object-integrity.html, "Using part-level checksums for multipart uploads").
      checksumType ??= input.checksumAlgorithm === "CRC64NVME" ? "FULL_OBJECT" : "COMPOSITE";
      if (
        checksumType === "FULL_OBJECT" &&
        (input.checksumAlgorithm === "SHA1" || input.checksumAlgorithm === "SHA256")
      ) {
        throw S3Errors.invalidRequest(
          `The ${input.checksumAlgorithm} checksum algorithm is not supported with the FULL_OBJECT checksum type.`,
        );
      }
      if (checksumType === "COMPOSITE" && input.checksumAlgorithm === "CRC64NVME") {
        throw S3Errors.invalidRequest(
          "The CRC64NVME checksum algorithm is not supported with the COMPOSITE checksum type.",
        );
      }
    } else if (checksumType) {
      throw S3Errors.invalidRequest(
        "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.",
      );
    }
    const upload: MultipartUpload = {
      uploadId: randomBytes(48).toString("base64url"),
      bucket: input.bucket,
      key: input.key,
      initiated: this.#clock.now(),
      attributes: input.attributes,
      checksumAlgorithm: input.checksumAlgorithm,
      checksumType,
      parts: {},
    };
    this.#uploads.set(upload.uploadId, upload);
    this.#saveUpload(upload);
    return upload;
  }

  /** The upload, or NoSuchUpload (also for another key's upload id, or one being completed). */
  getUpload(bucket: string, key: string, uploadId: string): MultipartUpload {
    this.#bucket(bucket);
    const upload = this.#uploads.get(uploadId);
    if (!upload || upload.bucket !== bucket || upload.key !== key || this.#completing.has(uploadId)) {
      throw S3Errors.noSuchUpload(uploadId);
    }
    return upload;
  }

  /** In-progress uploads of a bucket (for inspection; ListMultipartUploads is not served). */
  listUploads(bucket: string): MultipartUpload[] {
    return [...this.#uploads.values()].filter((upload) => upload.bucket === bucket);
  }

  async uploadPart(input: {
    bucket: string;
    key: string;
    uploadId: string;
    partNumber: number;
    body: IncomingBody;
  }): Promise<{ part: S3Part; checksumAlgorithm: ChecksumAlgorithm | undefined }> {
    const upload = this.getUpload(input.bucket, input.key, input.uploadId);
    const sent = input.body.checksumAlgorithm;
    const expectedAlgorithm = upload.checksumAlgorithm;
    // A part's checksum must be in the upload's algorithm; a composite upload needs one per part
    // (the wording is S3's, seen in aws/aws-sdk-java#3173 and versity/versitygw#1342).
    if (sent !== expectedAlgorithm && (sent !== undefined || upload.checksumType === "COMPOSITE")) {
      throw S3Errors.invalidRequest(
        `Checksum Type mismatch occurred, expected checksum Type: ${expectedAlgorithm?.toLowerCase() ?? "null"}, actual checksum Type: ${sent?.toLowerCase() ?? "null"}`,
      );
    }
    const names: DigestName[] = ["MD5", ...(expectedAlgorithm ? [expectedAlgorithm] : [])];
    if (input.body.verifySha256) names.push("SHA256");
    const { blob, size, digests } = await this.#ingest(input.body.stream, names);
    try {
      if (size > S3_LIMITS.maxPartSize) throw S3Errors.entityTooLarge(size, S3_LIMITS.maxPartSize);
      verifyDigests(input.body, size, digests);
      // The upload may have been aborted or completed while the part streamed in.
      const current = this.getUpload(input.bucket, input.key, input.uploadId);
      const part: S3Part = {
        partNumber: input.partNumber,
        blob,
        size,
        etag: quoteEtag(digests.get("MD5") as Buffer),
        lastModified: this.#clock.now(),
        checksum: expectedAlgorithm ? digests.get(expectedAlgorithm)?.toString("base64") : undefined,
      };
      const previous = current.parts[input.partNumber];
      current.parts[input.partNumber] = part;
      this.#saveUpload(current);
      if (previous) this.#discard(previous.blob);
      return { part, checksumAlgorithm: expectedAlgorithm };
    } catch (error) {
      this.#discard(blob);
      throw error;
    }
  }

  /** Parts in part-number order. */
  listParts(bucket: string, key: string, uploadId: string): { upload: MultipartUpload; parts: S3Part[] } {
    const upload = this.getUpload(bucket, key, uploadId);
    const parts = Object.values(upload.parts).sort((a, b) => a.partNumber - b.partNumber);
    return { upload, parts };
  }

  #dropUpload(upload: MultipartUpload): void {
    this.#uploads.delete(upload.uploadId);
    this.#store.deleteJson(`s3/uploads/${upload.uploadId}`);
    for (const part of Object.values(upload.parts)) this.#discard(part.blob);
  }

  abortMultipartUpload(bucket: string, key: string, uploadId: string): void {
    this.#dropUpload(this.getUpload(bucket, key, uploadId));
  }

  /**
   * CompleteMultipartUpload (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html):
   * the listed parts, ascending, each with its ETag (and checksum for a composite upload), every
   * part but the last at least 5 MiB. The result's ETag is the MD5 of the parts' binary MD5s with
   * `-N`; a composite checksum likewise hashes the parts' checksums.
   */
  async completeMultipartUpload(input: {
    bucket: string;
    key: string;
    uploadId: string;
    parts: CompletedPart[];
    /** A full-object checksum the client sent with the request (x-amz-checksum-<algorithm>). */
    fullObjectChecksum?: { algorithm: ChecksumAlgorithm; value: Buffer } | undefined;
    conditions?: WriteConditions | undefined;
  }): Promise<S3Object> {
    const done = this.#completed.get(input.uploadId);
    if (
      done &&
      done.bucket === input.bucket &&
      done.key === input.key &&
      !this.#uploads.has(input.uploadId)
    ) {
      return done.object;
    }
    const upload = this.getUpload(input.bucket, input.key, input.uploadId);
    if (input.parts.length === 0) throw S3Errors.malformedXml();
    const algorithm = upload.checksumAlgorithm;
    // Checked in S3's order: the list's order first, then each part, then the part sizes.
    for (let i = 1; i < input.parts.length; i++) {
      if ((input.parts[i] as CompletedPart).partNumber <= (input.parts[i - 1] as CompletedPart).partNumber) {
        throw S3Errors.invalidPartOrder();
      }
    }
    const chosen: S3Part[] = [];
    for (const listed of input.parts) {
      const part = upload.parts[listed.partNumber];
      if (!part || !sameEtag(listed.etag, part.etag))
        throw S3Errors.invalidPart(listed.partNumber, listed.etag);
      const claimed = algorithm ? listed.checksums[algorithm] : undefined;
      if (algorithm && upload.checksumType === "COMPOSITE" && claimed === undefined) {
        throw S3Errors.invalidRequest(
          `The upload was created using a ${algorithm.toLowerCase()} checksum. The complete request must include the checksum for each part. It was missing for part ${listed.partNumber} in the request.`,
        );
      }
      if (claimed !== undefined && claimed !== part.checksum)
        throw S3Errors.invalidPart(listed.partNumber, listed.etag);
      chosen.push(part);
    }
    for (const part of chosen.slice(0, -1)) {
      if (part.size < S3_LIMITS.minPartSize)
        throw S3Errors.entityTooSmall(part.size, part.partNumber, part.etag);
    }
    const sent = input.fullObjectChecksum;
    if (sent && sent.algorithm !== algorithm) {
      throw S3Errors.invalidRequest(
        `Checksum Type mismatch occurred, expected checksum Type: ${algorithm?.toLowerCase() ?? "null"}, actual checksum Type: ${sent.algorithm.toLowerCase()}`,
      );
    }
    const md5s = Buffer.concat(
      chosen.map((part) => Buffer.from(part.etag.replaceAll('"', "").split("-")[0] ?? "", "hex")),
    );
    const etag = `"${digestOf("MD5", md5s).toString("hex")}-${chosen.length}"`;
    const fullAlgorithm = upload.checksumType === "COMPOSITE" ? undefined : (algorithm ?? DEFAULT_CHECKSUM);

    // Nothing else may touch the upload while its parts are assembled into the object.
    this.#completing.add(upload.uploadId);
    for (const part of chosen) this.#pin(part.blob);
    const open = (blob: string) => this.#open(blob);
    async function* concatenated(): AsyncGenerator<Uint8Array> {
      for (const part of chosen) yield* open(part.blob);
    }
    let ingested: Ingested | undefined;
    try {
      ingested = await this.#ingest(concatenated(), fullAlgorithm ? [fullAlgorithm] : []);
      const computed = fullAlgorithm ? ingested.digests.get(fullAlgorithm) : undefined;
      if (sent && computed && !sent.value.equals(computed)) throw S3Errors.badDigest(sent.algorithm);
      let checksum: StoredChecksum | undefined;
      if (fullAlgorithm && computed) {
        checksum = { algorithm: fullAlgorithm, value: computed.toString("base64"), type: "FULL_OBJECT" };
      } else if (algorithm) {
        const joined = Buffer.concat(chosen.map((part) => Buffer.from(part.checksum ?? "", "base64")));
        checksum = {
          algorithm,
          value: `${digestOf(algorithm, joined).toString("base64")}-${chosen.length}`,
          type: "COMPOSITE",
        };
      }
      const object = this.#commit(
        {
          bucket: upload.bucket,
          key: upload.key,
          blob: ingested.blob,
          size: ingested.size,
          etag,
          lastModified: this.#clock.now(),
          attributes: upload.attributes,
          checksum,
          partSizes: chosen.map((part) => part.size),
        },
        input.conditions,
      );
      this.#completing.delete(upload.uploadId);
      this.#dropUpload(upload);
      this.#completed.set(upload.uploadId, { bucket: upload.bucket, key: upload.key, etag, object });
      if (this.#completed.size > 1000) this.#completed.delete(this.#completed.keys().next().value as string);
      return object;
    } catch (error) {
      this.#completing.delete(upload.uploadId);
      if (ingested) this.#discard(ingested.blob);
      // The bucket was deleted meanwhile: the upload cannot be completed any more.
      if (!this.#buckets.has(upload.bucket)) this.#dropUpload(upload);
      throw error;
    } finally {
      for (const part of chosen) this.#unpin(part.blob);
    }
  }
}
