import { createHash, type Hash } from "node:crypto";
import { crc32 as zlibCrc32 } from "node:zlib";

/**
 * The checksum algorithms S3 accepts for object integrity ("Checking object integrity",
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html).
 * CRC32 comes from `zlib.crc32` (Node ≥ 20.15, hardware-assisted); CRC32C and CRC64NVME are in no
 * Node release, so they are computed here from tables; the SHAs come from node:crypto. Everything is incremental: bodies are
 * hashed as they stream to disk, never held whole.
 */
export type ChecksumAlgorithm = "CRC32" | "CRC32C" | "CRC64NVME" | "SHA1" | "SHA256";

export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = [
  "CRC32",
  "CRC32C",
  "CRC64NVME",
  "SHA1",
  "SHA256",
];

/** A digest besides the checksums: MD5 (ETags, Content-MD5). */
export type DigestName = ChecksumAlgorithm | "MD5";

/** Raw digest length in bytes: a header value must decode (base64) to exactly this many. */
export const DIGEST_LENGTH: Readonly<Record<DigestName, number>> = {
  CRC32: 4,
  CRC32C: 4,
  CRC64NVME: 8,
  SHA1: 20,
  SHA256: 32,
  MD5: 16,
};

export interface Hasher {
  update(data: Uint8Array): void;
  /** The digest, big-endian for the CRCs (as S3 encodes them before base64). Call once. */
  digest(): Buffer;
}

/** `x-amz-checksum-crc32`, …: the header (and aws-chunked trailer) that carries a checksum. */
export function checksumHeader(algorithm: ChecksumAlgorithm): string {
  return `x-amz-checksum-${algorithm.toLowerCase()}`;
}

/** The algorithm for a header name such as `x-amz-checksum-crc32c`, if it is one. */
export function algorithmOfHeader(name: string): ChecksumAlgorithm | undefined {
  const lower = name.toLowerCase();
  return CHECKSUM_ALGORITHMS.find((algorithm) => checksumHeader(algorithm) === lower);
}

/** `CRC32`, `crc32c` …, as x-amz-sdk-checksum-algorithm / x-amz-checksum-algorithm carry it. */
export function parseChecksumAlgorithm(value: string): ChecksumAlgorithm | undefined {
  const upper = value.trim().toUpperCase();
  return CHECKSUM_ALGORITHMS.find((algorithm) => algorithm === upper);
}

/** The XML member for a checksum: ChecksumCRC32, ChecksumCRC64NVME, ChecksumSHA256 … */
export function checksumMember(algorithm: ChecksumAlgorithm): string {
  return `Checksum${algorithm}`;
}

// ---------------------------------------------------------------------------------------------
// CRC32C: reflected, init and final xor 0xFFFFFFFF; slicing-by-8 (eight 256-entry tables)
// so an audio file hashes at memory speed rather than one table lookup per byte.

function crc32Tables(reflectedPolynomial: number): Uint32Array {
  const tables = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ reflectedPolynomial : c >>> 1;
    tables[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = tables[n] as number;
    for (let slice = 1; slice < 8; slice++) {
      c = (tables[c & 0xff] as number) ^ (c >>> 8);
      tables[slice * 256 + n] = c >>> 0;
    }
  }
  return tables;
}

/** CRC-32C (Castagnoli): polynomial 0x1EDC6F41, reflected 0x82F63B78. */
const CRC32C_TABLES = crc32Tables(0x82f63b78);

function crc32Update(t: Uint32Array, crc: number, data: Uint8Array): number {
  let i = 0;
  const length = data.length;
  while (i + 8 <= length) {
    const low =
      (crc ^
        ((data[i] as number) |
          ((data[i + 1] as number) << 8) |
          ((data[i + 2] as number) << 16) |
          ((data[i + 3] as number) << 24))) >>>
      0;
    crc =
      (t[1792 + (low & 0xff)] as number) ^
      (t[1536 + ((low >>> 8) & 0xff)] as number) ^
      (t[1280 + ((low >>> 16) & 0xff)] as number) ^
      (t[1024 + (low >>> 24)] as number) ^
      (t[768 + (data[i + 4] as number)] as number) ^
      (t[512 + (data[i + 5] as number)] as number) ^
      (t[256 + (data[i + 6] as number)] as number) ^
      (t[data[i + 7] as number] as number);
    i += 8;
  }
  while (i < length) crc = (t[(crc ^ (data[i++] as number)) & 0xff] as number) ^ (crc >>> 8);
  return crc >>> 0;
}

/** CRC-32 (ISO-HDLC): zlib's, continued across chunks by passing the running value back in. */
class ZlibCrc32Hasher implements Hasher {
  #crc = 0;

  update(data: Uint8Array): void {
    this.#crc = zlibCrc32(data, this.#crc);
  }

  digest(): Buffer {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(this.#crc >>> 0);
    return out;
  }
}

class Crc32Hasher implements Hasher {
  readonly #tables: Uint32Array;
  #crc = 0xffffffff;

  constructor(tables: Uint32Array) {
    this.#tables = tables;
  }

  update(data: Uint8Array): void {
    this.#crc = crc32Update(this.#tables, this.#crc, data);
  }

  /** The CRC as an unsigned 32-bit number. */
  value(): number {
    return (this.#crc ^ 0xffffffff) >>> 0;
  }

  digest(): Buffer {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(this.value());
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// CRC-64/NVME: reflected polynomial 0x9A6C9329AC4BC9B5, init and final xor all ones. S3 adds this
// checksum to every object uploaded without one (checking-object-integrity.html, "Full object
// checksums"). 64-bit values are kept as two 32-bit halves: BigInt per byte would be far too slow.

const CRC64_HI = new Uint32Array(256);
const CRC64_LO = new Uint32Array(256);
for (let n = 0; n < 256; n++) {
  let hi = 0;
  let lo = n;
  for (let k = 0; k < 8; k++) {
    const carry = lo & 1;
    lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
    hi >>>= 1;
    if (carry) {
      hi = (hi ^ 0x9a6c9329) >>> 0;
      lo = (lo ^ 0xac4bc9b5) >>> 0;
    }
  }
  CRC64_HI[n] = hi;
  CRC64_LO[n] = lo;
}

class Crc64NvmeHasher implements Hasher {
  #hi = 0xffffffff;
  #lo = 0xffffffff;

  update(data: Uint8Array): void {
    let hi = this.#hi;
    let lo = this.#lo;
    for (let i = 0; i < data.length; i++) {
      const index = (lo ^ (data[i] as number)) & 0xff;
      lo = ((CRC64_LO[index] as number) ^ ((lo >>> 8) | (hi << 24))) >>> 0;
      hi = ((CRC64_HI[index] as number) ^ (hi >>> 8)) >>> 0;
    }
    this.#hi = hi;
    this.#lo = lo;
  }

  digest(): Buffer {
    const out = Buffer.alloc(8);
    out.writeUInt32BE((this.#hi ^ 0xffffffff) >>> 0, 0);
    out.writeUInt32BE((this.#lo ^ 0xffffffff) >>> 0, 4);
    return out;
  }
}

class NodeHasher implements Hasher {
  readonly #hash: Hash;

  constructor(algorithm: "md5" | "sha1" | "sha256") {
    this.#hash = createHash(algorithm);
  }

  update(data: Uint8Array): void {
    this.#hash.update(data);
  }

  digest(): Buffer {
    return this.#hash.digest();
  }
}

export function createHasher(name: DigestName): Hasher {
  switch (name) {
    case "CRC32":
      return new ZlibCrc32Hasher();
    case "CRC32C":
      return new Crc32Hasher(CRC32C_TABLES);
    case "CRC64NVME":
      return new Crc64NvmeHasher();
    case "SHA1":
      return new NodeHasher("sha1");
    case "SHA256":
      return new NodeHasher("sha256");
    case "MD5":
      return new NodeHasher("md5");
  }
}

/** One-shot digest of a buffer. */
export function digestOf(name: DigestName, data: Uint8Array): Buffer {
  const hasher = createHasher(name);
  hasher.update(data);
  return hasher.digest();
}

/** CRC-32 of a buffer as an unsigned number ("123456789" → 0xCBF43926). */
export function crc32(data: Uint8Array): number {
  return zlibCrc32(data);
}

/** CRC-32C of a buffer as an unsigned number ("123456789" → 0xE3069283). */
export function crc32c(data: Uint8Array): number {
  const hasher = new Crc32Hasher(CRC32C_TABLES);
  hasher.update(data);
  return hasher.value();
}

/**
 * Decodes a base64 checksum as a client sent it; undefined unless it is canonical base64 of exactly
 * the algorithm's digest length (S3 answers such values with InvalidRequest, not BadDigest).
 */
export function decodeDigest(name: DigestName, value: string): Buffer | undefined {
  const trimmed = value.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) return undefined;
  const raw = Buffer.from(trimmed, "base64");
  if (raw.length !== DIGEST_LENGTH[name] || raw.toString("base64") !== trimmed) return undefined;
  return raw;
}
