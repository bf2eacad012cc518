// Shared by this package's tests; excluded from the build (tsconfig.build.json: src/**/test-support.ts).
import type { AwsClients } from "@cvk/core";
import { type Sandbox, type SandboxOptions, startSandbox } from "@cvk/harness";

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
  const started = await startSandbox({ ...options, clientRegion: region });
  return {
    ...started,
    writes: () =>
      started.sandbox.log.entries({ write: true }).map(({ operation, status }) => ({ operation, status })),
  };
}
