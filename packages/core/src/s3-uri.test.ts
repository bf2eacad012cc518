import { describe, expect, it } from "vitest";
import { formatS3Uri, isValidS3Uri, joinS3Key, parseS3Uri } from "./s3-uri.ts";

describe("S3 URIs (Voice ID S3Uri pattern)", () => {
  it("parses bucket and key, and formats them back", () => {
    expect(parseS3Uri("s3://my-bucket/a/b.wav")).toEqual({ bucket: "my-bucket", key: "a/b.wav" });
    expect(parseS3Uri("s3://my.bucket")).toEqual({ bucket: "my.bucket", key: "" });
    expect(formatS3Uri({ bucket: "b-1", key: "x/y" })).toBe("s3://b-1/x/y");
    expect(formatS3Uri({ bucket: "b-1", key: "" })).toBe("s3://b-1");
  });

  it.each([
    ["https://bucket/key", "does not start with s3://"],
    ["s3://UpperCase/key", "bucket name"],
    ["s3://ab", "bucket name"],
    [`s3://bucket/${"k".repeat(1100)}`, "longer than 1024"],
  ])("rejects %s with a reason", (uri, reason) => {
    expect(isValidS3Uri(uri)).toBe(false);
    expect(() => parseS3Uri(uri)).toThrow(reason);
    try {
      parseS3Uri(uri);
    } catch (error) {
      expect((error as { code: string }).code).toBe("S3_URI_INVALID");
    }
  });

  it("joins key segments without doubled slashes", () => {
    expect(joinS3Key("a/", "/b/", "", "c.wav")).toBe("a/b/c.wav");
    expect(joinS3Key("", "")).toBe("");
  });
});
