import type { ConnectClient } from "@aws-sdk/client-connect";
import type { VoiceIDClient } from "@aws-sdk/client-voice-id";
import type { ConfiguredFlow, VoiceIdDomainSpec } from "@cvk/contact-flow";
import { CvkError, type CvkEventListener, type EnvironmentSelection } from "@cvk/core";
import { type ExpectedSpeakers, readExpectedSpeakers } from "./expected.ts";
import { verifyFlows } from "./flows.ts";
import { verifyInstance } from "./instance.ts";
import type { SpeakerStrategy } from "./planner.ts";
import { buildReport, type VerificationCheck, type VerificationReport } from "./report.ts";
import type { ReadRetryOptions } from "./retry.ts";
import { guardSection, type SectionResult, speakerSection } from "./sections.ts";

/**
 * `cvk verify speakers|flow|instance|all` for one environment of cvk.config.yaml, as a library call:
 * what the CLI runs, and what `cvk migrate` runs as its last step. Returns the report; never prints,
 * never exits. Configuration problems throw CONFIG_INVALID / USAGE (exit code 2) before any AWS call;
 * an AWS failure in one section becomes that section's failed `<section>.error` check.
 */

const INSTANCE_ARN = /^arn:aws[a-z-]*:connect:[a-z0-9-]+:\d{12}:instance\/([^/]+)$/;

export type VerifyScope = "speakers" | "flow" | "instance" | "all";

export interface VerifyEnvironmentOptions {
  scope?: VerifyScope;
  /** The environment (from @cvk/core's selectEnvironment); optional for `speakers` alone. */
  environment?: EnvironmentSelection;
  clients: { voiceId: VoiceIDClient; connect: ConnectClient };
  /** The Connect instance id; default connect.instanceId (an ARN is reduced to its id). Needed for flow and instance. */
  instanceId?: string;
  /** Who should be enrolled: a path (see readExpectedSpeakers) or what it read. Needed for `speakers`. */
  expected?: string | ExpectedSpeakers;
  /** Overrides voiceId.domain (e.g. the domain id a migration just resolved). */
  domain?: VoiceIdDomainSpec;
  /** Only this flow of connect.flows. */
  flow?: string;
  strategy?: SpeakerStrategy | "auto";
  sample?: number;
  sampleSeed?: number;
  /** Show CustomerSpeakerIds in the report (default masked). */
  showIds?: boolean;
  retry?: ReadRetryOptions;
  onEvent?: CvkEventListener;
  /** Default Date.now (report timestamps). */
  now?: () => number;
}

function missingKey(environment: EnvironmentSelection, key: string, scope: VerifyScope): CvkError {
  const where = environment.source.locate(["environments", environment.name]);
  return new CvkError(
    "CONFIG_INVALID",
    `${where}: environments.${environment.name}.${key}: is required by cvk verify ${scope}`,
    { hint: `Set ${key} under environments.${environment.name} (or defaults) in cvk.config.yaml.` },
  );
}

function configuredDomain(
  environment: EnvironmentSelection | undefined,
  scope: VerifyScope,
  required: boolean,
): VoiceIdDomainSpec | undefined {
  const domain = environment?.config.voiceId?.domain;
  if (domain?.id || domain?.name)
    return { ...(domain.id ? { id: domain.id } : {}), ...(domain.name ? { name: domain.name } : {}) };
  if (required && environment) throw missingKey(environment, "voiceId.domain.name", scope);
  return undefined;
}

function selectFlows(environment: EnvironmentSelection, only: string | undefined): ConfiguredFlow[] {
  const flows = (environment.config.connect?.flows ?? []) as ConfiguredFlow[];
  if (only === undefined) return flows;
  const match = flows.filter((flow) => flow.name === only);
  if (match.length === 0) {
    throw new CvkError("USAGE", `--flow ${only}: no such flow in connect.flows of ${environment.name}`, {
      hint: `Use one of: ${flows.map((flow) => JSON.stringify(flow.name)).join(", ") || "(none configured)"}.`,
    });
  }
  return match;
}

function skipped(
  section: VerificationCheck["section"],
  id: string,
  name: string,
  summary: string,
  detail?: string,
): SectionResult {
  return {
    checks: [{ id, section, name, status: "skip", summary, details: detail ? [detail] : [] }],
    facts: {},
  };
}

export async function verifyEnvironment(options: VerifyEnvironmentOptions): Promise<VerificationReport> {
  const now = options.now ?? Date.now;
  const startedAt = now();
  const scope = options.scope ?? "all";
  const { environment } = options;
  const wantsSpeakers = scope === "speakers" || scope === "all";
  const wantsFlows = scope === "flow" || scope === "all";
  const wantsInstance = scope === "instance" || scope === "all";

  // Every configuration problem surfaces before the first AWS call.
  if ((wantsFlows || wantsInstance) && !environment) {
    throw new CvkError(
      "CONFIG_NOT_FOUND",
      `cvk verify ${scope} needs cvk.config.yaml (connect.instanceId, connect.flows)`,
      {
        hint: "Create ./cvk.config.yaml (see fixtures/cvk.config.example.yaml) or pass --config FILE, and --env NAME.",
      },
    );
  }
  const configuredInstance = environment?.config.connect?.instanceId;
  const instanceId =
    options.instanceId ??
    (configuredInstance ? (INSTANCE_ARN.exec(configuredInstance)?.[1] ?? configuredInstance) : undefined);
  if ((wantsFlows || wantsInstance) && environment && !instanceId) {
    throw missingKey(environment, "connect.instanceId", scope);
  }
  if (scope === "speakers" && options.expected === undefined) {
    throw new CvkError("USAGE", "cvk verify speakers needs --expected", {
      hint: "Pass --expected with an enrollment run directory (.cvk/runs/<plan id>), a Voice ID .out file, a caller list or a manifest.",
    });
  }
  if (options.sample !== undefined && (!Number.isInteger(options.sample) || options.sample < 0)) {
    throw new CvkError("USAGE", `--sample ${options.sample}: expected a whole number of callers`, {
      hint: "Pass --sample 50 to re-read 50 random callers with DescribeSpeaker.",
    });
  }
  const domain = options.domain ?? configuredDomain(environment, scope, wantsInstance);
  const flows = wantsFlows && environment ? selectFlows(environment, options.flow) : [];
  if (scope === "flow" && flows.length === 0 && environment)
    throw missingKey(environment, "connect.flows", scope);
  const expected =
    typeof options.expected === "string" ? await readExpectedSpeakers(options.expected) : options.expected;

  const { voiceId, connect } = options.clients;
  const sections: SectionResult[] = [];
  if (wantsSpeakers) {
    sections.push(
      expected
        ? await guardSection("speakers", "speakers", () =>
            speakerSection({
              voiceId,
              expected,
              ...(domain ? { domain } : {}),
              ...(options.strategy ? { strategy: options.strategy } : {}),
              ...(options.sample ? { sample: options.sample } : {}),
              ...(options.sampleSeed === undefined ? {} : { sampleSeed: options.sampleSeed }),
              ...(options.retry ? { retry: options.retry } : {}),
              ...(options.onEvent ? { onEvent: options.onEvent } : {}),
              showIds: options.showIds === true,
            }),
          )
        : skipped(
            "speakers",
            "speakers.expected",
            "The expected-speaker source names callers to verify",
            "no --expected given: speakers not verified",
            "Pass --expected with an enrollment run directory, a .out file, a caller list or a manifest.",
          ),
    );
  }
  if (wantsFlows && environment) {
    sections.push(
      flows.length === 0
        ? skipped(
            "flow",
            "flow.configured",
            "The environment declares flows to verify",
            `environment ${environment.name} declares no connect.flows`,
          )
        : await guardSection("flow", "flows", async () => ({
            checks: await verifyFlows({
              connect,
              instanceId: instanceId as string,
              flows,
              config: environment.config,
              baseDir: environment.baseDir,
              ...(options.retry ? { retry: options.retry } : {}),
              ...(options.onEvent ? { onEvent: options.onEvent } : {}),
            }),
            facts: { flows: flows.map((flow) => flow.name) },
          })),
    );
  }
  if (wantsInstance && environment && domain) {
    const watchlists = [
      environment.config.voiceId?.watchlist?.name,
      environment.config.enrollment?.fraudDetection?.watchlist,
    ].filter((name): name is string => name !== undefined);
    sections.push(
      await guardSection("instance", "instance", async () => {
        const result = await verifyInstance({
          connect,
          voiceId,
          instanceId: instanceId as string,
          domain,
          watchlists,
          ...(options.retry ? { retry: options.retry } : {}),
          ...(options.onEvent ? { onEvent: options.onEvent } : {}),
        });
        return {
          checks: result.checks,
          facts: {
            ...(result.instance ? { instance: result.instance } : {}),
            ...(result.domain ? { domain: result.domain } : {}),
          },
        };
      }),
    );
  }

  const facts: Record<string, unknown> = {};
  for (const section of sections) {
    const name = section.checks[0]?.section;
    if (name) facts[name] = section.facts;
  }
  return buildReport(
    sections.flatMap((section) => section.checks),
    {
      ...(environment ? { environment: environment.name } : {}),
      showIds: options.showIds === true,
      startedAt,
      now,
      facts,
    },
  );
}
