import type { ConnectClient } from "@aws-sdk/client-connect";
import {
  type ContactFlowType,
  CvkError,
  type CvkEventListener,
  fromAwsError,
  isNotFoundError,
  stepReporter,
} from "@cvk/core";
import { type LintFinding, lintFlow } from "@cvk/flow-language";
import { canonicalJson, type JsonValue, jsonEqual } from "./canonical.ts";
import { diffFlows, type FlowChange } from "./diff.ts";
import {
  assertResolved,
  type ConnectInstanceScope,
  describeConnectInstance,
  findNameReferences,
  loadReferenceCatalog,
  type ReferenceCatalog,
  type ReferenceKind,
  resolveReferences,
} from "./references.ts";

/**
 * Deploys flows by name, two-phase and idempotent (the pattern peers.md §3–4 arrives at):
 *
 * 1. Ensure: every flow missing from the instance is created with Status SAVED — "SAVED status does
 *    not initiate validation" (https://docs.aws.amazon.com/connect/latest/APIReference/API_CreateContactFlow.html) —
 *    so flows that reference each other by `flow:NAME` can all exist before any is validated. A flow
 *    whose content names another flow still to be created gets a one-action placeholder first.
 * 2. Content: each flow's rendered content (references resolved, linted) is compared by meaning with
 *    what is saved (DescribeContactFlow `<id>:$SAVED`) and written only if it differs: to `<id>:$SAVED`
 *    without publishing, or to the plain id to publish ("Use the $SAVED alias in the request to
 *    describe the SAVED content", https://docs.aws.amazon.com/connect/latest/APIReference/API_UpdateContactFlowContent.html).
 *    Publishing validates; InvalidContactFlowException's `problems` come back in full.
 *
 * Nothing is written when nothing changed; a dry run does every read and returns the writes it would make.
 */

export interface FlowToDeploy {
  name: string;
  /** ContactFlowType (default CONTACT_FLOW); an existing flow of another type is an error. */
  type?: ContactFlowType;
  description?: string;
  /** Publish the flow (validated by Connect); otherwise only its saved content is updated. */
  publish?: boolean;
  /** The rendered document, name references still unresolved. */
  document: JsonValue;
}

export interface DeployFlowsOptions {
  connect: ConnectClient;
  instanceId: string;
  flows: FlowToDeploy[];
  /** Overrides every flow's `publish` (the --publish flag). */
  publish?: boolean;
  dryRun?: boolean;
  /** Run the offline linter on each resolved flow and stop on errors before writing it (default true). */
  lint?: boolean;
  onEvent?: CvkEventListener;
}

export type DeployOperation = "CreateContactFlow" | "UpdateContactFlowContent" | "UpdateContactFlowMetadata";

export interface DeployWrite {
  flow: string;
  operation: DeployOperation;
  /** What the write does, in words. */
  summary: string;
  /** The flow's status after the write. */
  status?: "SAVED" | "PUBLISHED";
}

export interface FlowDeployment {
  name: string;
  id?: string;
  arn?: string;
  type: ContactFlowType;
  /** What deploy found: the flow was missing, or its content differs, or nothing to do. */
  outcome: "created" | "updated" | "published" | "unchanged";
  publish: boolean;
  /** Content changes against what was saved (every change, layout included); empty for a new flow. */
  changes: FlowChange[];
  writes: DeployWrite[];
  /** Lint warnings on the deployed content. */
  warnings: LintFinding[];
}

export interface DeployResult {
  instance: ConnectInstanceScope;
  dryRun: boolean;
  flows: FlowDeployment[];
  writes: DeployWrite[];
}

const PLACEHOLDER_ID = "cvk-placeholder";
/** A valid one-action flow: what a flow holds between phase 1 and phase 2 when it names a flow not yet created. */
const PLACEHOLDER: JsonValue = {
  Version: "2019-10-30",
  StartAction: PLACEHOLDER_ID,
  Metadata: {},
  Actions: [{ Identifier: PLACEHOLDER_ID, Type: "DisconnectParticipant", Parameters: {}, Transitions: {} }],
};

function lintOrThrow(name: string, content: string): LintFinding[] {
  const findings = lintFlow(content);
  const errors = findings.filter((finding) => finding.severity === "error");
  if (errors.length > 0) {
    const problems = errors.map(
      (f) =>
        `${f.pointer}${f.actionIdentifier ? ` (action ${f.actionIdentifier})` : ""}: ${f.message} [${f.rule}]`,
    );
    throw new CvkError(
      "FLOW_INVALID",
      `flow "${name}": the linter found ${errors.length} error(s): ${problems[0]}`,
      {
        hint: "Fix the template (`cvk flow lint` on the rendered file lists every finding), or pass --no-lint to let Connect judge it.",
        details: { problems, findings },
      },
    );
  }
  return findings.filter((finding) => finding.severity !== "error");
}

interface SavedState {
  content: JsonValue | undefined;
  status: string | undefined;
  description: string | undefined;
  state: string | undefined;
}

export async function deployFlows(options: DeployFlowsOptions): Promise<DeployResult> {
  const { connect, flows } = options;
  const dryRun = options.dryRun === true;
  const report = stepReporter("flow deploy", options.onEvent);
  const sdk = await import("@aws-sdk/client-connect");

  const seen = new Set<string>();
  for (const flow of flows) {
    if (seen.has(flow.name)) {
      throw new CvkError("CONFIG_INVALID", `The flow "${flow.name}" is listed twice`, {
        hint: "Flow names are unique per instance; give each connect.flows entry its own name.",
      });
    }
    seen.add(flow.name);
  }

  const scope = await describeConnectInstance(connect, options.instanceId);
  const kinds = new Set<ReferenceKind>(["flow"]);
  for (const flow of flows)
    for (const reference of findNameReferences(flow.document)) kinds.add(reference.kind);
  const catalog: ReferenceCatalog = await loadReferenceCatalog(connect, scope, kinds);
  report.started(flows.length, `${flows.length} flow(s) to instance ${scope.instanceId} (${scope.region})`);

  const missing = new Set(
    flows.filter((flow) => catalog.find("flow", flow.name).length === 0).map((f) => f.name),
  );
  const results = new Map<string, FlowDeployment>();
  const writes: DeployWrite[] = [];
  const lintEnabled = options.lint !== false;
  const linted = new Set<string>();

  // Check everything that can be checked before the first write: names, foreign ARNs, types, lint.
  for (const flow of flows) {
    const type = flow.type ?? "CONTACT_FLOW";
    const existing = catalog.find("flow", flow.name)[0];
    if (existing?.type && existing.type !== type) {
      throw new CvkError(
        "FLOW_CONFLICT",
        `The flow "${flow.name}" exists on instance ${scope.instanceId} as a ${existing.type} flow, not ${type}`,
        {
          hint: "A flow's type cannot change: set the config's type to match, or rename the flow to create a new one.",
        },
      );
    }
    const resolution = resolveReferences(flow.document, catalog, { pendingFlows: missing });
    assertResolved(resolution, `flow "${flow.name}"`);
    let warnings: LintFinding[] = [];
    if (lintEnabled && resolution.pending.length === 0) {
      warnings = lintOrThrow(flow.name, canonicalJson(resolution.document, { compact: true }));
      linted.add(flow.name);
    }
    results.set(flow.name, {
      name: flow.name,
      ...(existing ? { id: existing.id, arn: existing.arn } : {}),
      type,
      outcome: "unchanged",
      publish: options.publish ?? flow.publish ?? false,
      changes: [],
      writes: [],
      warnings,
    });
  }

  const record = (flow: string, write: DeployWrite): void => {
    writes.push(write);
    results.get(flow)?.writes.push(write);
    report.info(`${dryRun ? "would " : ""}${write.summary}`);
  };
  const saved = new Map<string, SavedState>();

  // Phase 1: create the missing flows as SAVED.
  for (const flow of flows) {
    if (!missing.has(flow.name)) continue;
    const result = results.get(flow.name) as FlowDeployment;
    result.outcome = "created";
    const resolution = resolveReferences(flow.document, catalog, { pendingFlows: missing });
    const content = resolution.pending.length === 0 ? resolution.document : PLACEHOLDER;
    const summary =
      content === PLACEHOLDER
        ? `create "${flow.name}" (SAVED, placeholder until the flows it names exist)`
        : `create "${flow.name}" (SAVED)`;
    record(flow.name, { flow: flow.name, operation: "CreateContactFlow", summary, status: "SAVED" });
    saved.set(flow.name, { content, status: "SAVED", description: flow.description, state: "ACTIVE" });
    if (dryRun) continue;
    try {
      const created = await connect.send(
        new sdk.CreateContactFlowCommand({
          InstanceId: scope.instanceId,
          Name: flow.name,
          Type: result.type,
          Content: canonicalJson(content, { compact: true }),
          Status: "SAVED",
          ...(flow.description ? { Description: flow.description } : {}),
        }),
      );
      result.id = created.ContactFlowId ?? "";
      result.arn = created.ContactFlowArn ?? "";
      catalog.add("flow", { name: flow.name, id: result.id, arn: result.arn, type: result.type });
    } catch (error) {
      throw fromAwsError(error, { operation: "Connect.CreateContactFlow", resource: `flow "${flow.name}"` });
    }
  }

  // Phase 2: write content (and publish) where it differs.
  for (const flow of flows) {
    const result = results.get(flow.name) as FlowDeployment;
    const resolution = resolveReferences(flow.document, catalog, dryRun ? { pendingFlows: missing } : {});
    assertResolved(resolution, `flow "${flow.name}"`);
    const desired = resolution.document;
    if (lintEnabled && resolution.pending.length === 0 && !linted.has(flow.name)) {
      result.warnings = lintOrThrow(flow.name, canonicalJson(desired, { compact: true }));
    }

    let current = saved.get(flow.name);
    if (!current && result.id) current = await describeSaved(connect, scope.instanceId, result.id, flow.name);
    const before = current?.content;
    if (before !== undefined && !missing.has(flow.name)) {
      result.changes = diffFlows(before, desired, { includeLayout: true }).changes;
    }
    const contentDiffers = before === undefined || !jsonEqual(before, desired);
    if (current?.state === "ARCHIVED") {
      report.warning(
        "FLOW_ARCHIVED",
        `flow "${flow.name}" is ARCHIVED; deploy updates it but contacts will not run it`,
      );
    }

    if (result.publish ? contentDiffers || current?.status !== "PUBLISHED" : contentDiffers) {
      const qualifier = result.publish ? "" : ":$SAVED";
      const summary = result.publish
        ? `publish "${flow.name}" (${contentDiffers || result.outcome === "created" ? describeChange(result) : "saved content not yet published"})`
        : `save "${flow.name}" (${describeChange(result)}; not published)`;
      record(flow.name, {
        flow: flow.name,
        operation: "UpdateContactFlowContent",
        summary,
        status: result.publish ? "PUBLISHED" : "SAVED",
      });
      if (result.outcome !== "created") result.outcome = result.publish ? "published" : "updated";
      if (!dryRun) {
        try {
          await connect.send(
            new sdk.UpdateContactFlowContentCommand({
              InstanceId: scope.instanceId,
              ContactFlowId: `${result.id}${qualifier}`,
              Content: canonicalJson(desired, { compact: true }),
            }),
          );
        } catch (error) {
          const failure = fromAwsError(error, {
            operation: "Connect.UpdateContactFlowContent",
            resource: `flow "${flow.name}"`,
          });
          if (failure.code === "FLOW_INVALID") {
            const problems = (failure.details?.problems as string[] | undefined) ?? [];
            throw new CvkError(
              "FLOW_INVALID",
              `Connect refused to ${result.publish ? "publish" : "save"} flow "${flow.name}": ${problems.length} problem(s)${problems.length > 0 ? `: ${problems.join("; ")}` : ""}`,
              {
                hint: `The flow is left as it was${result.outcome === "created" ? " (created, SAVED)" : ""}; fix the problems listed and deploy again.`,
                cause: error,
                details: { ...failure.details, problems },
              },
            );
          }
          throw failure;
        }
      }
    }
    if (flow.description !== undefined && current !== undefined && current.description !== flow.description) {
      record(flow.name, {
        flow: flow.name,
        operation: "UpdateContactFlowMetadata",
        summary: `set the description of "${flow.name}"`,
      });
      if (result.outcome === "unchanged") result.outcome = "updated";
      if (!dryRun) {
        try {
          await connect.send(
            new sdk.UpdateContactFlowMetadataCommand({
              InstanceId: scope.instanceId,
              ContactFlowId: result.id,
              Description: flow.description,
            }),
          );
        } catch (error) {
          throw fromAwsError(error, {
            operation: "Connect.UpdateContactFlowMetadata",
            resource: `flow "${flow.name}"`,
          });
        }
      }
    }
    report.progress(flows.indexOf(flow) + 1, flows.length, `${flow.name}: ${result.outcome}`);
  }

  const list = flows.map((flow) => results.get(flow.name) as FlowDeployment);
  report.finished(
    writes.length === 0
      ? "nothing to change"
      : `${writes.length} write(s)${dryRun ? " planned (dry run)" : ""}`,
    { writes: writes.length, dryRun },
  );
  return { instance: scope, dryRun, flows: list, writes };
}

function describeChange(result: FlowDeployment): string {
  if (result.outcome === "created") return "new flow";
  const n = result.changes.length;
  return n === 0 ? "content rewritten" : `${n} change${n === 1 ? "" : "s"}`;
}

/** The flow's latest content (`:$SAVED`), status, description and state. */
async function describeSaved(
  connect: ConnectClient,
  instanceId: string,
  flowId: string,
  name: string,
): Promise<SavedState> {
  const { DescribeContactFlowCommand } = await import("@aws-sdk/client-connect");
  try {
    const { ContactFlow } = await connect.send(
      new DescribeContactFlowCommand({ InstanceId: instanceId, ContactFlowId: `${flowId}:$SAVED` }),
    );
    let content: JsonValue | undefined;
    try {
      content =
        ContactFlow?.Content === undefined ? undefined : (JSON.parse(ContactFlow.Content) as JsonValue);
    } catch {
      content = undefined; // unparseable saved content: rewrite it
    }
    return {
      content,
      status: ContactFlow?.Status,
      description: ContactFlow?.Description,
      state: ContactFlow?.State,
    };
  } catch (error) {
    if (isNotFoundError(error)) {
      throw new CvkError("AWS_NOT_FOUND", `The flow "${name}" (${flowId}) disappeared while deploying`, {
        hint: "Someone deleted it meanwhile; deploy again to recreate it.",
        cause: error,
      });
    }
    throw fromAwsError(error, { operation: "Connect.DescribeContactFlow", resource: `flow "${name}"` });
  }
}

/** What is deployed under `name`: the saved content and status, or undefined if there is no such flow. */
export async function describeDeployedFlow(
  connect: ConnectClient,
  instanceId: string,
  name: string,
): Promise<
  { id: string; arn: string; type?: string; content: JsonValue | undefined; status?: string } | undefined
> {
  const { listContactFlows } = await import("./references.ts");
  const match = (await listContactFlows(connect, instanceId)).find((flow) => flow.name === name);
  if (!match) return undefined;
  const saved = await describeSaved(connect, instanceId, match.id, name);
  return {
    id: match.id,
    arn: match.arn,
    ...(match.type ? { type: match.type } : {}),
    content: saved.content,
    ...(saved.status ? { status: saved.status } : {}),
  };
}
