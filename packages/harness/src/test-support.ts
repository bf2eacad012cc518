// Shared by this package's tests; excluded from the build (tsconfig.build.json).
import type { SandboxOptions } from "./sandbox.ts";
import { type StartedSandbox, startSandbox as start, type Transport } from "./testing.ts";

export { type StartedSandbox, TRANSPORTS, type Transport } from "./testing.ts";

/** The contract suites' form: the transport first. */
export function startSandbox(transport: Transport, options: SandboxOptions = {}): Promise<StartedSandbox> {
  return start({ ...options, transport });
}
