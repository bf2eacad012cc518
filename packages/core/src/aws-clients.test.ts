import { createHash } from "node:crypto";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { ListDomainsCommand } from "@aws-sdk/client-voice-id";
import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createAwsClients } from "./aws-clients.ts";
import { QuotaLimiter } from "./quota-limiter.ts";
import { CVK_VERSION } from "./version.ts";

// A minimal wire-level endpoint: enough to see what the real SDK clients send.
const seen: {
  url: string;
  target: string | null;
  userAgent: string | null;
  payloadHash?: string | null;
}[] = [];
let throttleNext = 0;
const server = setupServer(
  http.post("http://127.0.0.1:4599/", ({ request }) => {
    seen.push({
      url: request.url,
      target: request.headers.get("x-amz-target"),
      userAgent: request.headers.get("user-agent"),
    });
    if (throttleNext > 0) {
      throttleNext -= 1;
      return HttpResponse.json({ __type: "ThrottlingException", message: "Rate exceeded" }, { status: 400 });
    }
    return HttpResponse.json({ DomainSummaries: [] });
  }),
  http.put("http://127.0.0.1:4599/*", ({ request }) => {
    seen.push({
      url: request.url,
      target: null,
      userAgent: request.headers.get("user-agent"),
      payloadHash: request.headers.get("x-amz-content-sha256"),
    });
    return new HttpResponse(null, { status: 200, headers: { etag: '"x"' } });
  }),
);

beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => {
  seen.length = 0;
  throttleNext = 0;
});
afterAll(() => server.close());

const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" };

/** Clients of the wire-level endpoint above, unpaced. */
function endpointClients(options: { cacheMiddleware?: boolean } = {}) {
  return createAwsClients({
    region: "us-west-2",
    endpoint: "http://127.0.0.1:4599",
    credentials,
    limiter: false,
    inProcess: true,
    ...options,
  });
}

describe("createAwsClients", () => {
  it("sends the cvk user agent and routes every service to an explicit endpoint", async () => {
    const clients = await createAwsClients({
      region: "us-west-2",
      endpoint: "http://127.0.0.1:4599",
      credentials,
      limiter: false,
    });
    await clients.voiceId.send(new ListDomainsCommand({}));
    expect(seen[0]?.target).toBe("VoiceID.ListDomains");
    expect(seen[0]?.userAgent).toContain(`cvk/${CVK_VERSION}`);
    clients.destroy();
  });

  it("retries with per-request backoff (pacing is the limiter's), 8 attempts unless told", async () => {
    const clients = await createAwsClients({ region: "us-west-2", credentials, limiter: false });
    const modeOf = async (client: { config: { retryStrategy(): Promise<unknown> } }) =>
      ((await client.config.retryStrategy()) as { mode?: string }).mode;
    expect(await modeOf(clients.voiceId)).toBe("standard");
    expect(await modeOf(clients.connect)).toBe("standard");
    expect(await modeOf(clients.s3)).toBe("standard");
    expect(await clients.s3.config.maxAttempts()).toBe(8);
    clients.destroy();
    const once = await createAwsClients({ region: "us-west-2", credentials, limiter: false, maxAttempts: 1 });
    expect(await once.voiceId.config.maxAttempts()).toBe(1);
    expect(await once.s3.config.maxAttempts()).toBe(1);
    once.destroy();
  });

  it("uses path-style S3 addressing with an explicit endpoint", async () => {
    const clients = await endpointClients();
    await clients.s3.send(new PutObjectCommand({ Bucket: "my-bucket", Key: "a/b.txt", Body: "hi" }));
    expect(new URL(seen[0]?.url ?? "").pathname).toBe("/my-bucket/a/b.txt");
    clients.destroy();
  });

  it("signs an S3 upload with its own ChecksumSHA256 as the payload hash, on every request", async () => {
    const clients = await endpointClients({ cacheMiddleware: true });
    const body = Buffer.from("a recording");
    const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest();
    const put = (checksum?: Buffer) =>
      clients.s3.send(
        new PutObjectCommand({
          Bucket: "b",
          Key: "k",
          Body: body,
          ...(checksum ? { ChecksumSHA256: checksum.toString("base64") } : {}),
        }),
      );
    // Without a checksum the signer hashes the body itself (plain HTTP signs the payload).
    await put();
    expect(seen[0]?.payloadHash).toBe(sha256(body).toString("hex"));
    await put(sha256(body));
    expect(seen[1]?.payloadHash).toBe(sha256(body).toString("hex"));
    // The header comes from the checksum, not from hashing the body again: a checksum of other
    // bytes shows through (S3 would answer XAmzContentSHA256Mismatch). The middleware stack is
    // resolved once per command (cacheMiddleware, as the CLI sets it) and still applies later.
    await put(sha256("other bytes"));
    expect(seen[2]?.payloadHash).toBe(sha256("other bytes").toString("hex"));
    clients.destroy();
  });

  it("paces requests through the limiter and reports throttling to it (retries succeed)", async () => {
    const limiter = new QuotaLimiter({ quotas: { "voiceid:*": { tps: 1000 } } });
    const clients = await createAwsClients({
      region: "us-west-2",
      endpoint: "http://127.0.0.1:4599",
      credentials,
      limiter,
    });
    throttleNext = 2;
    const result = await clients.voiceId.send(new ListDomainsCommand({}));
    expect(result.DomainSummaries).toEqual([]);
    // Three attempts on the wire, two of them throttled, each one through the limiter.
    expect(seen).toHaveLength(3);
    const stats = limiter.stats().find((s) => s.key === "voiceid:ListDomains");
    expect(stats?.throttles).toBe(2);
    expect(stats?.currentTps).toBeLessThan(1000);
    clients.destroy();
  });
});
