import { readableType } from "./action-specs.ts";
import { asFlowDocument, type FlowAction, isPlainObject, parseFlowDocument } from "./document.ts";
import { buildFlowGraph, type FlowEdge } from "./graph.ts";

export interface MermaidOptions {
  /** Layout direction: top-down (default) or left-right. */
  direction?: "TD" | "LR";
  /** Longest parameter summary in a node, in characters (default 40); longer ones end in "…". */
  maxSummaryLength?: number;
  /** Add each action's Identifier to its node (off by default: console Identifiers are UUIDs). */
  showIdentifiers?: boolean;
}

/**
 * Mermaid flowchart escaping (https://mermaid.js.org/syntax/flowchart.html, "Special characters that
 * break syntax" and "Entity codes to escape characters"): labels go in double quotes, and inside them
 * `"` would end the string, so it and every other character with a meaning to Mermaid or HTML is written
 * as an entity code `#name;` / `#<decimal>;` that Mermaid turns back into the character. `#` itself is
 * encoded because it starts an entity code; `;` can end a statement, `|` delimits edge labels, a
 * leading backtick opens a markdown string. Line breaks and other control characters become spaces,
 * since a raw newline ends the statement.
 */
const ENTITIES: Readonly<Record<string, string>> = {
  "#": "#35;",
  '"': "#quot;",
  "&": "#amp;",
  "<": "#lt;",
  ">": "#gt;",
  ";": "#59;",
  "|": "#124;",
  "`": "#96;",
};

/** Text made safe for a double-quoted Mermaid label (see ENTITIES). */
export function escapeMermaidLabel(text: string): string {
  // One pass, so the "#" and ";" of an inserted entity code are never escaped again.
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is replaced
      .replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, " ")
      .replace(/[#"&<>;|`]/g, (character) => ENTITIES[character] ?? character)
  );
}

function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, Math.max(1, max - 1)).trimEnd()}…`;
}

/** The last path segment of an ARN or id: a queue, prompt, flow or function name for a label. */
function lastSegment(value: string): string {
  const tail = value.split(/[/:]/).pop();
  return tail && tail !== "" ? tail : value;
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** What a message-playing action says: its text, its SSML without tags, its prompt or its media. */
function messageOf(parameters: Record<string, unknown>): string | undefined {
  const text = str(parameters.Text);
  if (text) return text;
  const ssml = str(parameters.SSML);
  if (ssml) return ssml.replace(/<[^>]*>/g, " ");
  const prompt = str(parameters.PromptId);
  if (prompt) return `prompt ${lastSegment(prompt)}`;
  const media = isPlainObject(parameters.Media) ? str(parameters.Media.Uri) : undefined;
  return media;
}

/** The node title: the console block, told apart where one action type serves several blocks. */
function titleOf(action: FlowAction): string {
  const parameters = action.Parameters ?? {};
  if (action.Type === "UpdateContactData") {
    if (parameters.IsVoiceIdStreamingEnabled !== undefined) return "Set Voice ID";
    if (parameters.CustomerId !== undefined && Object.keys(parameters).length === 1) return "Set Customer ID";
  }
  return readableType(action.Type);
}

/** A short account of the parameters that matter for reading the diagram. */
function summaryOf(action: FlowAction): string | undefined {
  const p = action.Parameters ?? {};
  switch (action.Type) {
    case "MessageParticipant":
    case "GetParticipantInput":
    case "ConnectParticipantWithLexBot":
      return messageOf(p);
    case "MessageParticipantIteratively":
      return Array.isArray(p.Messages)
        ? p.Messages.map((m) => (isPlainObject(m) ? messageOf(m) : undefined))
            .filter((m) => m !== undefined)
            .join(" / ")
        : undefined;
    case "CheckVoiceId":
      return str(p.CheckVoiceIdOption);
    case "UpdateContactData": {
      if (p.IsVoiceIdStreamingEnabled !== undefined) {
        const on = (key: string) => String(p[key]).toUpperCase() === "TRUE";
        const parts = [`streaming ${String(p.IsVoiceIdStreamingEnabled).toLowerCase()}`];
        if (on("IsVoiceAuthenticationEnabled")) parts.push(`auth ${String(p.VoiceAuthenticationThreshold)}`);
        if (on("IsFraudDetectionEnabled")) parts.push(`fraud ${String(p.FraudDetectionThreshold)}`);
        return parts.join(", ");
      }
      return Object.entries(p)
        .map(([key, value]) => `${key} = ${typeof value === "string" ? value : JSON.stringify(value)}`)
        .join(", ");
    }
    case "UpdateContactAttributes":
      return isPlainObject(p.Attributes)
        ? Object.entries(p.Attributes)
            .map(([key, value]) => `${key} = ${typeof value === "string" ? value : JSON.stringify(value)}`)
            .join(", ")
        : undefined;
    case "Compare":
      return str(p.ComparisonValue);
    case "Loop":
      return str(p.LoopCount) ? `${p.LoopCount} times` : undefined;
    case "UpdateContactTargetQueue": {
      const target = str(p.QueueId) ?? str(p.AgentId);
      return target ? lastSegment(target) : undefined;
    }
    case "TransferToFlow": {
      const flow = str(p.ContactFlowId);
      return flow ? lastSegment(flow) : undefined;
    }
    case "InvokeLambdaFunction": {
      const arn = str(p.LambdaFunctionARN);
      return arn ? (arn.startsWith("arn:") ? (arn.split(":")[6] ?? arn) : arn) : undefined;
    }
    default: {
      // The first few string parameters, e.g. "FlowLoggingBehavior: Enabled".
      const parts = Object.entries(p)
        .filter((entry): entry is [string, string] => typeof entry[1] === "string" && entry[1] !== "")
        .slice(0, 2)
        .map(([key, value]) => `${key}: ${value}`);
      return parts.length > 0 ? parts.join(", ") : undefined;
    }
  }
}

const NODE_PREFIX = "a";
const MISSING_PREFIX = "m";
const ENTRY = "entry";

/**
 * A Mermaid flowchart of a flow: one node per action (its console block and a short parameter summary),
 * NextAction as solid edges, conditions as solid edges labelled with the operand, errors as dotted edges
 * labelled with the ErrorType, and an entry node pointing at the StartAction. Transitions to an
 * Identifier the flow does not have end in a "missing" node, so a broken flow still draws.
 * Output is deterministic: nodes in document order, edges in document order.
 *
 * @throws CvkError FLOW_DOCUMENT_INVALID when the content is not a flow document.
 */
export function flowToMermaid(content: string | object, options: MermaidOptions = {}): string {
  const document = typeof content === "string" ? parseFlowDocument(content) : asFlowDocument(content);
  const max = options.maxSummaryLength ?? 40;
  const graph = buildFlowGraph(document);
  const lines = [`flowchart ${options.direction ?? "TD"}`];

  lines.push(`  ${ENTRY}(("Start"))`);
  document.Actions.forEach((action, index) => {
    const title = titleOf(action);
    const summary = summaryOf(action);
    const parts = [escapeMermaidLabel(title)];
    if (summary) parts.push(escapeMermaidLabel(truncate(summary, max)));
    if (options.showIdentifiers) parts.push(escapeMermaidLabel(`(${truncate(action.Identifier, max)})`));
    lines.push(`  ${NODE_PREFIX}${index}["${parts.join("<br/>")}"]`);
  });

  // One node per distinct unresolved target, numbered in order of first appearance.
  const missing = new Map<string, string>();
  for (const edge of graph.edges) {
    if (edge.to === undefined && !missing.has(edge.target)) {
      const id = `${MISSING_PREFIX}${missing.size}`;
      missing.set(edge.target, id);
      lines.push(`  ${id}["${escapeMermaidLabel(`missing: ${truncate(edge.target, max)}`)}"]`);
    }
  }
  const startMissing = graph.start === undefined;
  if (startMissing && !missing.has(document.StartAction)) {
    const id = `${MISSING_PREFIX}${missing.size}`;
    missing.set(document.StartAction, id);
    lines.push(`  ${id}["${escapeMermaidLabel(`missing: ${truncate(document.StartAction, max)}`)}"]`);
  }

  const nodeId = (edge: Pick<FlowEdge, "to" | "target">): string =>
    edge.to !== undefined ? `${NODE_PREFIX}${edge.to}` : (missing.get(edge.target) as string);

  lines.push(`  ${ENTRY} --> ${nodeId({ to: graph.start, target: document.StartAction })}`);
  for (const edge of graph.edges) {
    const from = `${NODE_PREFIX}${edge.from}`;
    const to = nodeId(edge);
    const label = edge.label === undefined ? "" : `|"${escapeMermaidLabel(truncate(edge.label, max))}"|`;
    lines.push(edge.kind === "error" ? `  ${from} -.->${label} ${to}` : `  ${from} -->${label} ${to}`);
  }

  lines.push("  classDef entry fill:#fff,stroke:#333,stroke-width:2px");
  lines.push("  classDef start stroke-width:3px");
  lines.push("  classDef missing stroke:#c00,stroke-dasharray:5 5");
  lines.push(`  class ${ENTRY} entry`);
  if (graph.start !== undefined) lines.push(`  class ${NODE_PREFIX}${graph.start} start`);
  if (missing.size > 0) lines.push(`  class ${[...missing.values()].join(",")} missing`);
  return `${lines.join("\n")}\n`;
}
