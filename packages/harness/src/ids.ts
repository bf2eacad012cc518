import { randomFillSync } from "node:crypto";

/** Random bytes are drawn from the OS in blocks of this size and handed out in slices. */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let poolAt = 0;

/**
 * `length` random bytes (a copy), from a pooled block: a separate `randomBytes` call for each
 * request id, x-amz-id-2 and blob name was a twelfth of the sandbox's time per S3 upload
 * (bench/upload.bench.ts). Still the OS CSPRNG; only the calls are batched.
 */
export function randomBytesPooled(length: number): Buffer {
  if (length > POOL_BYTES) return randomFillSync(Buffer.allocUnsafe(length));
  if (poolAt + length > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafe(POOL_BYTES));
    poolAt = 0;
  }
  const bytes = Buffer.from(pool.subarray(poolAt, poolAt + length));
  poolAt += length;
  return bytes;
}

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Random letters and digits; ids in the sandbox look like the service's (e.g. 22 for a DomainId). */
export function alphanumericId(length = 22): string {
  const bytes = randomBytesPooled(length * 2);
  let out = "";
  for (let i = 0; out.length < length && i < bytes.length; i++) {
    const byte = bytes[i] ?? 0;
    // 248 = 4 × 62: reject the tail so every character is equally likely.
    if (byte < 248) out += ALPHANUMERIC[byte % 62];
  }
  return out.length === length ? out : out + alphanumericId(length - out.length);
}

/** `id#` + 22 alphanumerics: GeneratedSpeakerId, GeneratedFraudsterId, SessionId (25 characters). */
export function hashPrefixedId(): string {
  return `id#${alphanumericId(22)}`;
}

/** A UUID, as Connect uses for instances, flows and associations. */
export function uuid(): string {
  return crypto.randomUUID();
}
