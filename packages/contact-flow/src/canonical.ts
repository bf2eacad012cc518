/**
 * One canonical text per flow document, so a rendered flow, a file in review and the content Connect
 * hands back compare by meaning rather than by layout: object keys in a stable order (the flow
 * language's own keys first, in the order the console exports them, then the rest by code point),
 * arrays in their given order, and either 2-space indentation (files) or none (the API's Content,
 * which counts toward the 256,000-character limit, https://docs.aws.amazon.com/connect/latest/APIReference/API_CreateContactFlow.html).
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** The flow language's keys in the order console exports use (flow-language.html); others follow, sorted. */
const PREFERRED_KEYS = [
  "Version",
  "StartAction",
  "Metadata",
  "Actions",
  "Identifier",
  "Type",
  "Parameters",
  "Transitions",
  "NextAction",
  "Errors",
  "Conditions",
  "ErrorType",
  "Condition",
  "Operator",
  "Operands",
];
const RANK = new Map(PREFERRED_KEYS.map((key, index) => [key, index]));

function compareKeys(a: string, b: string): number {
  const ra = RANK.get(a);
  const rb = RANK.get(b);
  if (ra !== undefined || rb !== undefined)
    return (ra ?? PREFERRED_KEYS.length) - (rb ?? PREFERRED_KEYS.length);
  return a < b ? -1 : a > b ? 1 : 0;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A deep copy with every object's keys in canonical order. */
export function canonicalize(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(canonicalize);
  if (isJsonObject(value)) {
    const out: JsonObject = {};
    for (const key of Object.keys(value).sort(compareKeys)) out[key] = canonicalize(value[key] as JsonValue);
    return out;
  }
  return value;
}

/**
 * The canonical text: 2-space indented with a final newline (for files and review), or compact (for
 * the API). U+2028 and U+2029 are escaped so the text is also safe to embed in JavaScript.
 */
export function canonicalJson(value: JsonValue, options: { compact?: boolean } = {}): string {
  const text = JSON.stringify(canonicalize(value), null, options.compact ? undefined : 2).replace(
    /[\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16)}`,
  );
  return options.compact ? text : `${text}\n`;
}

/** Deep equality of two JSON values, ignoring object key order. */
export function jsonEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonEqual(item, b[i] as JsonValue));
  }
  if (isJsonObject(a) && isJsonObject(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key] as JsonValue, b[key] as JsonValue));
  }
  return false;
}

/** An RFC 6901 JSON pointer for a path of keys and indexes. */
export function jsonPointer(path: readonly (string | number)[]): string {
  return path.map((part) => `/${String(part).replace(/~/g, "~0").replace(/\//g, "~1")}`).join("");
}
