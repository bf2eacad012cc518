// Shared by this package's tests; excluded from the build (tsconfig.build.json: src/**/test-support.ts).
import { type AwsClients, createAwsClients } from "@cvk/core";
import { createSandbox, SANDBOX_ENDPOINT, type Sandbox, type SandboxOptions } from "@cvk/harness";
import { setupServer } from "msw/node";

export interface TestSandbox {
  sandbox: Sandbox;
  /** cvk's own clients (real SDK, no pacing, no retries) served in-process by the sandbox. */
  clients: AwsClients;
  /** Write calls the sandbox has answered so far (its request log), for "no writes" assertions. */
  writes(): { operation: string; status: number }[];
  stop(): Promise<void>;
}

export async function startTestSandbox(
  options: SandboxOptions = {},
  region = "us-west-2",
): Promise<TestSandbox> {
  const sandbox = createSandbox(options);
  const server = setupServer(...sandbox.handlers);
  server.listen({ onUnhandledRequest: "error" });
  const clients = await createAwsClients({
    region,
    endpoint: SANDBOX_ENDPOINT,
    credentials: { accessKeyId: "AKIDSANDBOX", secretAccessKey: "sandbox-secret" },
    limiter: false,
    maxAttempts: 1,
    inProcess: true,
  });
  return {
    sandbox,
    clients,
    writes: () =>
      sandbox.log.entries({ write: true }).map(({ operation, status }) => ({ operation, status })),
    async stop() {
      clients.destroy();
      server.close();
      sandbox.close();
    },
  };
}
