import { createRequire } from "node:module";
import type { ConnectClient } from "@aws-sdk/client-connect";
import type { S3Client } from "@aws-sdk/client-s3";
import type { VoiceIDClient, VoiceIDClientConfig } from "@aws-sdk/client-voice-id";
import type { BuildMiddleware, FinalizeRequestMiddleware, MetadataBearer } from "@smithy/types";
import { isThrottlingError } from "./aws-errors.ts";
import { type QuotaLimiter, sharedQuotaLimiter } from "./quota-limiter.ts";
import { CVK_VERSION } from "./version.ts";

export interface AwsClientOptions {
  /** Falls back to the SDK's own resolution (AWS_REGION, the profile's region). */
  region?: string;
  /** A named profile from the shared config files (SSO profiles included). */
  profile?: string;
  /** One endpoint for Voice ID, Connect and S3, e.g. a sandbox on http://127.0.0.1:4599. */
  endpoint?: string;
  /** Explicit credentials; otherwise the SDK's default chain (env, profiles, SSO, container, IMDS). */
  credentials?: VoiceIDClientConfig["credentials"];
  /** Pace every request through this limiter; `false` turns pacing off. Defaults to the shared one. */
  limiter?: QuotaLimiter | false;
  /** Total attempts per request, first one included (SDK default 3). */
  maxAttempts?: number;
  /**
   * The requests are served in-process (msw): no `Expect: 100-continue`, which an interceptor never
   * answers, so each large S3 upload would stall for seconds (toolchain-notes.md).
   */
  inProcess?: boolean;
  /**
   * Resolve each command's middleware stack once per client rather than per request (the SDK's
   * `cacheMiddleware`): a bulk upload sends thousands of PutObjects, and resolving the stack was
   * ~20% of the uploading client's CPU (bench/upload.bench.ts). Middleware added to a client after
   * its first request is then ignored, so it is off unless asked for; the CLI turns it on.
   */
  cacheMiddleware?: boolean;
}

export interface AwsClients {
  voiceId: VoiceIDClient;
  connect: ConnectClient;
  s3: S3Client;
  /** Releases the clients' sockets. */
  destroy(): void;
}

type AnyClient = VoiceIDClient | ConnectClient | S3Client;

/**
 * Adds quota pacing around every attempt (inside the SDK's retry loop, so retries are paced too) and
 * feeds throttling responses back to the limiter.
 */
function addQuotaPacing(client: AnyClient, service: string, limiter: QuotaLimiter): void {
  // biome-ignore lint/suspicious/noExplicitAny: the pacing step is the same for every command's input type.
  const pacing: FinalizeRequestMiddleware<any, MetadataBearer> = (next, context) => async (args) => {
    const operation = (context.commandName ?? "Unknown").replace(/Command$/, "");
    const key = `${service}:${operation}`;
    await limiter.acquire(key);
    try {
      const result = await next(args);
      limiter.onSuccess(key);
      return result;
    } catch (error) {
      if (isThrottlingError(error)) limiter.onThrottle(key);
      throw error;
    }
  };
  (client.middlewareStack as { add: (m: typeof pacing, o: object) => void }).add(
    pacing,
    // finalizeRequest at low priority runs inside the retry middleware (high priority, same step).
    { step: "finalizeRequest", priority: "low", name: "cvkQuotaPacing", override: true },
  );
}

/**
 * Uses a request's own SHA-256 checksum as its SigV4 payload hash. On plain-HTTP endpoints (a
 * sandbox, a compatible endpoint on loopback) the SDK signs the payload, hashing the whole body a
 * second time; when the caller already sends `ChecksumSHA256` (PutObject, UploadPart: the digest of
 * exactly the bytes sent), that digest is the payload hash, in hex
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html). The signer takes
 * an x-amz-content-sha256 already present instead of computing one.
 */
function addPayloadHashFromChecksum(client: S3Client): void {
  // biome-ignore lint/suspicious/noExplicitAny: PutObject and UploadPart inputs both carry ChecksumSHA256.
  const payloadHash: BuildMiddleware<any, MetadataBearer> = (next) => async (args) => {
    const checksum = (args.input as { ChecksumSHA256?: unknown }).ChecksumSHA256;
    const request = args.request as { headers?: Record<string, string>; body?: unknown };
    if (
      typeof checksum === "string" &&
      request.headers &&
      request.headers["x-amz-content-sha256"] === undefined &&
      // A buffer is sent as is; a stream may go out aws-chunked, whose payload hash is not the body's.
      request.body instanceof Uint8Array
    ) {
      const digest = Buffer.from(checksum, "base64");
      if (digest.length === 32) request.headers["x-amz-content-sha256"] = digest.toString("hex");
    }
    return next(args);
  };
  (client.middlewareStack as { add: (m: typeof payloadHash, o: object) => void }).add(payloadHash, {
    step: "build",
    name: "cvkPayloadHashFromChecksum",
    override: true,
  });
}

// The SDK packages have no `exports` map, so `import()` loads their CommonJS build too: `require`
// gives the very same module instances, synchronously, which lets each client load on first use.
const requireSdk = createRequire(import.meta.url);

/**
 * The one place cvk constructs AWS SDK clients. Each SDK loads when its client is first used: the
 * three take ~0.6 s to import together (Connect alone ~0.3 s), which `cvk --help`, offline commands
 * and an enrollment run (no Connect) should not pay.
 */
export async function createAwsClients(options: AwsClientOptions = {}): Promise<AwsClients> {
  const common = {
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    // Standard retries (exponential backoff with jitter). Pacing is the quota limiter's job: it knows
    // each API's documented TPS and halves that API's rate on throttling. The SDK's "adaptive" mode
    // would add one more token bucket for the whole client, which a few throttles collapse for every
    // API at once (40 DescribeSpeaker calls took 35 s at 30% injected throttling).
    retryMode: "standard",
    // A run makes thousands of calls and must survive bursts of throttling and 5xx: at a 25% error
    // rate a chain of 5 attempts still fails once per ~1,000 calls, one of 8 once per ~65,000.
    maxAttempts: options.maxAttempts ?? 8,
    customUserAgent: [["cvk", CVK_VERSION]] as [string, string][],
    ...(options.cacheMiddleware ? { cacheMiddleware: true } : {}),
  };
  const limiter = options.limiter === undefined ? sharedQuotaLimiter() : options.limiter;
  const paced = <C extends AnyClient>(client: C, service: string): C => {
    if (limiter) addQuotaPacing(client, service, limiter);
    return client;
  };
  let voiceId: VoiceIDClient | undefined;
  let connect: ConnectClient | undefined;
  let s3: S3Client | undefined;
  return {
    // The SDK is required only when its client is first built: a `require` per access is a module
    // resolution on every call site (the upload loop reads `clients.s3` per run, others per request).
    get voiceId() {
      voiceId ??= paced(
        new (
          requireSdk("@aws-sdk/client-voice-id") as typeof import("@aws-sdk/client-voice-id")
        ).VoiceIDClient(common),
        "voiceid",
      );
      return voiceId;
    },
    get connect() {
      connect ??= paced(
        new (requireSdk("@aws-sdk/client-connect") as typeof import("@aws-sdk/client-connect")).ConnectClient(
          common,
        ),
        "connect",
      );
      return connect;
    },
    get s3() {
      if (s3) return s3;
      s3 = paced(
        new (requireSdk("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3")).S3Client({
          ...common,
          // S3 scales per prefix (3,500 PUT/s each) and asks clients to back off and retry on
          // SlowDown (https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html):
          // per-request backoff, as above. (Under adaptive mode, 32 uploads in flight with 20%
          // injected throttling fell to ~2 uploads/s.)
          // Bucket names as hosts do not resolve against an explicit endpoint (a sandbox on 127.0.0.1).
          forcePathStyle: options.endpoint !== undefined,
          ...(options.inProcess ? { expectContinueHeader: false } : {}),
        }),
        "s3",
      );
      addPayloadHashFromChecksum(s3);
      return s3;
    },
    destroy() {
      voiceId?.destroy();
      connect?.destroy();
      s3?.destroy();
    },
  };
}

export interface ServiceEndpoints {
  voiceId: string;
  connect: string;
  s3: string;
}

/** The URLs the clients will call, as the SDK's own endpoint rules resolve them (for `cvk doctor`). */
export async function resolveServiceEndpoints(clients: AwsClients): Promise<ServiceEndpoints> {
  const region = await clients.voiceId.config.region();
  const base = { Region: region, UseFIPS: false, UseDualStack: false };
  const explicit = clients.voiceId.config.endpoint ? await clients.voiceId.config.endpoint() : undefined;
  if (explicit) {
    const url = `${explicit.protocol}//${explicit.hostname}${explicit.port ? `:${explicit.port}` : ""}${explicit.path}`;
    return { voiceId: url, connect: url, s3: url };
  }
  return {
    voiceId: clients.voiceId.config.endpointProvider(base).url.href,
    connect: clients.connect.config.endpointProvider(base).url.href,
    s3: clients.s3.config.endpointProvider({
      ...base,
      ForcePathStyle: false,
      Accelerate: false,
      UseArnRegion: false,
    }).url.href,
  };
}
