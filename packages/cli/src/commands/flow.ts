import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { CvkError, type EnvironmentSelection, writeFileAtomic } from "@cvk/core";
import type { CommandDefinition } from "../command.ts";
import type { CommandContext } from "../context.ts";
import { connectEnvironment, connectInstanceId, withConnectSession } from "./connect-target.ts";

type ContactFlowModule = typeof import("@cvk/contact-flow");
type ConfiguredFlow = import("@cvk/contact-flow").ConfiguredFlow;

const contactFlow = (): Promise<ContactFlowModule> => import("@cvk/contact-flow");

/** The flows of `connect.flows` this command works on: all, or the one --flow names. */
function configuredFlows(
  environment: EnvironmentSelection,
  only: string | undefined,
  command: string,
): ConfiguredFlow[] {
  const flows = (environment.config.connect?.flows ?? []) as ConfiguredFlow[];
  if (flows.length === 0) {
    throw new CvkError(
      "CONFIG_INVALID",
      `${command}: environment ${environment.name} declares no connect.flows`,
      {
        hint: "Add connect.flows (name, template, parameters) to cvk.config.yaml, or pass --template.",
      },
    );
  }
  if (only === undefined) return flows;
  const match = flows.filter((flow) => flow.name === only);
  if (match.length === 0) {
    throw new CvkError("USAGE", `--flow ${only}: no such flow in connect.flows of ${environment.name}`, {
      hint: `Use one of: ${flows.map((flow) => JSON.stringify(flow.name)).join(", ")}.`,
    });
  }
  return match;
}

function paramOverrides(params: string[] | undefined, module: ContactFlowModule): Record<string, string> {
  return module.parseParameterAssignments(params ?? []);
}

interface RenderArgs {
  flow?: string;
  template?: string;
  param?: string[];
  out?: string;
  offline?: boolean;
}

async function render(context: CommandContext, args: RenderArgs): Promise<number> {
  const { output } = context;
  const command = "cvk flow render";
  const module = await contactFlow();
  // With --env (or CVK_ENV, or --sandbox) the flow is rendered for that environment's instance; without,
  // offline. An ad-hoc --template render needs no environment, so the config is read only when asked.
  const envGiven =
    context.flags.env !== undefined || Boolean(context.env.CVK_ENV) || context.flags.sandbox === true;
  const environment = args.template && !envGiven ? undefined : context.settings().environment;
  const overrides = paramOverrides(args.param, module);
  let flow: ConfiguredFlow;
  if (args.template) {
    flow = { name: args.template, template: args.template };
  } else {
    if (!environment) {
      throw new CvkError("USAGE", `${command} needs --template, or a config file with connect.flows`, {
        hint: "Pass --template voiceid-sample-flow --param customerId=… (offline), or --env NAME with cvk.config.yaml.",
      });
    }
    const flows = configuredFlows(environment, args.flow, command);
    if (flows.length > 1) {
      throw new CvkError(
        "USAGE",
        `${environment.name} declares ${flows.length} flows; choose one with --flow`,
        {
          hint: `Use --flow ${flows.map((f) => JSON.stringify(f.name)).join(" | ")}.`,
        },
      );
    }
    flow = flows[0] as ConfiguredFlow;
  }
  const base = {
    flow,
    parameters: overrides,
    ...(environment
      ? { config: environment.config, baseDir: environment.baseDir }
      : { baseDir: context.cwd }),
  };

  let result: import("@cvk/contact-flow").RenderedFlow;
  if (envGiven && !args.offline) {
    const selected = connectEnvironment(context, command);
    result = await withConnectSession(context, async (session) => {
      const instanceId = await connectInstanceId(context, session, selected, command);
      const scope = await module.describeConnectInstance(session.clients.connect, instanceId);
      const offline = module.renderConfiguredFlow(base);
      const kinds = new Set(module.findNameReferences(offline.rendered.document).map((r) => r.kind));
      const catalog = await module.loadReferenceCatalog(session.clients.connect, scope, kinds);
      return module.renderConfiguredFlow({ ...base, catalog });
    });
  } else {
    result = module.renderConfiguredFlow(base);
  }

  const { resolution } = result;
  if (resolution.offline) {
    const names = module.findNameReferences(resolution.document);
    if (names.length > 0) {
      output.warn(
        `offline: ${names.length} name reference(s) left as written (${[...new Set(names.map((n) => `${n.kind}:${n.name}`))].slice(0, 4).join(", ")}); pass --env NAME to resolve them on that environment's instance`,
      );
    }
    for (const literal of resolution.literalArns) {
      output.warn(`${literal.pointer}: an ARN written literally (${literal.arn}); prefer a name reference`);
    }
  }
  const out = args.out ? resolve(context.cwd, args.out) : undefined;
  if (out) await writeFileAtomic(out, result.text);
  output.data("flow-render", {
    flow: flow.name,
    template: result.rendered.template.name,
    offline: resolution.offline,
    resolved: resolution.resolved.length,
    ...(out ? { out } : { content: resolution.document }),
  });
  if (out)
    output.line(
      `wrote ${out} (${flow.name}, ${resolution.offline ? "offline" : `${resolution.resolved.length} reference(s) resolved`})`,
    );
  else output.line(result.text.trimEnd());
  return 0;
}

interface LintArgs {
  files: string[];
}

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length))) ?? [];
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
}

async function lint(context: CommandContext, args: LintArgs): Promise<number> {
  const { output } = context;
  const { lintFlow } = await import("@cvk/flow-language");
  let errors = 0;
  let warnings = 0;
  for (const file of args.files) {
    const path = resolve(context.cwd, file);
    let content: string;
    try {
      content = await readFile(path, "utf8");
    } catch (error) {
      throw new CvkError("INPUT_NOT_FOUND", `Cannot read ${file}: ${(error as Error).message}`, {
        hint: "Pass flow files (the flow language JSON, e.g. from `cvk flow render --out`).",
      });
    }
    const findings = lintFlow(content);
    errors += findings.filter((f) => f.severity === "error").length;
    warnings += findings.filter((f) => f.severity === "warning").length;
    output.data("flow-lint", { file, findings });
    if (findings.length === 0) {
      output.line(`${file}: ok`);
      continue;
    }
    output.line(`${file}:`);
    const rows = [["SEVERITY", "RULE", "ACTION", "POINTER", "MESSAGE"]];
    for (const f of findings) {
      rows.push([f.severity, f.rule, f.actionIdentifier ?? "-", f.pointer || "/", f.message]);
    }
    for (const line of table(rows)) output.line(`  ${line}`);
    if (output.options.verbose)
      for (const f of findings) if (f.hint) output.line(`  hint (${f.rule}): ${f.hint}`);
  }
  output.line(`${errors} error(s), ${warnings} warning(s) in ${args.files.length} file(s)`);
  if (errors > 0) {
    throw new CvkError("CHECK_FAILED", `cvk flow lint found ${errors} error(s)`, {
      hint: "Fix the errors listed above (--verbose adds a hint for each finding).",
    });
  }
  return 0;
}

interface DiffArgs {
  flow?: string;
  param?: string[];
  includeLayout?: boolean;
  exitCode?: boolean;
}

async function diff(context: CommandContext, args: DiffArgs): Promise<number> {
  const { output } = context;
  const command = "cvk flow diff";
  const module = await contactFlow();
  const environment = connectEnvironment(context, command);
  const flows = configuredFlows(environment, args.flow, command);
  const overrides = paramOverrides(args.param, module);
  let changed = 0;
  await withConnectSession(context, async (session) => {
    const { connect } = session.clients;
    const instanceId = await connectInstanceId(context, session, environment, command);
    const scope = await module.describeConnectInstance(connect, instanceId);
    const catalog = await module.loadReferenceCatalog(connect, scope);
    for (const flow of flows) {
      const rendered = module.renderConfiguredFlow({
        flow,
        config: environment.config,
        baseDir: environment.baseDir,
        parameters: overrides,
        catalog,
      });
      const deployed = await module.describeDeployedFlow(connect, scope.instanceId, flow.name);
      if (!deployed) {
        changed++;
        output.data("flow-diff", { flow: flow.name, deployed: false, changes: [] });
        output.line(`--- flow "${flow.name}": not deployed (cvk flow deploy creates it)`);
        continue;
      }
      const result = module.diffFlows(deployed.content ?? null, rendered.resolution.document, {
        includeLayout: args.includeLayout === true,
      });
      if (!result.identical) changed++;
      output.data("flow-diff", {
        flow: flow.name,
        deployed: true,
        flowId: deployed.id,
        status: deployed.status,
        identical: result.identical,
        changes: result.changes,
        ignoredLayoutChanges: result.ignoredLayoutChanges,
      });
      output.line(
        module
          .formatFlowDiff(result, {
            label: `flow "${flow.name}" (${deployed.id}, ${deployed.status === "SAVED" ? "saved, unpublished changes" : "published"}) → rendered for ${environment.name}`,
          })
          .trimEnd(),
      );
    }
  });
  if (args.exitCode && changed > 0) {
    throw new CvkError("CHECK_FAILED", `${changed} flow(s) differ from what is deployed`, {
      hint: "Run `cvk flow deploy` to apply the changes (--dry-run shows the writes).",
    });
  }
  return 0;
}

interface DeployArgs {
  flow?: string;
  param?: string[];
  publish?: boolean;
  dryRun?: boolean;
  lint: boolean;
}

async function deploy(context: CommandContext, args: DeployArgs): Promise<number> {
  const { output } = context;
  const command = "cvk flow deploy";
  const module = await contactFlow();
  const environment = connectEnvironment(context, command);
  const flows = configuredFlows(environment, args.flow, command);
  const overrides = paramOverrides(args.param, module);
  // Render every flow first: a template or parameter problem stops the deploy before any AWS call.
  const documents = flows.map((flow) =>
    module.flowToDeploy(
      flow,
      module.renderConfiguredFlow({
        flow,
        config: environment.config,
        baseDir: environment.baseDir,
        parameters: overrides,
      }).rendered,
    ),
  );
  return await withConnectSession(context, async (session) => {
    const instanceId = await connectInstanceId(context, session, environment, command);
    const result = await module.deployFlows({
      connect: session.clients.connect,
      instanceId,
      flows: documents,
      ...(args.publish === undefined ? {} : { publish: args.publish }),
      dryRun: args.dryRun === true,
      lint: args.lint,
      onEvent: output.event,
    });
    output.data("flow-deploy", { ...result });
    const verb = result.dryRun ? "plan" : "deployed";
    output.line(
      `${verb} to instance ${result.instance.instanceId} (${result.instance.region}): ${result.writes.length} write(s)${result.dryRun ? " (dry run: nothing written)" : ""}`,
    );
    for (const flow of result.flows) {
      output.line(
        `  ${flow.name}: ${flow.outcome}${flow.publish ? "" : " (not published)"}${flow.id ? ` [${flow.id}]` : ""}`,
      );
      for (const write of flow.writes) output.line(`    ${result.dryRun ? "would " : ""}${write.summary}`);
      for (const warning of flow.warnings)
        output.warn(`${flow.name}: ${warning.pointer}: ${warning.message} [${warning.rule}]`);
    }
    return 0;
  });
}

async function graph(
  context: CommandContext,
  args: { file: string; out?: string; direction: "TD" | "LR" },
): Promise<number> {
  const { output } = context;
  const { flowToMermaid } = await import("@cvk/flow-language");
  const path = resolve(context.cwd, args.file);
  let content: string;
  try {
    content = await readFile(path, "utf8");
  } catch (error) {
    throw new CvkError("INPUT_NOT_FOUND", `Cannot read ${args.file}: ${(error as Error).message}`, {
      hint: "Pass a flow file (the flow language JSON).",
    });
  }
  const mermaid = flowToMermaid(content, { direction: args.direction });
  const text = mermaid.endsWith("\n") ? mermaid : `${mermaid}\n`;
  if (args.out) {
    const out = resolve(context.cwd, args.out);
    await writeFileAtomic(out, text);
    output.data("flow-graph", { file: args.file, out });
    output.line(`wrote ${out}`);
  } else if (output.options.json) output.data("flow-graph", { file: args.file, mermaid: text });
  else output.line(text.trimEnd());
  return 0;
}

const FLOW_OPTION = { type: "string", describe: "Only this flow of connect.flows (by name)" } as const;
const PARAM_OPTION = {
  type: "string",
  array: true,
  describe: "Template parameter name=value (repeatable; overrides the config's parameters)",
} as const;

const renderCommand: CommandDefinition = {
  command: "render",
  describe:
    "Render a flow template to flow-language JSON; with --env, resolve queue:/prompt:/flow:/lambda: names on that instance",
  examples: [
    [
      "$0 flow render --template voiceid-sample-flow --param customerId='$.Customer.ProfileId'",
      "Offline: names such as queue:BasicQueue stay as written",
    ],
    [
      "$0 flow render --env prod --out voiceid-prod.json",
      "The configured flow for prod, references resolved",
    ],
    [
      "$0 flow render --env dev --sandbox --param authenticationThreshold=95",
      "Against the embedded sandbox, overriding one parameter",
    ],
  ],
  builder: (yargs) =>
    yargs
      .option("flow", FLOW_OPTION)
      .option("template", {
        type: "string",
        describe: "A template name (templates/<name>.json.hbs) or path, instead of a configured flow",
      })
      .option("param", PARAM_OPTION)
      .option("out", { type: "string", describe: "Write here (atomically) instead of stdout" })
      .option("offline", { type: "boolean", describe: "Do not resolve names, even with --env" }),
  run: (context, args) => render(context, args as unknown as RenderArgs),
};

const lintCommand: CommandDefinition = {
  command: "lint <files..>",
  describe:
    "Check flow files offline: structure, transitions, limits and the Voice ID wire rules (exit 1 on errors)",
  examples: [
    ["$0 flow lint voiceid-prod.json", "A table of findings with the action and JSON pointer of each"],
    ["$0 flow lint flows/*.json --json", "One JSON line per file, for CI"],
  ],
  builder: (yargs) =>
    yargs.positional("files", { type: "string", array: true, describe: "Flow-language JSON files" }),
  run: (context, args) => lint(context, args as unknown as LintArgs),
};

const diffCommand: CommandDefinition = {
  command: "diff",
  describe:
    "Compare the rendered flows with what is deployed (by meaning: key order and designer layout ignored)",
  examples: [
    ["$0 flow diff --env prod", "Each configured flow against its saved content on the prod instance"],
    [
      "$0 flow diff --env dev --include-layout --exit-code",
      "Count moved blocks too; exit 1 when anything differs",
    ],
  ],
  builder: (yargs) =>
    yargs
      .option("flow", FLOW_OPTION)
      .option("param", PARAM_OPTION)
      .option("include-layout", { type: "boolean", describe: "Also report Metadata positions" })
      .option("exit-code", { type: "boolean", describe: "Exit 1 when a flow differs (for CI)" }),
  run: (context, args) => diff(context, args as unknown as DiffArgs),
};

const deployCommand: CommandDefinition = {
  command: "deploy",
  describe:
    "Create missing flows (SAVED), update changed content, publish with --publish or publish: true; no change, no writes",
  examples: [
    ["$0 flow deploy --env prod --dry-run", "Show the writes it would make"],
    ["$0 flow deploy --env prod --publish", "Deploy and publish every configured flow"],
    ["$0 flow deploy --env dev --sandbox", "Against the embedded sandbox (it seeds the configured instance)"],
  ],
  builder: (yargs) =>
    yargs
      .option("flow", FLOW_OPTION)
      .option("param", PARAM_OPTION)
      .option("publish", {
        type: "boolean",
        describe: "Publish every flow; --no-publish only saves (default: each flow's publish setting)",
      })
      .option("dry-run", { type: "boolean", describe: "Read only: print the plan of writes" })
      .option("lint", {
        type: "boolean",
        default: true,
        describe: "Lint each flow before writing it (--no-lint: leave it to Connect)",
      }),
  run: (context, args) => deploy(context, args as unknown as DeployArgs),
};

const graphCommand: CommandDefinition = {
  command: "graph <file>",
  describe: "Write a Mermaid diagram of a flow (blocks, branches, error paths) for reviews and docs",
  examples: [
    ["$0 flow graph voiceid-prod.json --out voiceid.mmd", "Mermaid text to a file"],
    ["$0 flow graph voiceid-prod.json --direction LR", "Left to right, on stdout"],
  ],
  builder: (yargs) =>
    yargs
      .positional("file", { type: "string", describe: "A flow-language JSON file" })
      .option("out", { type: "string", describe: "Write here (atomically) instead of stdout" })
      .option("direction", { choices: ["TD", "LR"], default: "TD", describe: "Top-down or left-right" }),
  run: (context, args) =>
    graph(context, args as unknown as { file: string; out?: string; direction: "TD" | "LR" }),
};

export const flowCommand: CommandDefinition = {
  command: "flow",
  describe: "Contact flows as templates: render per environment, lint, diff, deploy, graph",
  examples: [
    ["$0 flow render --env dev", "Render the dev flow with its references resolved"],
    ["$0 flow deploy --env prod --publish", "Create or update and publish the prod flows"],
  ],
  subcommands: [renderCommand, lintCommand, diffCommand, deployCommand, graphCommand],
};
