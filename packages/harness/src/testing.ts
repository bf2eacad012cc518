import { type AwsClients, createAwsClients } from "@cvk/core";
import { setupServer } from "msw/node";
import { createSandbox, SANDBOX_ENDPOINT, type Sandbox, type SandboxOptions } from "./sandbox.ts";
import { serveSandbox } from "./server.ts";

/**
 * How a test reaches the sandbox: in-process through msw (fast, no sockets), or through a real
 * loopback port (what `cvk sandbox serve` and any non-Node client use). Contract suites run both.
 */
export const TRANSPORTS = ["in-process", "server"] as const;
export type Transport = (typeof TRANSPORTS)[number];

export interface StartSandboxOptions extends SandboxOptions {
  /** Default "in-process". */
  transport?: Transport;
  /** Region of the clients (default us-west-2). */
  clientRegion?: string;
  /** Attempts per request of the clients (default 1: a test sees every error the sandbox gives). */
  maxAttempts?: number;
}

export interface StartedSandbox {
  sandbox: Sandbox;
  /** cvk's own clients (the real SDK; no pacing) pointed at the sandbox. */
  clients: AwsClients;
  /** The endpoint the clients use (SANDBOX_ENDPOINT in-process, else the loopback URL). */
  endpoint: string;
  stop(): Promise<void>;
}

/**
 * A sandbox and real SDK clients pointed at it, for a test (cvk's own and users' vitest suites):
 * `const { clients, sandbox, stop } = await startSandbox(); … await stop();`.
 */
export async function startSandbox(options: StartSandboxOptions = {}): Promise<StartedSandbox> {
  const {
    transport = "in-process",
    clientRegion = "us-west-2",
    maxAttempts = 1,
    ...sandboxOptions
  } = options;
  const sandbox = createSandbox(sandboxOptions);
  const credentials = { accessKeyId: "AKIDSANDBOX", secretAccessKey: "sandbox-secret" };
  if (transport === "in-process") {
    const server = setupServer(...sandbox.handlers);
    server.listen({ onUnhandledRequest: "error" });
    const clients = await createAwsClients({
      region: clientRegion,
      endpoint: SANDBOX_ENDPOINT,
      credentials,
      limiter: false,
      maxAttempts,
      // msw never answers `Expect: 100-continue` (toolchain-notes.md).
      inProcess: true,
    });
    return {
      sandbox,
      clients,
      endpoint: SANDBOX_ENDPOINT,
      async stop() {
        clients.destroy();
        server.close();
        sandbox.close();
      },
    };
  }
  const running = await serveSandbox(sandbox, { port: 0 });
  const clients = await createAwsClients({
    region: clientRegion,
    endpoint: running.url,
    credentials,
    limiter: false,
    maxAttempts,
  });
  return {
    sandbox,
    clients,
    endpoint: running.url,
    async stop() {
      clients.destroy();
      await running.close();
      sandbox.close();
    },
  };
}
