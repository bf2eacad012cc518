import { type AwsClients, CvkError, createAwsClients, type ResolvedSettings } from "@cvk/core";

/** The default home of the embedded sandbox's state, relative to the working directory. */
export const DEFAULT_SANDBOX_DIR = ".cvk/sandbox";

export interface AwsSession {
  clients: AwsClients;
  /** Where requests go: an AWS Region's endpoints, --endpoint-url, or the embedded sandbox's port. */
  endpoint: string | undefined;
  sandbox: boolean;
  /** The embedded sandbox itself (with --sandbox), e.g. to seed a configured Connect instance. */
  harness?: import("@cvk/harness").Sandbox;
  close(): Promise<void>;
}

/**
 * AWS clients for a command: real AWS (credential chain, --profile, --region), any --endpoint-url,
 * or --sandbox — the sandbox engine started in this process on an ephemeral loopback port with its
 * state in the data directory, so separate cvk invocations share state.
 */
export async function openAwsSession(
  settings: ResolvedSettings,
  options: { sandboxDir?: string } = {},
): Promise<AwsSession> {
  if (settings.sandbox) {
    // Loaded only when asked for: the sandbox pulls in msw and the audio analysis.
    const { createSandbox, serveSandbox } = await import("@cvk/harness");
    const sandbox = createSandbox({ dataDir: options.sandboxDir ?? DEFAULT_SANDBOX_DIR });
    const running = await serveSandbox(sandbox, { host: "127.0.0.1", port: 0 });
    const clients = await createAwsClients({
      region: settings.region.value ?? "us-west-2",
      endpoint: running.url,
      credentials: { accessKeyId: "cvk-sandbox", secretAccessKey: "cvk-sandbox" },
      // The CLI adds no middleware after a client's first request.
      cacheMiddleware: true,
    });
    return {
      clients,
      endpoint: running.url,
      sandbox: true,
      harness: sandbox,
      async close() {
        clients.destroy();
        await running.close();
        sandbox.close();
      },
    };
  }
  if (!settings.region.value) {
    throw new CvkError("CONFIG_INVALID", "No AWS Region is set", {
      hint: "Pass --region, set region in cvk.config.yaml for this environment, or export AWS_REGION.",
    });
  }
  const clients = await createAwsClients({
    region: settings.region.value,
    ...(settings.profile.value ? { profile: settings.profile.value } : {}),
    ...(settings.endpointUrl.value ? { endpoint: settings.endpointUrl.value } : {}),
    cacheMiddleware: true,
  });
  return {
    clients,
    endpoint: settings.endpointUrl.value,
    sandbox: false,
    async close() {
      clients.destroy();
    },
  };
}
