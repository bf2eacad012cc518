import { type Clock, systemClock } from "@cvk/core";
import { type HttpHandler, http } from "msw";
import { createConnectService } from "./connect/index.ts";
import { type FaultConfig, FaultInjector } from "./faults.ts";
import { QuotaEnforcer } from "./quota-enforcer.ts";
import { RequestLog } from "./request-log.ts";
import { SandboxRouter } from "./router.ts";
import { createS3Service } from "./s3/index.ts";
import type { JobProgression, ServiceContext } from "./service-context.ts";
import { SandboxStore } from "./store.ts";
import { createVoiceIdService } from "./voice-id/index.ts";

export interface SandboxOptions {
  /** Keep state in this directory (durable, survives restarts); default: a temporary one. */
  dataDir?: string;
  /** Default: the system clock. Pass a ManualClock so tests step time instead of sleeping. */
  clock?: Clock;
  /** Account id in the ARNs the sandbox makes (default 123456789012). */
  accountId?: string;
  /** Region for requests that do not name one (default us-west-2). */
  region?: string;
  /** How batch jobs advance (default: immediate). */
  jobs?: JobProgression;
  faults?: FaultConfig;
  /** Answer requests beyond the documented per-API TPS quotas with throttling errors. */
  enforceQuotas?: boolean;
  /** Net speech needed to enroll (default 30 s, the documented figure). */
  minNetSpeechSeconds?: number;
  /**
   * Reuse a job request's audio analysis for the same content in a later request (default true).
   * False analyses every request in full, as the throughput benchmark needs.
   */
  cacheAudioAnalysis?: boolean;
}

/** The base URL in-process clients use; msw also answers for real AWS hosts (`*.amazonaws.com`). */
export const SANDBOX_ENDPOINT = "http://sandbox.cvk.localhost";

export interface Sandbox {
  /** msw handlers: `setupServer(...sandbox.handlers)` serves the real SDK clients in-process. */
  handlers: HttpHandler[];
  /** Fetch-style entry point used by the handlers and the loopback server. */
  handle(request: Request): Promise<Response>;
  engine: {
    voiceId: ReturnType<typeof createVoiceIdService>["engine"];
    s3: ReturnType<typeof createS3Service>["engine"];
    connect: ReturnType<typeof createConnectService>["engine"];
  };
  clock: Clock;
  faults: FaultInjector;
  log: RequestLog;
  store: SandboxStore;
  /** Settings for SDK clients talking to this sandbox in-process. */
  clientConfig(): {
    region: string;
    endpoint: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
  /** Releases the data directory (and deletes a temporary one). */
  close(): void;
}

function isSandboxHost(url: URL): boolean {
  return (
    url.origin === SANDBOX_ENDPOINT ||
    url.hostname.endsWith(".amazonaws.com") ||
    url.hostname === "amazonaws.com"
  );
}

export function createSandbox(options: SandboxOptions = {}): Sandbox {
  const clock = options.clock ?? systemClock;
  const store = SandboxStore.open(options.dataDir);
  const faults = new FaultInjector(options.faults);
  const log = new RequestLog();
  const context: ServiceContext = {
    clock,
    store,
    faults,
    accountId: options.accountId ?? "123456789012",
    defaultRegion: options.region ?? "us-west-2",
    jobs: options.jobs ?? { mode: "immediate" },
    minNetSpeechSeconds: options.minNetSpeechSeconds ?? 30,
    cacheAudioAnalysis: options.cacheAudioAnalysis ?? true,
  };
  const s3 = createS3Service(context);
  const voiceId = createVoiceIdService(context, s3.engine);
  const connect = createConnectService(context);
  context.voiceIdDomainExists = (arn) => voiceId.engine.findDomain(arn) !== undefined;
  const router = new SandboxRouter([voiceId.door, s3.door, connect.door], {
    clock,
    faults,
    log,
    quotas: options.enforceQuotas ? new QuotaEnforcer(clock) : undefined,
  });
  const handle = (request: Request) => router.handle(request);
  const handlers = [
    http.all(
      ({ request }) => isSandboxHost(new URL(request.url)),
      ({ request }) => handle(request),
    ),
  ];
  return {
    handlers,
    handle,
    engine: { voiceId: voiceId.engine, s3: s3.engine, connect: connect.engine },
    clock,
    faults,
    log,
    store,
    clientConfig: () => ({
      region: context.defaultRegion,
      endpoint: SANDBOX_ENDPOINT,
      credentials: { accessKeyId: "cvk-sandbox", secretAccessKey: "cvk-sandbox" },
    }),
    close: () => {
      // Stop job processing first: a durable store must not be written after its lock is released.
      voiceId.engine.close();
      store.close();
    },
  };
}
