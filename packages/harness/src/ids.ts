import { randomBytes } from "node:crypto";

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Random letters and digits; ids in the sandbox look like the service's (e.g. 22 for a DomainId). */
export function alphanumericId(length = 22): string {
  const bytes = randomBytes(length * 2);
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
