import { join } from "node:path";
import { CvkError, isCvkError, writeFileAtomic } from "@cvk/core";
import type { StepContext } from "./context.ts";
import type { FlowOutcome } from "./types.ts";

type ConfiguredFlow = import("@cvk/contact-flow").ConfiguredFlow;

function slug(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "") || "flow";
}

export function configuredFlows(context: StepContext): ConfiguredFlow[] {
  return (context.config.connect?.flows ?? []) as ConfiguredFlow[];
}

export function requireInstanceId(context: StepContext, step: string): string {
  const id = context.options.instanceId;
  if (!id) {
    const where = context.options.environment.source.locate(["environments", context.env]);
    throw new CvkError(
      "CONFIG_INVALID",
      `${where}: environments.${context.env}.connect.instanceId: is required by the migration's ${step} step`,
      { hint: `Set connect.instanceId (the Connect instance id or ARN) under environments.${context.env}.` },
    );
  }
  return id;
}

/**
 * The configured flows: rendered for the instance (names resolved), linted, saved under
 * `<dir>/flows/` with their Mermaid diagrams, then deployed — created SAVED when missing, content
 * updated when it differs — and published (each flow's `publish`, default true in a migration).
 * Nothing changed, nothing written.
 */
export async function flowsStep(context: StepContext): Promise<{ outcome: FlowOutcome[]; summary: string }> {
  const instanceId = requireInstanceId(context, "flows");
  const module = await import("@cvk/contact-flow");
  const { lintFlow, flowToMermaid } = await import("@cvk/flow-language");
  const { connect } = context.clients;
  const flows = configuredFlows(context);
  const folder = context.plan ? join(context.dir, "dry-run", "flows") : join(context.dir, "flows");
  const scope = await module.describeConnectInstance(connect, instanceId);
  const catalog = await module.loadReferenceCatalog(connect, scope);
  const base = { config: context.config, baseDir: context.baseDir };

  const rendered: {
    flow: ConfiguredFlow;
    text: string;
    path: string;
    mermaid: string;
    findings: ReturnType<typeof lintFlow>;
  }[] = [];
  for (const flow of flows) {
    let text: string;
    try {
      text = module.renderConfiguredFlow({ ...base, flow, catalog }).text;
    } catch (error) {
      // A flow naming another flow this deploy creates resolves only then; draw it with the names as written.
      if (!isCvkError(error) || error.code !== "FLOW_REFERENCE_UNRESOLVED") throw error;
      text = module.renderConfiguredFlow({ ...base, flow }).text;
    }
    const path = join(folder, `${slug(flow.name)}.json`);
    await writeFileAtomic(path, text.endsWith("\n") ? text : `${text}\n`);
    const mermaid = flowToMermaid(text);
    await writeFileAtomic(join(folder, `${slug(flow.name)}.mmd`), mermaid);
    rendered.push({ flow, text, path, mermaid, findings: lintFlow(text) });
  }

  const documents = flows.map((flow) => ({
    ...module.flowToDeploy(flow, module.renderConfiguredFlow({ ...base, flow }).rendered),
    publish: flow.publish ?? true,
  }));
  const result = await module.deployFlows({
    connect,
    instanceId,
    flows: documents,
    dryRun: context.plan,
    lint: true,
    onEvent: context.events("flows"),
  });
  for (const write of result.writes) {
    context.writes.push({
      step: "flows",
      service: "connect",
      operation: write.operation,
      summary: write.summary,
    });
  }
  const outcome: FlowOutcome[] = result.flows.map((deployed) => {
    const own = rendered.find((r) => r.flow.name === deployed.name);
    const findings = own?.findings ?? [];
    return {
      name: deployed.name,
      ...(deployed.id ? { id: deployed.id } : {}),
      ...(deployed.arn ? { arn: deployed.arn } : {}),
      outcome: context.plan
        ? deployed.outcome === "created"
          ? "would create"
          : deployed.outcome === "unchanged"
            ? "unchanged"
            : "would update"
        : deployed.outcome,
      published: deployed.publish,
      lint: {
        errors: findings.filter((f) => f.severity === "error").length,
        warnings: findings.filter((f) => f.severity === "warning").length,
        findings: findings.map((f) => ({ severity: f.severity, rule: f.rule, message: f.message })),
      },
      contentPath: own?.path ?? "",
      mermaid: own?.mermaid ?? "",
      writes: deployed.writes.map((w) => `${context.plan ? "would " : ""}${w.summary}`),
    };
  });
  return {
    outcome,
    summary: outcome
      .map(
        (f) =>
          `"${f.name}" ${f.outcome}${f.published ? (context.plan ? ", to be published" : ", published") : ""}`,
      )
      .join("; "),
  };
}
