import { createHash, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  paginateListObjectsV2,
  S3Client,
  type S3ServiceException,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StartedSandbox, startSandbox, TRANSPORTS } from "../test-support.ts";
import { type ChecksumAlgorithm, digestOf } from "./checksums.ts";

const MiB = 1024 * 1024;

/** The error a promise rejects with (fails the test when it resolves). */
async function failure(promise: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await promise;
  } catch (error) {
    return error as S3ServiceException;
  }
  throw new Error("expected the request to fail");
}

async function bodyOf(output: {
  Body?: { transformToByteArray(): Promise<Uint8Array> } | undefined;
}): Promise<Buffer> {
  expect(output.Body).toBeDefined();
  return Buffer.from((await output.Body?.transformToByteArray()) ?? []);
}

function md5Etag(data: Uint8Array): string {
  return `"${createHash("md5").update(data).digest("hex")}"`;
}

/** Records the headers of every request the client sends (after checksums and signing are added). */
function captureRequests(client: S3Client): {
  requests: { hostname: string; headers: Record<string, string> }[];
  stop(): void;
} {
  const requests: { hostname: string; headers: Record<string, string> }[] = [];
  const name = `capture-${randomBytes(4).toString("hex")}`;
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { hostname: string; headers: Record<string, string> };
      requests.push({ hostname: request.hostname, headers: { ...request.headers } });
      return next(args);
    },
    { step: "finalizeRequest", priority: "low", name },
  );
  return { requests, stop: () => client.middlewareStack.remove(name) };
}

for (const transport of TRANSPORTS) {
  describe(`S3 (${transport})`, () => {
    let started: StartedSandbox;
    let s3: S3Client;
    let counter = 0;

    beforeAll(async () => {
      started = await startSandbox(transport);
      s3 = started.clients.s3;
    });

    afterAll(async () => {
      await started.stop();
    });

    async function newBucket(): Promise<string> {
      const name = `bucket-${transport}-${++counter}`;
      await s3.send(new CreateBucketCommand({ Bucket: name }));
      return name;
    }

    /** A request sent without the SDK (fetch works in-process too: msw intercepts it). */
    function rawPut(
      bucket: string,
      key: string,
      body: Buffer,
      headers: Record<string, string>,
    ): Promise<Response> {
      return fetch(`${started.endpoint}/${bucket}/${encodeURIComponent(key)}`, {
        method: "PUT",
        body,
        headers,
      });
    }

    describe("buckets", () => {
      it("creates, heads, lists and deletes buckets", async () => {
        const bucket = await newBucket();
        const head = await s3.send(new HeadBucketCommand({ Bucket: bucket }));
        expect(head.BucketRegion).toBe("us-west-2");
        const list = await s3.send(new ListBucketsCommand({}));
        expect(list.Buckets?.map((b) => b.Name)).toContain(bucket);
        expect(list.Buckets?.find((b) => b.Name === bucket)?.CreationDate).toBeInstanceOf(Date);
        await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
        const missing = await failure(s3.send(new HeadBucketCommand({ Bucket: bucket })));
        expect(missing.name).toBe("NotFound");
        expect(missing.$metadata.httpStatusCode).toBe(404);
      });

      it("answers a second create with BucketAlreadyOwnedByYou (409)", async () => {
        const bucket = await newBucket();
        const error = await failure(s3.send(new CreateBucketCommand({ Bucket: bucket })));
        expect(error.name).toBe("BucketAlreadyOwnedByYou");
        expect(error.$metadata.httpStatusCode).toBe(409);
      });

      it.each([
        "ab",
        "Upper-Case",
        "under_score",
        "-leading",
        "trailing-",
        "two..dots",
        "192.168.1.1",
        "xn--punycode",
        "x".repeat(64),
      ])("rejects the bucket name %j with InvalidBucketName", async (name) => {
        const error = await failure(s3.send(new CreateBucketCommand({ Bucket: name })));
        expect(error.name).toBe("InvalidBucketName");
        expect(error.$metadata.httpStatusCode).toBe(400);
      });

      it("refuses to delete a bucket that holds objects (BucketNotEmpty)", async () => {
        const bucket = await newBucket();
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "x" }));
        const error = await failure(s3.send(new DeleteBucketCommand({ Bucket: bucket })));
        expect(error.name).toBe("BucketNotEmpty");
        expect(error.$metadata.httpStatusCode).toBe(409);
        await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k" }));
        await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
      });

      it("answers operations on a missing bucket with NoSuchBucket", async () => {
        for (const command of [
          new GetObjectCommand({ Bucket: "no-such-bucket", Key: "k" }),
          new PutObjectCommand({ Bucket: "no-such-bucket", Key: "k", Body: "x" }),
          new ListObjectsV2Command({ Bucket: "no-such-bucket" }),
          new DeleteBucketCommand({ Bucket: "no-such-bucket" }),
        ]) {
          // biome-ignore lint/suspicious/noExplicitAny: commands of different shapes.
          const error = await failure(s3.send(command as any));
          expect(error.name).toBe("NoSuchBucket");
          expect(error.$metadata.httpStatusCode).toBe(404);
        }
      });
    });

    describe("objects", () => {
      it("round-trips a string body with its ETag, type and metadata", async () => {
        const bucket = await newBucket();
        const put = await s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: "hello.txt",
            Body: "Hello, S3!",
            ContentType: "text/plain",
            Metadata: { speaker: "alice" },
          }),
        );
        expect(put.ETag).toBe(md5Etag(Buffer.from("Hello, S3!")));
        const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "hello.txt" }));
        expect((await bodyOf(got)).toString()).toBe("Hello, S3!");
        expect(got.ContentType).toBe("text/plain");
        expect(got.ContentLength).toBe(10);
        expect(got.ETag).toBe(put.ETag);
        expect(got.Metadata).toEqual({ speaker: "alice" });
        expect(got.LastModified).toBeInstanceOf(Date);
      });

      it("round-trips a Buffer body byte for byte", async () => {
        const bucket = await newBucket();
        const data = randomBytes(300_000);
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "audio/a.wav", Body: data }));
        const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "audio/a.wav" }));
        expect((await bodyOf(got)).equals(data)).toBe(true);
        expect(got.ETag).toBe(md5Etag(data));
      });

      it("decodes a stream body, sent aws-chunked with a CRC32 trailer", async () => {
        const bucket = await newBucket();
        const data = randomBytes(200_000);
        const capture = captureRequests(s3);
        try {
          await s3.send(
            new PutObjectCommand({
              Bucket: bucket,
              Key: "stream.bin",
              Body: Readable.from([
                data.subarray(0, 70_000),
                data.subarray(70_000, 150_000),
                data.subarray(150_000),
              ]),
              ContentLength: data.length,
            }),
          );
        } finally {
          capture.stop();
        }
        const sent = capture.requests.at(-1)?.headers ?? {};
        expect(sent["content-encoding"]).toContain("aws-chunked");
        expect(sent["x-amz-trailer"]).toBe("x-amz-checksum-crc32");
        const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "stream.bin" }));
        expect((await bodyOf(got)).equals(data)).toBe(true);
        // The trailer was read and checked: the stored checksum is the body's CRC32.
        expect(started.sandbox.engine.s3.getObject(bucket, "stream.bin").checksum).toEqual({
          algorithm: "CRC32",
          value: digestOf("CRC32", data).toString("base64"),
          type: "FULL_OBJECT",
        });
        // aws-chunked framed the request; it is not how the object is encoded.
        expect(got.ContentEncoding).toBeUndefined();
      });

      it.each(["CRC32", "CRC32C", "SHA1", "SHA256"] as const)(
        "round-trips a %s checksum, which the SDK validates on GetObject",
        async (algorithm: ChecksumAlgorithm) => {
          const bucket = await newBucket();
          const data = randomBytes(50_000);
          const expected = digestOf(algorithm, data).toString("base64");
          const member = `Checksum${algorithm}` as const;
          const put = await s3.send(
            new PutObjectCommand({ Bucket: bucket, Key: "k", Body: data, ChecksumAlgorithm: algorithm }),
          );
          expect(put[member]).toBe(expected);
          const got = await s3.send(
            new GetObjectCommand({ Bucket: bucket, Key: "k", ChecksumMode: "ENABLED" }),
          );
          expect(got[member]).toBe(expected);
          expect(got.ChecksumType).toBe("FULL_OBJECT");
          expect((await bodyOf(got)).equals(data)).toBe(true);

          // Corrupt the stored body (same length): the SDK's validation of the returned checksum fails.
          const file = started.sandbox.engine.s3.objectFile(bucket, "k");
          expect(file?.size).toBe(data.length);
          writeFileSync(file?.path ?? "", Buffer.alloc(data.length, 7));
          const corrupt = await s3.send(
            new GetObjectCommand({ Bucket: bucket, Key: "k", ChecksumMode: "ENABLED" }),
          );
          await expect(corrupt.Body?.transformToByteArray()).rejects.toThrow(/checksum/i);
        },
      );

      it("returns the checksum only when asked (x-amz-checksum-mode: ENABLED)", async () => {
        const bucket = await newBucket();
        await s3.send(
          new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "data", ChecksumAlgorithm: "CRC32C" }),
        );
        const withMode = await s3.send(
          new HeadObjectCommand({ Bucket: bucket, Key: "k", ChecksumMode: "ENABLED" }),
        );
        expect(withMode.ChecksumCRC32C).toBe(digestOf("CRC32C", Buffer.from("data")).toString("base64"));
        const without = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "k" }));
        expect(without.ChecksumCRC32C).toBeUndefined();
      });

      it("gives objects put without a checksum S3's default CRC64NVME", async () => {
        const bucket = await newBucket();
        await started.sandbox.engine.s3.putObject(bucket, "plain", Buffer.from("no checksum sent"));
        const head = await s3.send(
          new HeadObjectCommand({ Bucket: bucket, Key: "plain", ChecksumMode: "ENABLED" }),
        );
        expect(head.ChecksumCRC64NVME).toBe(
          digestOf("CRC64NVME", Buffer.from("no checksum sent")).toString("base64"),
        );
        const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "plain" }));
        expect((await bodyOf(got)).toString()).toBe("no checksum sent");
      });

      it("rejects a wrong checksum header from the SDK with BadDigest and stores nothing", async () => {
        const bucket = await newBucket();
        const error = await failure(
          s3.send(
            new PutObjectCommand({
              Bucket: bucket,
              Key: "k",
              Body: "payload",
              ChecksumCRC32: digestOf("CRC32", Buffer.from("other")).toString("base64"),
            }),
          ),
        );
        expect(error.name).toBe("BadDigest");
        expect(error.$metadata.httpStatusCode).toBe(400);
        expect((await failure(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "k" })))).name).toBe(
          "NotFound",
        );
      });

      it("rejects a wrong Content-MD5 with BadDigest", async () => {
        const bucket = await newBucket();
        const error = await failure(
          s3.send(
            new PutObjectCommand({
              Bucket: bucket,
              Key: "k",
              Body: "payload",
              ContentMD5: createHash("md5").update("x").digest("base64"),
            }),
          ),
        );
        expect(error.name).toBe("BadDigest");
      });

      it("rejects a raw aws-chunked upload whose CRC32 trailer is wrong", async () => {
        const bucket = await newBucket();
        const data = Buffer.from("chunked payload");
        const wrong = digestOf("CRC32", Buffer.from("something else")).toString("base64");
        const encoded = Buffer.from(
          `${data.length.toString(16)}\r\n${data}\r\n0\r\nx-amz-checksum-crc32:${wrong}\r\n\r\n`,
        );
        const headers = {
          "content-encoding": "aws-chunked",
          "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
          "x-amz-trailer": "x-amz-checksum-crc32",
          "x-amz-decoded-content-length": String(data.length),
        };
        const response = await rawPut(bucket, "k", encoded, headers);
        expect(response.status).toBe(400);
        expect(await response.text()).toContain("<Code>BadDigest</Code>");
        expect(response.headers.get("x-amz-error-code")).toBe("BadDigest");

        // The same body with the right trailer is accepted and decoded.
        const right = digestOf("CRC32", data).toString("base64");
        const ok = await rawPut(bucket, "k", Buffer.from(encoded.toString().replace(wrong, right)), headers);
        expect(ok.status).toBe(200);
        expect(ok.headers.get("x-amz-checksum-crc32")).toBe(right);
        const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "k" }));
        expect((await bodyOf(got)).toString()).toBe("chunked payload");
      });

      it("rejects a raw upload whose x-amz-content-sha256 does not match (XAmzContentSHA256Mismatch)", async () => {
        const bucket = await newBucket();
        const response = await rawPut(bucket, "k", Buffer.from("body"), {
          "x-amz-content-sha256": createHash("sha256").update("another body").digest("hex"),
        });
        expect(response.status).toBe(400);
        expect(await response.text()).toContain("<Code>XAmzContentSHA256Mismatch</Code>");
      });

      it("rejects a truncated aws-chunked body with IncompleteBody", async () => {
        const bucket = await newBucket();
        const response = await rawPut(bucket, "k", Buffer.from("10\r\nonly a few"), {
          "content-encoding": "aws-chunked",
          "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        });
        expect(response.status).toBe(400);
        expect(await response.text()).toContain("<Code>IncompleteBody</Code>");
      });

      it("serves byte ranges with 206 and Content-Range", async () => {
        const bucket = await newBucket();
        const data = Buffer.from("0123456789abcdefghij");
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "r", Body: data }));
        const cases: [string, string, string][] = [
          ["bytes=0-4", "01234", "bytes 0-4/20"],
          ["bytes=15-", "fghij", "bytes 15-19/20"],
          ["bytes=-3", "hij", "bytes 17-19/20"],
          ["bytes=18-100", "ij", "bytes 18-19/20"],
          ["bytes=-50", data.toString(), "bytes 0-19/20"],
        ];
        for (const [range, body, contentRange] of cases) {
          const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "r", Range: range }));
          expect(got.$metadata.httpStatusCode, range).toBe(206);
          expect(got.ContentRange, range).toBe(contentRange);
          expect(got.ContentLength, range).toBe(body.length);
          expect((await bodyOf(got)).toString(), range).toBe(body);
        }
        const invalid = await failure(
          s3.send(new GetObjectCommand({ Bucket: bucket, Key: "r", Range: "bytes=20-" })),
        );
        expect(invalid.name).toBe("InvalidRange");
        expect(invalid.$metadata.httpStatusCode).toBe(416);
        // A range S3 cannot parse is ignored: the whole object, 200.
        const whole = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "r", Range: "bytes=5-2" }));
        expect(whole.$metadata.httpStatusCode).toBe(200);
        expect((await bodyOf(whole)).equals(data)).toBe(true);
      });

      it("names a missing object NotFound on HEAD and NoSuchKey on GET", async () => {
        const bucket = await newBucket();
        const head = await failure(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "missing" })));
        expect(head.name).toBe("NotFound");
        expect(head.$metadata.httpStatusCode).toBe(404);
        const get = await failure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "missing" })));
        expect(get.name).toBe("NoSuchKey");
        expect(get.$metadata.httpStatusCode).toBe(404);
        // The bodiless HEAD answer still names the error for the sandbox's request log.
        expect(started.sandbox.log.entries({ operation: "HeadObject" }).at(-1)?.error).toBe("NoSuchKey");
      });

      it("answers conditional reads with 304 and 412", async () => {
        const bucket = await newBucket();
        const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "c", Body: "conditional" }));
        const notModified = await failure(
          s3.send(new GetObjectCommand({ Bucket: bucket, Key: "c", IfNoneMatch: put.ETag })),
        );
        expect(notModified.$metadata.httpStatusCode).toBe(304);
        const failed = await failure(
          s3.send(new GetObjectCommand({ Bucket: bucket, Key: "c", IfMatch: '"0000"' })),
        );
        expect(failed.name).toBe("PreconditionFailed");
        expect(failed.$metadata.httpStatusCode).toBe(412);
        const ok = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "c", IfMatch: put.ETag }));
        expect((await bodyOf(ok)).toString()).toBe("conditional");
      });

      it("keeps keys with spaces, plus signs, unicode and URL syntax intact", async () => {
        const bucket = await newBucket();
        const keys = [
          "with space.txt",
          "a+b=c&d.txt",
          "ünï/cødé 🎧.wav",
          "q?x=1#frag",
          "percent%20literal",
          "dir//double",
          "/leading",
        ];
        for (const key of keys) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
        for (const key of keys) {
          const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
          expect((await bodyOf(got)).toString()).toBe(key);
        }
        const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
        const utf8Order = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
        expect(listed.Contents?.map((object) => object.Key)).toEqual(utf8Order);
      });

      it("overwrites an object and deletes it (deleting a missing key succeeds)", async () => {
        const bucket = await newBucket();
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "first" }));
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "k", Body: "second" }));
        expect(
          (await bodyOf(await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "k" })))).toString(),
        ).toBe("second");
        const deleted = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k" }));
        expect(deleted.$metadata.httpStatusCode).toBe(204);
        expect((await failure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: "k" })))).name).toBe(
          "NoSuchKey",
        );
        await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k" }));
      });

      it("keeps one consistent object when puts to the same new key race", async () => {
        const bucket = await newBucket();
        const bodies = Array.from({ length: 12 }, (_, i) => randomBytes(20_000 + i * 1000));
        await Promise.all(
          bodies.map((Body) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: "raced", Body }))),
        );
        const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
        expect(listed.Contents?.map((object) => object.Key)).toEqual(["raced"]);
        const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "raced" }));
        const body = await bodyOf(got);
        expect(bodies.some((candidate) => candidate.equals(body))).toBe(true);
        expect(got.ETag).toBe(md5Etag(body));
        expect(listed.Contents?.[0]?.Size).toBe(body.length);
      });

      it("copies objects, URL-encoded source keys included, keeping or replacing metadata", async () => {
        const bucket = await newBucket();
        const target = await newBucket();
        const source = "src dir/ünï+code.txt";
        await s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: source,
            Body: "copy me",
            ContentType: "text/plain",
            Metadata: { a: "1" },
          }),
        );
        const copySource = `${bucket}/${source.split("/").map(encodeURIComponent).join("/")}`;
        const copied = await s3.send(
          new CopyObjectCommand({ Bucket: target, Key: "copy.txt", CopySource: copySource }),
        );
        expect(copied.CopyObjectResult?.ETag).toBe(md5Etag(Buffer.from("copy me")));
        const got = await s3.send(new GetObjectCommand({ Bucket: target, Key: "copy.txt" }));
        expect((await bodyOf(got)).toString()).toBe("copy me");
        expect(got.Metadata).toEqual({ a: "1" });
        expect(got.ContentType).toBe("text/plain");

        await s3.send(
          new CopyObjectCommand({
            Bucket: target,
            Key: "replaced.txt",
            CopySource: copySource,
            MetadataDirective: "REPLACE",
            Metadata: { b: "2" },
          }),
        );
        const replaced = await s3.send(new HeadObjectCommand({ Bucket: target, Key: "replaced.txt" }));
        expect(replaced.Metadata).toEqual({ b: "2" });

        const self = await failure(
          s3.send(
            new CopyObjectCommand({ Bucket: target, Key: "copy.txt", CopySource: `${target}/copy.txt` }),
          ),
        );
        expect(self.name).toBe("InvalidRequest");
        const missing = await failure(
          s3.send(new CopyObjectCommand({ Bucket: target, Key: "x", CopySource: `${bucket}/nothing` })),
        );
        expect(missing.name).toBe("NoSuchKey");
      });

      it("deletes several objects at once, verbose and quiet", async () => {
        const bucket = await newBucket();
        for (const key of ["a", "b", "c", "d"])
          await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
        const verbose = await s3.send(
          new DeleteObjectsCommand({
            Bucket: bucket,
            Delete: { Objects: [{ Key: "a" }, { Key: "b" }, { Key: "never-existed" }] },
          }),
        );
        expect(verbose.Deleted?.map((entry) => entry.Key)).toEqual(["a", "b", "never-existed"]);
        expect(verbose.Errors ?? []).toEqual([]);
        const quiet = await s3.send(
          new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: "c" }], Quiet: true } }),
        );
        expect(quiet.Deleted ?? []).toEqual([]);
        const left = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
        expect(left.Contents?.map((object) => object.Key)).toEqual(["d"]);
      });
    });

    describe("listing", () => {
      it("lists with prefix and delimiter (CommonPrefixes)", async () => {
        const bucket = await newBucket();
        for (const key of [
          "audio/a.wav",
          "audio/b.wav",
          "audio/deep/c.wav",
          "manifest.json",
          "notes/x.txt",
          "readme",
        ]) {
          await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
        }
        const top = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: "/" }));
        expect(top.Contents?.map((o) => o.Key)).toEqual(["manifest.json", "readme"]);
        expect(top.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["audio/", "notes/"]);
        expect(top.KeyCount).toBe(4);
        expect(top.IsTruncated).toBe(false);
        const audio = await s3.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: "audio/", Delimiter: "/" }),
        );
        expect(audio.Contents?.map((o) => o.Key)).toEqual(["audio/a.wav", "audio/b.wav"]);
        expect(audio.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["audio/deep/"]);
        expect(audio.Contents?.[0]?.Size).toBe("audio/a.wav".length);
        expect(audio.Contents?.[0]?.ETag).toBe(md5Etag(Buffer.from("audio/a.wav")));
        const after = await s3.send(
          new ListObjectsV2Command({ Bucket: bucket, StartAfter: "audio/deep/c.wav" }),
        );
        expect(after.Contents?.map((o) => o.Key)).toEqual(["manifest.json", "notes/x.txt", "readme"]);
        const encoded = await s3.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: "audio/a", EncodingType: "url" }),
        );
        expect(encoded.Contents?.map((o) => o.Key)).toEqual(["audio/a.wav"]);
      });

      it("paginates 2,500 keys: every key exactly once, in order", async () => {
        const bucket = await newBucket();
        const keys = Array.from(
          { length: 2500 },
          (_, i) => `d${String(i % 50).padStart(2, "0")}/f${String(i).padStart(4, "0")}`,
        );
        await Promise.all(
          keys.map((key) => started.sandbox.engine.s3.putObject(bucket, key, Buffer.from(key))),
        );
        const listed: string[] = [];
        let pages = 0;
        for await (const page of paginateListObjectsV2({ client: s3, pageSize: 1000 }, { Bucket: bucket })) {
          pages++;
          expect(page.KeyCount).toBe(page.Contents?.length);
          listed.push(...(page.Contents ?? []).map((object) => object.Key ?? ""));
        }
        expect(pages).toBe(3);
        expect(listed).toEqual([...keys].sort());

        const prefixes: string[] = [];
        for await (const page of paginateListObjectsV2(
          { client: s3, pageSize: 7 },
          { Bucket: bucket, Delimiter: "/" },
        )) {
          expect(page.Contents ?? []).toEqual([]);
          prefixes.push(...(page.CommonPrefixes ?? []).map((p) => p.Prefix ?? ""));
        }
        expect(prefixes).toEqual(Array.from({ length: 50 }, (_, i) => `d${String(i).padStart(2, "0")}/`));

        const inOne: string[] = [];
        for await (const page of paginateListObjectsV2(
          { client: s3, pageSize: 10 },
          { Bucket: bucket, Prefix: "d07/" },
        )) {
          inOne.push(...(page.Contents ?? []).map((object) => object.Key ?? ""));
        }
        expect(inOne).toEqual(keys.filter((key) => key.startsWith("d07/")).sort());
      });

      it("orders keys by UTF-8 bytes, astral characters after U+FFFD", async () => {
        const bucket = await newBucket();
        const keys = ["\u{1F3A7}", "\uFFFD", "z", "é", "A", "\u00FF\u0100"];
        for (const key of keys) await started.sandbox.engine.s3.putObject(bucket, key, Buffer.from("x"));
        const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
        expect(listed.Contents?.map((object) => object.Key)).toEqual(
          [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))),
        );
      });
    });

    describe("multipart uploads", () => {
      it("uploads 12 MiB with lib-storage in three parts", async () => {
        const bucket = await newBucket();
        const data = randomBytes(12 * MiB);
        const upload = new Upload({ client: s3, params: { Bucket: bucket, Key: "big.bin", Body: data } });
        const result = await upload.done();
        expect(result.ETag).toMatch(/^"[0-9a-f]{32}-3"$/);
        const md5s = [
          data.subarray(0, 5 * MiB),
          data.subarray(5 * MiB, 10 * MiB),
          data.subarray(10 * MiB),
        ].map((part) => createHash("md5").update(part).digest());
        expect(result.ETag).toBe(`"${createHash("md5").update(Buffer.concat(md5s)).digest("hex")}-3"`);

        const got = await s3.send(
          new GetObjectCommand({ Bucket: bucket, Key: "big.bin", ChecksumMode: "ENABLED" }),
        );
        expect(got.ETag).toBe(result.ETag);
        expect(got.ContentLength).toBe(data.length);
        expect((await bodyOf(got)).equals(data)).toBe(true);
        // lib-storage asks for CRC32: a composite checksum, the CRC32 of the parts' CRC32s.
        const partCrcs = [
          data.subarray(0, 5 * MiB),
          data.subarray(5 * MiB, 10 * MiB),
          data.subarray(10 * MiB),
        ].map((part) => digestOf("CRC32", part));
        expect(got.ChecksumCRC32).toBe(`${digestOf("CRC32", Buffer.concat(partCrcs)).toString("base64")}-3`);
        expect(got.ChecksumType).toBe("COMPOSITE");

        const second = await s3.send(
          new HeadObjectCommand({ Bucket: bucket, Key: "big.bin", PartNumber: 3 }),
        );
        expect(second.ContentLength).toBe(2 * MiB);
        expect(second.PartsCount).toBe(3);
        expect(started.sandbox.engine.s3.listUploads(bucket)).toEqual([]);
      });

      it("validates parts on completion: ETags, order, minimum size", async () => {
        const bucket = await newBucket();
        const { UploadId } = await s3.send(
          new CreateMultipartUploadCommand({ Bucket: bucket, Key: "mp", ChecksumAlgorithm: "CRC32" }),
        );
        const part1 = await s3.send(
          new UploadPartCommand({ Bucket: bucket, Key: "mp", UploadId, PartNumber: 1, Body: "small one" }),
        );
        const part2 = await s3.send(
          new UploadPartCommand({ Bucket: bucket, Key: "mp", UploadId, PartNumber: 2, Body: "small two" }),
        );
        expect(part1.ETag).toBe(md5Etag(Buffer.from("small one")));
        expect(part1.ChecksumCRC32).toBe(digestOf("CRC32", Buffer.from("small one")).toString("base64"));

        const listed = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: "mp", UploadId }));
        expect(listed.Parts?.map((part) => [part.PartNumber, part.Size, part.ETag])).toEqual([
          [1, 9, part1.ETag],
          [2, 9, part2.ETag],
        ]);

        const p1 = { PartNumber: 1, ETag: part1.ETag, ChecksumCRC32: part1.ChecksumCRC32 };
        const p2 = { PartNumber: 2, ETag: part2.ETag, ChecksumCRC32: part2.ChecksumCRC32 };
        const complete = (parts: object[]) =>
          failure(
            s3.send(
              new CompleteMultipartUploadCommand({
                Bucket: bucket,
                Key: "mp",
                UploadId,
                MultipartUpload: { Parts: parts },
              }),
            ),
          );
        expect((await complete([{ ...p1, ETag: '"0123"' }, p2])).name).toBe("InvalidPart");
        expect((await complete([p2, p1])).name).toBe("InvalidPartOrder");
        const tooSmall = await complete([p1, p2]);
        expect(tooSmall.name).toBe("EntityTooSmall");
        expect(tooSmall.$metadata.httpStatusCode).toBe(400);
        const noChecksum = await complete([{ PartNumber: 1, ETag: part1.ETag }]);
        expect(noChecksum.name).toBe("InvalidRequest");

        // A single (last) part may be small.
        const done = await s3.send(
          new CompleteMultipartUploadCommand({
            Bucket: bucket,
            Key: "mp",
            UploadId,
            MultipartUpload: { Parts: [p1] },
          }),
        );
        expect(done.ETag).toMatch(/-1"$/);
        const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "mp" }));
        expect((await bodyOf(got)).toString()).toBe("small one");
      });

      it("aborts an upload: its id is then unknown (NoSuchUpload)", async () => {
        const bucket = await newBucket();
        const { UploadId } = await s3.send(
          new CreateMultipartUploadCommand({ Bucket: bucket, Key: "ab", ChecksumAlgorithm: "CRC32" }),
        );
        await s3.send(
          new UploadPartCommand({ Bucket: bucket, Key: "ab", UploadId, PartNumber: 1, Body: "x" }),
        );
        await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: "ab", UploadId }));
        const error = await failure(
          s3.send(new UploadPartCommand({ Bucket: bucket, Key: "ab", UploadId, PartNumber: 2, Body: "y" })),
        );
        expect(error.name).toBe("NoSuchUpload");
        expect(error.$metadata.httpStatusCode).toBe(404);
        expect(
          (await failure(s3.send(new ListPartsCommand({ Bucket: bucket, Key: "ab", UploadId })))).name,
        ).toBe("NoSuchUpload");
      });

      it("refuses part checksums for an upload created without an algorithm, as S3 does", async () => {
        const bucket = await newBucket();
        const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "k" }));
        // The SDK adds a CRC32 to every UploadPart by default (aws/aws-sdk-js-v3#6810).
        const error = await failure(
          s3.send(new UploadPartCommand({ Bucket: bucket, Key: "k", UploadId, PartNumber: 1, Body: "x" })),
        );
        expect(error.name).toBe("InvalidRequest");
        expect(error.message).toContain("Checksum Type mismatch");
      });
    });

    if (transport === "server") {
      it("accepts a > 2 MiB upload sent with Expect: 100-continue", async () => {
        const bucket = await newBucket();
        const data = randomBytes(3 * MiB);
        const capture = captureRequests(s3);
        try {
          await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "large", Body: data }));
        } finally {
          capture.stop();
        }
        expect(capture.requests.at(-1)?.headers.Expect ?? capture.requests.at(-1)?.headers.expect).toBe(
          "100-continue",
        );
        const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "large" }));
        expect((await bodyOf(got)).equals(data)).toBe(true);
      });

      it("serves virtual-hosted requests by their Host header", async () => {
        const bucket = await newBucket();
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "v/key one", Body: "virtual" }));
        const port = new URL(started.endpoint).port;
        const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = httpRequest(
            {
              host: "127.0.0.1",
              port,
              path: "/v/key%20one",
              headers: { host: `${bucket}.s3.us-west-2.amazonaws.com` },
            },
            (res) => {
              const chunks: Buffer[] = [];
              res.on("data", (chunk: Buffer) => chunks.push(chunk));
              res.on("end", () =>
                resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
              );
            },
          );
          req.on("error", reject);
          req.end();
        });
        expect(status).toBe(200);
        expect(body).toBe("virtual");
      });
    } else {
      it("serves virtual-hosted requests to *.amazonaws.com (no endpoint, no forcePathStyle)", async () => {
        const client = new S3Client({
          region: "us-west-2",
          credentials: { accessKeyId: "AKIDSANDBOX", secretAccessKey: "sandbox-secret" },
          maxAttempts: 1,
          expectContinueHeader: false,
        });
        const capture = captureRequests(client);
        try {
          const bucket = `vhost-${++counter}`;
          await client.send(new CreateBucketCommand({ Bucket: bucket }));
          await client.send(
            new PutObjectCommand({ Bucket: bucket, Key: "dir/file name.txt", Body: "virtual host" }),
          );
          const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: "dir/file name.txt" }));
          expect((await bodyOf(got)).toString()).toBe("virtual host");
          const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "dir/" }));
          expect(listed.Contents?.map((object) => object.Key)).toEqual(["dir/file name.txt"]);
          expect(capture.requests.map((request) => request.hostname)).toEqual(
            Array.from({ length: 4 }, () => `${bucket}.s3.us-west-2.amazonaws.com`),
          );
          expect(started.sandbox.engine.s3.bucketExists(bucket)).toBe(true);
        } finally {
          capture.stop();
          client.destroy();
        }
      });
    }
  });
}
