import { describe, expect, it } from "vitest";
import { AwsServiceError } from "../service-error.ts";
import { compareKeys, isValidBucketName } from "./engine.ts";
import { locate, parseRange, s3ErrorResponse } from "./front-door.ts";

describe("locate", () => {
  it.each([
    ["http://127.0.0.1:4599/", "", ""],
    ["http://127.0.0.1:4599/bucket", "bucket", ""],
    ["http://127.0.0.1:4599/bucket/", "bucket", ""],
    ["http://127.0.0.1:4599/bucket/a/b%20c%2Bd", "bucket", "a/b c+d"],
    ["http://127.0.0.1:4599/bucket//lead", "bucket", "/lead"],
    ["https://s3.us-west-2.amazonaws.com/bucket/k", "bucket", "k"],
    ["https://bucket.s3.us-west-2.amazonaws.com/k%3Fq", "bucket", "k?q"],
    ["https://my.dotted.bucket.s3.amazonaws.com/", "my.dotted.bucket", ""],
    ["https://bucket.s3-us-west-2.amazonaws.com/x", "bucket", "x"],
    ["https://bucket.s3.dualstack.us-west-2.amazonaws.com/x/y", "bucket", "x/y"],
    ["https://a.s3.b.s3.us-west-2.amazonaws.com/k", "a.s3.b", "k"],
  ])("%s → bucket %j, key %j", (url, bucket, key) => {
    expect(locate(new URL(url))).toEqual({ bucket, key });
  });

  it("answers a malformed escape with InvalidURI", () => {
    expect(() => locate(new URL("http://h/bucket/%E0%A4%A"))).toThrow(
      expect.objectContaining({ type: "InvalidURI" }),
    );
  });
});

describe("parseRange", () => {
  it.each([
    ["bytes=0-0", 10, { start: 0, end: 0 }],
    ["bytes=2-", 10, { start: 2, end: 9 }],
    ["bytes=-4", 10, { start: 6, end: 9 }],
    ["bytes=5-500", 10, { start: 5, end: 9 }],
    ["bytes=5-2", 10, undefined],
    ["bytes=0-1,3-4", 10, undefined],
    ["items=0-1", 10, undefined],
  ])("%s of %i bytes", (header, size, expected) => {
    expect(parseRange(header, size)).toEqual(expected);
  });

  it.each([
    ["bytes=10-", 10],
    ["bytes=-0", 10],
    ["bytes=0-", 0],
    ["bytes=-1", 0],
  ])("%s of %i bytes is InvalidRange", (header, size) => {
    expect(() => parseRange(header, size)).toThrow(
      expect.objectContaining({ type: "InvalidRange", status: 416 }),
    );
  });
});

describe("s3ErrorResponse", () => {
  it("writes S3's <Error> document with the extra fields", async () => {
    const response = s3ErrorResponse(
      new AwsServiceError("NoSuchKey", 404, "The specified key does not exist.", { Key: "a&b" }),
    );
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/xml");
    expect(response.headers.get("x-amz-request-id")).toMatch(/^[0-9A-F]{16}$/);
    const body = await response.text();
    expect(body).toContain(
      "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>a&amp;b</Key>",
    );
  });

  it("leaves the body out for HEAD", async () => {
    const response = s3ErrorResponse(new AwsServiceError("NoSuchKey", 404, "x"), false);
    expect(await response.text()).toBe("");
    expect(response.headers.get("x-amz-error-code")).toBe("NoSuchKey");
  });
});

describe("bucket names and key order", () => {
  it.each(["abc", "a-b.c", "my.bucket.1", "x".repeat(63)])("accepts %j", (name) => {
    expect(isValidBucketName(name)).toBe(true);
  });

  it.each(["a.-b", "sthree-x", "amzn-s3-demo-x", "name-s3alias", "name--ol-s3", "x.mrap", "ABC"])(
    "rejects %j",
    (name) => {
      expect(isValidBucketName(name)).toBe(false);
    },
  );

  it("orders by code point, as UTF-8 bytes do", () => {
    const keys = ["\u{10000}", "\uFFFF", "\uE000", "\uD7FF", "a", "ab", ""];
    const byBytes = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect([...keys].sort(compareKeys)).toEqual(byBytes);
    expect(byBytes.at(-1)).toBe("\u{10000}");
  });
});
