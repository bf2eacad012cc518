import type { ConnectClient } from "@aws-sdk/client-connect";
import {
  type ConfiguredFlow,
  describeConnectInstance,
  diffFlows,
  findNameReferences,
  formatFlowDiff,
  type JsonValue,
  loadReferenceCatalog,
  type ReferenceKind,
  type RenderedFlow,
  renderConfiguredFlow,
} from "@cvk/contact-flow";
import {
  type CvkError,
  type CvkEventListener,
  type EnvironmentConfig,
  isCvkError,
  stepReporter,
} from "@cvk/core";
import {
  CONFIGURED_FIELDS,
  flowSettings,
  sameFieldValue,
  VOICE_ID_FIELDS,
  type VoiceIdField,
} from "./flow-settings.ts";
import type { VerificationCheck } from "./report.ts";
import { type ReadRetryOptions, readWithRetry } from "./retry.ts";

/**
 * Flow checks for one environment, per flow in `connect.flows`: it exists (with its type), it is
 * published with no unpublished changes, its content means the same as what `cvk flow render`
 * produces for the environment (@cvk/contact-flow's render and semantic diff, layout ignored), its
 * Set Voice ID block carries the configured thresholds, and it sets the Customer ID as configured.
 *
 * "Published" is read the way Connect defines it: DescribeContactFlow on the plain id is the
 * published flow (ContactFlowNotPublishedException before the first publish) and on `<id>:$SAVED`
 * the latest content, whose Status is SAVED while it has unpublished changes
 * (https://docs.aws.amazon.com/connect/latest/APIReference/API_DescribeContactFlow.html).
 * The content checks look at what callers get: the published content, or the saved content for a
 * flow configured `publish: false` (or never published).
 */

export interface VerifyFlowsOptions {
  connect: ConnectClient;
  instanceId: string;
  flows: readonly ConfiguredFlow[];
  /** The environment's merged config (template parameters from config keys; configured thresholds). */
  config: EnvironmentConfig;
  /** Where templates and relative paths are looked up (the config file's folder). */
  baseDir: string;
  retry?: ReadRetryOptions;
  onEvent?: CvkEventListener;
}

/** A check id part from a flow name: lower case, runs of other characters as one `-`. */
export function flowSlug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "") || "flow"
  );
}

interface Revision {
  content: JsonValue | undefined;
  status?: string;
  state?: string;
}

const DIFF_LINES = 15;

export async function verifyFlows(options: VerifyFlowsOptions): Promise<VerificationCheck[]> {
  const { connect } = options;
  const sdk = await import("@aws-sdk/client-connect");
  const report = stepReporter("verify flow", options.onEvent);
  const scope = await readWithRetry(
    () => describeConnectInstance(connect, options.instanceId),
    { operation: "Connect.DescribeInstance", resource: `instance ${options.instanceId}` },
    options.retry,
  );
  report.started(options.flows.length, `${options.flows.length} flow(s) on instance ${scope.instanceId}`);

  // Render offline first: the Voice ID and Customer ID expectations need no instance, and the names
  // referenced say which of the instance's resources to list for the resolved render.
  const offline = new Map<string, RenderedFlow>();
  const kinds = new Set<ReferenceKind>(["flow"]);
  for (const flow of options.flows) {
    const rendered = renderConfiguredFlow({ flow, config: options.config, baseDir: options.baseDir });
    offline.set(flow.name, rendered);
    for (const reference of findNameReferences(rendered.rendered.document)) kinds.add(reference.kind);
  }
  const catalog = await readWithRetry(
    () => loadReferenceCatalog(connect, scope, kinds),
    { operation: "Connect.List*", resource: `instance ${scope.instanceId}` },
    options.retry,
  );

  const describe = async (flowId: string, name: string): Promise<Revision | "not-published"> => {
    try {
      const { ContactFlow } = await readWithRetry(
        () =>
          connect.send(
            new sdk.DescribeContactFlowCommand({ InstanceId: scope.instanceId, ContactFlowId: flowId }),
          ),
        { operation: "Connect.DescribeContactFlow", resource: `flow "${name}"` },
        options.retry,
      );
      let content: JsonValue | undefined;
      try {
        content =
          ContactFlow?.Content === undefined ? undefined : (JSON.parse(ContactFlow.Content) as JsonValue);
      } catch {
        content = undefined;
      }
      return {
        content,
        ...(ContactFlow?.Status ? { status: ContactFlow.Status } : {}),
        ...(ContactFlow?.State ? { state: ContactFlow.State } : {}),
      };
    } catch (error) {
      if ((error as CvkError).details?.awsErrorName === "ContactFlowNotPublishedException")
        return "not-published";
      throw error;
    }
  };

  const checks: VerificationCheck[] = [];
  for (const [index, flow] of options.flows.entries()) {
    const slug = flowSlug(flow.name);
    const label = `flow "${flow.name}"`;
    const check = (
      part: string,
      name: string,
      status: VerificationCheck["status"],
      summary: string,
      details: string[] = [],
    ): VerificationCheck => ({
      id: `flow.${slug}.${part}`,
      section: "flow",
      name: `${label}: ${name}`,
      status,
      summary,
      details,
    });
    const names = {
      exists: `exists on instance ${scope.instanceId}`,
      published: "is published, with no unpublished changes",
      content: "means the same as `cvk flow render` for this environment",
      voiceId: "has the Voice ID blocks with the configured settings",
      customerId: "sets the Customer ID as configured",
    };
    const type = flow.type ?? "CONTACT_FLOW";
    const matches = catalog.find("flow", flow.name);
    const deployed = matches[0];
    if (!deployed) {
      checks.push(
        check("exists", names.exists, "fail", `no flow named "${flow.name}" on the instance`, [
          "hint: deploy it with `cvk flow deploy`.",
        ]),
      );
      for (const [part, name] of [
        ["published", names.published],
        ["content", names.content],
        ["voice-id", names.voiceId],
        ["customer-id", names.customerId],
      ] as const) {
        checks.push(check(part, name, "skip", "the flow does not exist"));
      }
      continue;
    }
    const wrongType = deployed.type !== undefined && deployed.type !== type;
    checks.push(
      check(
        "exists",
        names.exists,
        wrongType ? "fail" : "pass",
        wrongType ? `exists as a ${deployed.type} flow, not ${type}` : `${deployed.id} (${type})`,
        matches.length > 1 ? [`${matches.length} flows share the name; checked ${deployed.id}`] : [],
      ),
    );

    const saved = await describe(`${deployed.id}:$SAVED`, flow.name);
    const savedRevision: Revision = saved === "not-published" ? { content: undefined } : saved;
    const publish = flow.publish !== false;
    let target: Revision = savedRevision;
    let targetLabel = "saved content";
    if (!publish) {
      checks.push(
        check("published", names.published, "skip", "configured publish: false (saved content checked)"),
      );
    } else {
      const published = await describe(deployed.id, flow.name);
      if (published === "not-published") {
        checks.push(
          check("published", names.published, "fail", "the flow has never been published", [
            "hint: `cvk flow deploy --publish` publishes it (Connect validates it then).",
          ]),
        );
        targetLabel = "saved content (never published)";
      } else {
        target = published;
        targetLabel = "published content";
        const problems: string[] = [];
        if (savedRevision.status === "SAVED")
          problems.push("it has unpublished changes (its saved content is newer)");
        if ((published.state ?? savedRevision.state) === "ARCHIVED")
          problems.push("it is ARCHIVED: contacts will not run it");
        checks.push(
          check(
            "published",
            names.published,
            problems.length === 0 ? "pass" : "fail",
            problems.length === 0
              ? "published; saved and published content are the same version"
              : problems.join("; "),
            problems.length === 0
              ? []
              : ["hint: `cvk flow diff` shows the saved changes; `cvk flow deploy --publish` publishes."],
          ),
        );
      }
    }

    // Content: the environment's render, references resolved on this instance, against `target`.
    let resolved: RenderedFlow | undefined;
    try {
      resolved = renderConfiguredFlow({ flow, config: options.config, baseDir: options.baseDir, catalog });
    } catch (error) {
      if (!isCvkError(error) || error.exitCode !== 1) throw error;
      checks.push(
        check("content", names.content, "fail", `cannot render for this instance: ${error.message}`, [
          ...((error.details?.problems as string[] | undefined) ?? []).slice(0, DIFF_LINES),
          ...(error.hint ? [`hint: ${error.hint}`] : []),
        ]),
      );
    }
    if (resolved) {
      if (target.content === undefined) {
        checks.push(check("content", names.content, "fail", `the ${targetLabel} is empty or not JSON`));
      } else {
        const diff = diffFlows(target.content, resolved.resolution.document);
        const lines = formatFlowDiff(diff).trimEnd().split("\n");
        checks.push(
          check(
            "content",
            names.content,
            diff.identical ? "pass" : "fail",
            diff.identical
              ? `the ${targetLabel} matches the render${diff.ignoredLayoutChanges > 0 ? ` (${diff.ignoredLayoutChanges} layout-only difference(s) ignored)` : ""}`
              : `the ${targetLabel} differs from the render in ${diff.changes.length} place(s) (deployed → rendered)`,
            diff.identical
              ? []
              : [
                  ...lines.slice(0, DIFF_LINES),
                  ...(lines.length > DIFF_LINES ? [`… and ${lines.length - DIFF_LINES} more`] : []),
                  "hint: `cvk flow deploy` writes the rendered content.",
                ],
          ),
        );
      }
    }

    const expected = flowSettings((offline.get(flow.name) as RenderedFlow).rendered.document);
    const actual = flowSettings(target.content);
    checks.push(voiceIdCheck(check, names.voiceId, expected, actual, options.config, targetLabel));
    checks.push(customerIdCheck(check, names.customerId, expected, actual, targetLabel));
    report.progress(index + 1, options.flows.length, flow.name);
  }
  report.finished(undefined, { flows: options.flows.length });
  return checks;
}

type CheckFactory = (
  part: string,
  name: string,
  status: VerificationCheck["status"],
  summary: string,
  details?: string[],
) => VerificationCheck;

function voiceIdCheck(
  check: CheckFactory,
  name: string,
  expected: ReturnType<typeof flowSettings>,
  actual: ReturnType<typeof flowSettings>,
  config: EnvironmentConfig,
  targetLabel: string,
): VerificationCheck {
  if (!expected.hasSetVoiceId && !expected.hasStartStream) {
    return check("voice-id", name, "skip", "the rendered flow has no Voice ID block");
  }
  const problems: string[] = [];
  if (expected.hasSetVoiceId && !actual.hasSetVoiceId)
    problems.push("no Set Voice ID block (UpdateContactData with Voice ID fields)");
  if (expected.hasStartStream && !actual.hasStartStream) problems.push("no StartVoiceIdStream action");
  const notes: string[] = [];
  for (const field of VOICE_ID_FIELDS) {
    const rendered = expected.voiceId[field];
    if (rendered === undefined) continue;
    const configured = CONFIGURED_FIELDS[field as VoiceIdField];
    const fromConfig = configured?.read(config);
    const want = fromConfig === undefined ? rendered : String(fromConfig);
    const source = fromConfig === undefined ? "the render" : `${configured?.key} in cvk.config.yaml`;
    if (fromConfig !== undefined && !sameFieldValue(field, rendered, want))
      notes.push(
        `the render sets ${field} ${rendered}: the flow's parameters override ${configured?.key} (${want})`,
      );
    const have = actual.voiceId[field];
    if (have === undefined) problems.push(`${field} is not set (expected ${want}, from ${source})`);
    else if (!sameFieldValue(field, have, want))
      problems.push(`${field} is ${have}, expected ${want} (from ${source})`);
  }
  if (problems.length === 0) {
    const shown = (
      ["VoiceAuthenticationThreshold", "FraudDetectionThreshold", "VoiceAuthenticationResponseTime"] as const
    )
      .filter((field) => actual.voiceId[field] !== undefined)
      .map((field) => `${field} ${actual.voiceId[field]}`);
    return check(
      "voice-id",
      name,
      "pass",
      `Set Voice ID and StartVoiceIdStream present${shown.length > 0 ? `; ${shown.join(", ")}` : ""}`,
      notes,
    );
  }
  return check(
    "voice-id",
    name,
    "fail",
    `the ${targetLabel}: ${problems[0]}${problems.length > 1 ? ` (+${problems.length - 1} more)` : ""}`,
    [...problems, ...notes, "hint: `cvk flow deploy --env NAME` writes the configured settings."],
  );
}

function customerIdCheck(
  check: CheckFactory,
  name: string,
  expected: ReturnType<typeof flowSettings>,
  actual: ReturnType<typeof flowSettings>,
  targetLabel: string,
): VerificationCheck {
  if (expected.customerIds.length === 0)
    return check("customer-id", name, "skip", "the rendered flow sets no Customer ID");
  const missing = expected.customerIds.filter((id) => !actual.customerIds.includes(id));
  if (missing.length === 0)
    return check("customer-id", name, "pass", `Customer ID ← ${expected.customerIds.join(", ")}`);
  return check(
    "customer-id",
    name,
    "fail",
    `the ${targetLabel} sets the Customer ID from ${actual.customerIds.length === 0 ? "nothing" : actual.customerIds.join(", ")}, not ${missing.join(", ")}`,
    ["Voice ID looks the caller up by this CustomerSpeakerId; `cvk flow deploy` writes the configured one."],
  );
}
