// Shared by this package's tests; excluded from the build (tsconfig.build.json).
import { type AwsClients, createAwsClients } from "@cvk/core";
import { setupServer } from "msw/node";
import { createSandbox, SANDBOX_ENDPOINT, type Sandbox, type SandboxOptions } from "./sandbox.ts";
import { serveSandbox } from "./server.ts";

/** Every contract suite runs twice: in-process through msw, and through a real loopback port. */
export const TRANSPORTS = ["in-process", "server"] as const;
export type Transport = (typeof TRANSPORTS)[number];

export interface StartedSandbox {
  sandbox: Sandbox;
  /** Real SDK clients (no retries, no pacing) pointed at the sandbox. */
  clients: AwsClients;
  endpoint: string;
  stop(): Promise<void>;
}

export async function startSandbox(
  transport: Transport,
  options: SandboxOptions = {},
): Promise<StartedSandbox> {
  const sandbox = createSandbox(options);
  const credentials = { accessKeyId: "AKIDSANDBOX", secretAccessKey: "sandbox-secret" };
  if (transport === "in-process") {
    const server = setupServer(...sandbox.handlers);
    server.listen({ onUnhandledRequest: "error" });
    const clients = await createAwsClients({
      region: "us-west-2",
      endpoint: SANDBOX_ENDPOINT,
      credentials,
      limiter: false,
      maxAttempts: 1,
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
    region: "us-west-2",
    endpoint: running.url,
    credentials,
    limiter: false,
    maxAttempts: 1,
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
