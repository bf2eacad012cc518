/**
 * List pagination as the model describes it: `MaxResults` (default 100; ListDomains 1–10) and an
 * opaque `NextToken` that "expires after 24 hours" and must be reused with "all other arguments
 * unchanged". The token is base64url JSON holding the listing it belongs to (`scope`), the sort key
 * of the last item returned and when it was issued; a token that does not decode, belongs to another
 * listing or has expired is a ValidationException.
 *
 * Paging by key rather than by offset keeps pages stable while items are added or deleted between
 * calls.
 */

import { invalid, VOICE_ID_LIMITS } from "./model.ts";

interface TokenBody {
  /** Which listing: operation and its arguments other than the page ones. */
  s: string;
  /** Sort key of the last item on the previous page. */
  k: string;
  /** Issued at (sandbox clock, ms). */
  t: number;
}

export interface PageRequest {
  MaxResults?: number;
  NextToken?: string;
}

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

function decode(token: string, scope: string, now: number): string {
  let body: TokenBody;
  try {
    body = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as TokenBody;
  } catch {
    throw invalid("The NextToken is invalid.");
  }
  if (
    typeof body !== "object" ||
    body === null ||
    typeof body.k !== "string" ||
    typeof body.t !== "number" ||
    body.s !== scope
  ) {
    throw invalid(
      "The NextToken is invalid: it does not belong to this request. Keep all other arguments unchanged when paging.",
    );
  }
  if (now - body.t > VOICE_ID_LIMITS.nextTokenLifetimeMs)
    throw invalid("The NextToken has expired (tokens last 24 hours).");
  return body.k;
}

function encode(scope: string, key: string, now: number): string {
  const body: TokenBody = { s: scope, k: key, t: now };
  return Buffer.from(JSON.stringify(body), "utf8").toString("base64url");
}

/** First index whose key sorts after `key` in `keys` (ascending). */
function firstAfter(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((keys[mid] as string) <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * One page of `sorted` (ascending by `keys`, which must be unique and parallel to `sorted`).
 * `defaultMax` is the page size when MaxResults is absent.
 */
export function paginate<T>(
  sorted: readonly T[],
  keys: readonly string[],
  request: PageRequest,
  scope: string,
  defaultMax: number,
  now: number,
): Page<T> {
  const max = request.MaxResults ?? defaultMax;
  const start = request.NextToken ? firstAfter(keys, decode(request.NextToken, scope, now)) : 0;
  const items = sorted.slice(start, start + max);
  const end = start + items.length;
  if (end >= sorted.length || items.length === 0) return { items };
  return { items, nextToken: encode(scope, keys[end - 1] as string, now) };
}

/** Keys that sort by creation time first, then by id (fixed width so strings compare as numbers). */
export function timeKey(createdAt: number, id: string): string {
  return `${String(createdAt).padStart(15, "0")}:${id}`;
}
