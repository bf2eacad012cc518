import {
  CVK_VERSION,
  checkCredentials,
  createAwsClients,
  describeCredentialSource,
  fromAwsError,
  type Resolved,
  resolveServiceEndpoints,
} from "@cvk/core";
import { DEFAULT_SANDBOX_DIR, openAwsSession } from "../aws-session.ts";
import type { CommandDefinition } from "../command.ts";
import type { CommandContext } from "../context.ts";

/** The Voice ID end-of-support notice (https://docs.aws.amazon.com/connect/latest/adminguide/amazonconnect-voiceid-end-of-support.html). */
export const VOICE_ID_NOTICE =
  "AWS ended Amazon Connect Voice ID on 2026-05-20: no AWS Voice ID endpoint remains. The Voice ID half of cvk runs on " +
  "its sandbox (--sandbox, `cvk sandbox serve`) or any Voice ID-compatible endpoint (--endpoint-url); the Connect half works against real Connect.";

const MIN_NODE = [20, 19] as const;

function nodeSupport(version: string): { ok: boolean; note: string } {
  const [major = 0, minor = 0] = version.replace(/^v/, "").split(".").map(Number);
  const ok = major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
  if (!ok) return { ok, note: `unsupported: cvk needs Node >= ${MIN_NODE.join(".")}` };
  if (major < 22) return { ok, note: "supported (AWS SDK releases after January 2027 need Node 22+)" };
  return { ok, note: "supported" };
}

function explain<T>(resolved: Resolved<T>, unset: string): string {
  if (resolved.value === undefined) return unset;
  return `${String(resolved.value)} (${resolved.source}${resolved.from ? `: ${resolved.from}` : ""})`;
}

/** The report as aligned `key  value` lines, then the Voice ID end-of-life notice. */
function printRows(output: CommandContext["output"], rows: [string, string][]): void {
  const width = Math.max(...rows.map(([key]) => key.length));
  for (const [key, value] of rows) output.line(`${key.padEnd(width)}  ${value}`);
  output.line();
  output.line(`notice: ${VOICE_ID_NOTICE}`);
}

export async function runDoctor(context: CommandContext): Promise<number> {
  const { output } = context;
  const settings = context.settings();
  const node = nodeSupport(process.version);
  const environment = settings.environment;

  const sandbox = settings.sandbox;
  if (sandbox) return doctorSandbox(context);
  const clients = await createAwsClients({
    ...(settings.region.value ? { region: settings.region.value } : { region: "us-east-1" }),
    ...(settings.profile.value ? { profile: settings.profile.value } : {}),
    ...(settings.endpointUrl.value ? { endpoint: settings.endpointUrl.value } : {}),
    limiter: false,
  });
  try {
    const endpoints = await resolveServiceEndpoints(clients);
    const credentialSource = describeCredentialSource(settings.profile.value, context.env);
    const credentials = await checkCredentials(clients);

    const report = {
      version: CVK_VERSION,
      node: { version: process.version, ...node },
      config: settings.configPath.value ?? null,
      environment: settings.envName.value ?? null,
      region: settings.region.value ?? null,
      regionSource: settings.region.source,
      profile: settings.profile.value ?? null,
      credentials: { source: credentialSource, ...credentials },
      endpoints,
      voiceIdDomain: environment?.config.voiceId?.domain ?? null,
      connectInstance: environment?.config.connect?.instanceId ?? null,
      notice: VOICE_ID_NOTICE,
    };
    output.data("doctor", report);

    const rows: [string, string][] = [
      ["cvk", CVK_VERSION],
      ["node", `${process.version} ${node.note}`],
      ["config", explain(settings.configPath, "none (no cvk.config.yaml; pass --config FILE)")],
      ["environment", explain(settings.envName, "none (pass --env NAME)")],
      ["region", explain(settings.region, "not set (pass --region or set region in the config)")],
      ["profile", explain(settings.profile, "none (SDK default chain)")],
      [
        "credentials",
        credentials.ok
          ? `${credentialSource}${"accessKeyId" in credentials && credentials.accessKeyId ? `, key ${credentials.accessKeyId}` : ""}`
          : `not resolved via ${credentialSource}: ${"error" in credentials ? credentials.error : ""}`,
      ],
      ["voiceid endpoint", endpoints.voiceId],
      ["connect endpoint", endpoints.connect],
      ["s3 endpoint", endpoints.s3],
    ];
    if (environment) {
      const domain = environment.config.voiceId?.domain;
      rows.push(["voice id domain", domain ? (domain.id ?? domain.name ?? "(unnamed)") : "not configured"]);
      rows.push(["connect instance", environment.config.connect?.instanceId ?? "not configured"]);
    }
    printRows(output, rows);
    if (!credentials.ok)
      output.warn("AWS credentials did not resolve; commands that call AWS will fail until they do.");
    return 0;
  } finally {
    clients.destroy();
  }
}

/** With --sandbox: start the embedded sandbox as any command would, and check that it answers. */
async function doctorSandbox(context: CommandContext): Promise<number> {
  const { output } = context;
  const settings = context.settings();
  const node = nodeSupport(process.version);
  const session = await openAwsSession(settings);
  try {
    const [{ ListDomainsCommand }, { ListInstancesCommand }] = await Promise.all([
      import("@aws-sdk/client-voice-id"),
      import("@aws-sdk/client-connect"),
    ]);
    const domains = await session.clients.voiceId.send(new ListDomainsCommand({ MaxResults: 10 }));
    const instances = await session.clients.connect.send(new ListInstancesCommand({}));
    const report = {
      version: CVK_VERSION,
      node: { version: process.version, ...node },
      environment: settings.envName.value ?? null,
      sandbox: {
        endpoint: session.endpoint,
        dataDir: DEFAULT_SANDBOX_DIR,
        domains: domains.DomainSummaries?.length ?? 0,
        connectInstances: (instances.InstanceSummaryList ?? []).map((i) => i.InstanceAlias),
      },
      notice: VOICE_ID_NOTICE,
    };
    output.data("doctor", report);
    const rows: [string, string][] = [
      ["cvk", CVK_VERSION],
      ["node", `${process.version} ${node.note}`],
      ["environment", explain(settings.envName, "none")],
      ["sandbox", `embedded, answering on ${session.endpoint} (state in ${DEFAULT_SANDBOX_DIR})`],
      ["voice id domains", String(report.sandbox.domains)],
      ["connect instances", report.sandbox.connectInstances.join(", ")],
      ["credentials", "none needed (sandbox)"],
    ];
    printRows(output, rows);
    return 0;
  } catch (error) {
    throw fromAwsError(error, { operation: "sandbox check" });
  } finally {
    await session.close();
  }
}

export const doctorCommand: CommandDefinition = {
  command: "doctor",
  describe: "Show the resolved environment, region, credential source, endpoints and Node support",
  examples: [
    ["$0 doctor --env dev", "Check what cvk will use for dev (reads ./cvk.config.yaml)"],
    ["$0 doctor --env prod --config fixtures/cvk.config.example.yaml --json", "The same for prod, as JSON"],
    ["$0 doctor --sandbox", "Check the embedded sandbox setup"],
  ],
  run: runDoctor,
};
