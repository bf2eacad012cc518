import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  algorithmOfHeader,
  CHECKSUM_ALGORITHMS,
  checksumHeader,
  crc32,
  crc32c,
  createHasher,
  decodeDigest,
  digestOf,
  parseChecksumAlgorithm,
} from "./checksums.ts";

const CHECK = Buffer.from("123456789", "ascii");

/** Bit-at-a-time reference CRCs, independent of the table-driven code under test. */
function referenceCrc32(data: Uint8Array, reflected: number): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ reflected : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function referenceCrc64Nvme(data: Uint8Array): bigint {
  let crc = 0xffffffffffffffffn;
  for (const byte of data) {
    crc ^= BigInt(byte);
    for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ 0x9a6c9329ac4bc9b5n : crc >> 1n;
  }
  return crc ^ 0xffffffffffffffffn;
}

describe("CRC check values", () => {
  it('CRC32("123456789") is 0xCBF43926', () => {
    expect(crc32(CHECK)).toBe(0xcbf43926);
    expect(digestOf("CRC32", CHECK).toString("hex")).toBe("cbf43926");
  });

  it('CRC32C("123456789") is 0xE3069283', () => {
    expect(crc32c(CHECK)).toBe(0xe3069283);
    expect(digestOf("CRC32C", CHECK).toString("hex")).toBe("e3069283");
  });

  it('CRC64NVME("123456789") is 0xAE8B14860A799888', () => {
    expect(digestOf("CRC64NVME", CHECK).toString("hex")).toBe("ae8b14860a799888");
  });

  it("the empty input gives 0 for every CRC", () => {
    expect(crc32(new Uint8Array())).toBe(0);
    expect(crc32c(new Uint8Array())).toBe(0);
    expect(digestOf("CRC64NVME", new Uint8Array()).toString("hex")).toBe("0000000000000000");
  });

  it("S3's documented example: CRC32 of 'Hello World' is base64 ShexVg==", () => {
    expect(digestOf("CRC32", Buffer.from("Hello World")).toString("base64")).toBe("ShexVg==");
  });
});

describe("table-driven CRCs agree with a bitwise reference", () => {
  const data = randomBytes(4099);
  it.each([0, 1, 7, 8, 9, 63, 64, 1000, 4099])("on %i random bytes", (length) => {
    const slice = data.subarray(0, length);
    expect(crc32(slice)).toBe(referenceCrc32(slice, 0xedb88320));
    expect(crc32c(slice)).toBe(referenceCrc32(slice, 0x82f63b78));
    expect(digestOf("CRC64NVME", slice).readBigUInt64BE()).toBe(referenceCrc64Nvme(slice));
  });
});

describe("streaming", () => {
  it.each(CHECKSUM_ALGORITHMS)("%s gives the same digest fed in uneven pieces", (algorithm) => {
    const data = randomBytes(10_007);
    const hasher = createHasher(algorithm);
    for (let at = 0; at < data.length; ) {
      const size = 1 + ((at * 7) % 97);
      hasher.update(data.subarray(at, at + size));
      at += size;
    }
    expect(hasher.digest().equals(digestOf(algorithm, data))).toBe(true);
  });

  it("SHA1 and SHA256 match node:crypto", () => {
    expect(digestOf("SHA1", CHECK).equals(createHash("sha1").update(CHECK).digest())).toBe(true);
    expect(digestOf("SHA256", CHECK).equals(createHash("sha256").update(CHECK).digest())).toBe(true);
  });
});

describe("names and encodings", () => {
  it("maps algorithms to headers and back", () => {
    for (const algorithm of CHECKSUM_ALGORITHMS)
      expect(algorithmOfHeader(checksumHeader(algorithm))).toBe(algorithm);
    expect(checksumHeader("CRC64NVME")).toBe("x-amz-checksum-crc64nvme");
    expect(algorithmOfHeader("X-Amz-Checksum-CRC32C")).toBe("CRC32C");
    expect(algorithmOfHeader("x-amz-checksum-md5")).toBeUndefined();
    expect(parseChecksumAlgorithm("crc32c")).toBe("CRC32C");
    expect(parseChecksumAlgorithm("MD5")).toBeUndefined();
  });

  it("accepts only canonical base64 of the algorithm's digest length", () => {
    expect(decodeDigest("CRC32", "ShexVg==")?.toString("hex")).toBe("4a17b156");
    expect(decodeDigest("CRC32", "ShexVg")).toBeUndefined();
    expect(decodeDigest("CRC32", "AAAAAAAA")).toBeUndefined();
    expect(decodeDigest("SHA256", "ShexVg==")).toBeUndefined();
    expect(decodeDigest("MD5", "not base64!")).toBeUndefined();
  });
});
