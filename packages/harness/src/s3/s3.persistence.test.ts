import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it } from "vitest";
import { createSandbox } from "../sandbox.ts";
import { startSandbox, TRANSPORTS } from "../test-support.ts";
import { digestOf } from "./checksums.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "cvk-s3-persist-"));
  dirs.push(dir);
  return dir;
}

for (const transport of TRANSPORTS) {
  describe(`S3 persistence (${transport})`, () => {
    it("keeps buckets, objects, checksums and unfinished uploads across a restart", async () => {
      const dir = dataDir();
      const audio = randomBytes(150_000);
      const first = await startSandbox(transport, { dataDir: dir });
      let uploadId: string | undefined;
      let partEtag: string | undefined;
      let putEtag: string | undefined;
      try {
        const s3 = first.clients.s3;
        await s3.send(new CreateBucketCommand({ Bucket: "persisted" }));
        const put = await s3.send(
          new PutObjectCommand({
            Bucket: "persisted",
            Key: "audio/caller 1.wav",
            Body: Readable.from([audio]),
            ContentLength: audio.length,
            ContentType: "audio/wav",
            Metadata: { speaker: "s-1" },
          }),
        );
        putEtag = put.ETag;
        await s3.send(new PutObjectCommand({ Bucket: "persisted", Key: "manifest.json", Body: '{"n":1}' }));
        await s3.send(
          new PutObjectCommand({ Bucket: "persisted", Key: "deleted-before-restart", Body: "gone" }),
        );
        await s3.send(new DeleteObjectCommand({ Bucket: "persisted", Key: "deleted-before-restart" }));
        const created = await s3.send(
          new CreateMultipartUploadCommand({
            Bucket: "persisted",
            Key: "later.bin",
            ChecksumAlgorithm: "CRC32",
          }),
        );
        uploadId = created.UploadId;
        const part = await s3.send(
          new UploadPartCommand({
            Bucket: "persisted",
            Key: "later.bin",
            UploadId: uploadId,
            PartNumber: 1,
            Body: "part one",
          }),
        );
        partEtag = part.ETag;
      } finally {
        await first.stop();
      }

      const second = await startSandbox(transport, { dataDir: dir });
      try {
        const s3 = second.clients.s3;
        const listed = await s3.send(new ListObjectsV2Command({ Bucket: "persisted" }));
        expect(listed.Contents?.map((object) => object.Key)).toEqual(["audio/caller 1.wav", "manifest.json"]);
        const got = await s3.send(
          new GetObjectCommand({ Bucket: "persisted", Key: "audio/caller 1.wav", ChecksumMode: "ENABLED" }),
        );
        expect(Buffer.from((await got.Body?.transformToByteArray()) ?? []).equals(audio)).toBe(true);
        expect(got.ETag).toBe(putEtag);
        expect(got.ContentType).toBe("audio/wav");
        expect(got.Metadata).toEqual({ speaker: "s-1" });
        expect(got.ChecksumCRC32).toBe(digestOf("CRC32", audio).toString("base64"));
        const missing = await s3
          .send(new HeadObjectCommand({ Bucket: "persisted", Key: "deleted-before-restart" }))
          .catch((e: Error) => e);
        expect((missing as Error).name).toBe("NotFound");

        const parts = await s3.send(
          new ListPartsCommand({ Bucket: "persisted", Key: "later.bin", UploadId: uploadId }),
        );
        expect(parts.Parts?.map((part) => part.ETag)).toEqual([partEtag]);
        await s3.send(
          new CompleteMultipartUploadCommand({
            Bucket: "persisted",
            Key: "later.bin",
            UploadId: uploadId,
            MultipartUpload: {
              Parts: [{ PartNumber: 1, ETag: partEtag, ChecksumCRC32: parts.Parts?.[0]?.ChecksumCRC32 }],
            },
          }),
        );
        const later = await s3.send(new GetObjectCommand({ Bucket: "persisted", Key: "later.bin" }));
        expect(await later.Body?.transformToString()).toBe("part one");
      } finally {
        await second.stop();
      }
    });
  });
}

describe("S3 persistence through createSandbox", () => {
  it("reopens objects written through the engine (what Voice ID reads)", async () => {
    const dir = dataDir();
    const first = createSandbox({ dataDir: dir });
    try {
      first.engine.s3.createBucket("engine-bucket");
      await first.engine.s3.putObject("engine-bucket", "a/b.wav", Buffer.from("RIFF...."), "audio/wav");
    } finally {
      first.close();
    }
    const second = createSandbox({ dataDir: dir });
    try {
      expect(second.engine.s3.bucketExists("engine-bucket")).toBe(true);
      const file = second.engine.s3.objectFile("engine-bucket", "a/b.wav");
      expect(file?.size).toBe(8);
      expect(second.engine.s3.getObject("engine-bucket", "a/b.wav").attributes.contentType).toBe("audio/wav");
      expect(second.engine.s3.objectFile("engine-bucket", "missing")).toBeUndefined();
    } finally {
      second.close();
    }
  });
});
