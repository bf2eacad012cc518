import { isCvkError } from "@cvk/core";
import { describe, expect, it } from "vitest";
import { escapeMermaidLabel, flowToMermaid } from "./mermaid.ts";
import { actionOf, indexOf, referenceFlows, voiceIdFlow } from "./test-support.ts";

/**
 * The subset of Mermaid flowchart syntax flowToMermaid emits (https://mermaid.js.org/syntax/flowchart.html):
 * a header, nodes `id["label"]` / `id(("label"))`, edges `a --> b`, `a -->|"label"| b`, `a -.->|"label"| b`,
 * classDef and class lines. Quoted labels may hold anything but a double quote or a line break. A line
 * that fits none of these would not parse, which is how escaping mistakes show up here.
 */
const HEADER = /^flowchart (TD|LR)$/;
const NODE = /^ {2}([a-z]+\d*) ?(?:\["([^"\n]*)"\]|\(\("([^"\n]*)"\)\))$/;
const EDGE = /^ {2}([a-z]+\d*) (-->|-\.->)(?:\|"([^"\n]*)"\|)? ([a-z]+\d*)$/;
const STYLE = /^ {2}(classDef [a-z]+ [^\n]+|class [a-z0-9,]+ [a-z]+)$/;

interface Parsed {
  nodes: Map<string, string>;
  edges: { from: string; arrow: string; label: string | undefined; to: string }[];
  classes: string[];
}

function parseMermaid(text: string): Parsed {
  expect(text.endsWith("\n")).toBe(true);
  const [header, ...lines] = text.trimEnd().split("\n");
  expect(header).toMatch(HEADER);
  const parsed: Parsed = { nodes: new Map(), edges: [], classes: [] };
  for (const line of lines) {
    const node = NODE.exec(line);
    const edge = EDGE.exec(line);
    if (node) {
      expect(parsed.nodes.has(node[1] as string), `node ${node[1]} defined twice`).toBe(false);
      parsed.nodes.set(node[1] as string, (node[2] ?? node[3]) as string);
    } else if (edge) {
      parsed.edges.push({
        from: edge[1] as string,
        arrow: edge[2] as string,
        label: edge[3],
        to: edge[4] as string,
      });
    } else {
      expect(line, "a line Mermaid would not parse").toMatch(STYLE);
      parsed.classes.push(line.trim());
    }
  }
  for (const edge of parsed.edges) {
    expect(parsed.nodes.has(edge.from), edge.from).toBe(true);
    expect(parsed.nodes.has(edge.to), edge.to).toBe(true);
  }
  return parsed;
}

/** What Mermaid does with entity codes: `#quot;` → `"`, `#35;` → `#`. */
function decodeEntities(text: string): string {
  const named: Record<string, string> = { quot: '"', amp: "&", lt: "<", gt: ">" };
  return text.replace(/#(\d+|[a-z]+);/g, (whole, code: string) =>
    /^\d+$/.test(code) ? String.fromCharCode(Number(code)) : (named[code] ?? whole),
  );
}

/** How many transitions (NextAction, conditions, errors) a document has. */
function transitionCount(document: { Actions: { Transitions?: Record<string, unknown> }[] }): number {
  let count = 0;
  for (const action of document.Actions) {
    const t = action.Transitions ?? {};
    if (typeof t.NextAction === "string") count += 1;
    if (Array.isArray(t.Conditions)) count += t.Conditions.length;
    if (Array.isArray(t.Errors)) count += t.Errors.length;
  }
  return count;
}

describe("escapeMermaidLabel", () => {
  const nasty = 'Say "hi" [now] {ok} (yes) #1; a|b <b>bold</b> & `code`\r\nline two\ttab';

  it("leaves nothing that ends a quoted label or a statement, and nothing HTML would read", () => {
    const escaped = escapeMermaidLabel(nasty);
    expect(escaped).not.toMatch(/["\n\r\t<>|`]/);
    // Every # and ; left is part of an entity code.
    expect(escaped.replace(/#(\d+|[a-z]+);/g, "")).not.toMatch(/[#;]/);
  });

  it("round-trips through Mermaid's entity decoding, with line breaks as spaces", () => {
    expect(decodeEntities(escapeMermaidLabel(nasty))).toBe(nasty.replace(/[\r\n\t]+/g, " "));
    expect(decodeEntities(escapeMermaidLabel("#quot;"))).toBe("#quot;"); // a literal entity stays literal
  });

  it("keeps brackets and parentheses, which are safe inside a quoted label", () => {
    expect(escapeMermaidLabel("[a] (b) {c}")).toBe("[a] (b) {c}");
  });
});

describe("flowToMermaid", () => {
  it("draws one node per action plus the entry, one edge per transition plus the entry edge", () => {
    const flow = voiceIdFlow();
    const parsed = parseMermaid(flowToMermaid(JSON.stringify(flow)));
    expect(parsed.nodes.size).toBe(flow.Actions.length + 1);
    expect(parsed.edges.length).toBe(transitionCount(flow) + 1);
  });

  it("marks the StartAction: the entry node points at it and it carries the start class", () => {
    const flow = voiceIdFlow();
    flow.StartAction = "greet";
    const parsed = parseMermaid(flowToMermaid(flow));
    const start = `a${indexOf(flow, "greet")}`;
    expect(parsed.edges[0]).toEqual({ from: "entry", arrow: "-->", label: undefined, to: start });
    expect(parsed.classes).toContain(`class ${start} start`);
  });

  it("labels conditions with their operand (solid) and errors with their ErrorType (dotted)", () => {
    const flow = voiceIdFlow();
    const parsed = parseMermaid(flowToMermaid(flow));
    const from = `a${indexOf(flow, "authenticate")}`;
    const edges = parsed.edges.filter((edge) => edge.from === from);
    expect(edges).toEqual([
      { from, arrow: "-->", label: undefined, to: `a${indexOf(flow, "bye")}` },
      { from, arrow: "-->", label: "Authenticated", to: `a${indexOf(flow, "fraud")}` },
      { from, arrow: "-->", label: "NotAuthenticated", to: `a${indexOf(flow, "bye")}` },
      { from, arrow: "-->", label: "Inconclusive", to: `a${indexOf(flow, "fraud")}` },
      { from, arrow: "-->", label: "NotEnrolled", to: `a${indexOf(flow, "queue")}` },
      { from, arrow: "-->", label: "OptedOut", to: `a${indexOf(flow, "queue")}` },
      { from, arrow: "-.->", label: "NoMatchingError", to: `a${indexOf(flow, "bye")}` },
    ]);
  });

  it("names each node by its console block with a short parameter summary", () => {
    const flow = voiceIdFlow();
    const { nodes } = parseMermaid(flowToMermaid(flow));
    const label = (id: string) => decodeEntities(nodes.get(`a${indexOf(flow, id)}`) ?? "");
    expect(label("greet")).toBe("Play prompt<br/>Welcome to Example Bank.");
    expect(label("set-voice-id")).toBe("Set Voice ID<br/>streaming true, auth 90, fraud 50");
    expect(label("customer-id")).toBe("Set Customer ID<br/>CustomerId = $.External.customerId");
    expect(label("authenticate")).toBe("Check Voice ID<br/>voiceAuthentication");
    expect(label("lookup")).toBe("Invoke AWS Lambda function<br/>lookup-customer");
    expect(label("bye")).toBe("Disconnect");
  });

  it("escapes prompt text with quotes, brackets and line breaks and truncates it", () => {
    const flow = voiceIdFlow();
    actionOf(flow, "greet").Parameters.Text =
      'Say "yes" [1]\nor {no};\n<b>#</b> | `x` and then a lot more words';
    const text = flowToMermaid(flow, { maxSummaryLength: 30 });
    const { nodes } = parseMermaid(text);
    const label = decodeEntities(nodes.get(`a${indexOf(flow, "greet")}`) ?? "");
    // Line breaks became spaces, and the summary stops at 29 characters plus the ellipsis.
    expect(label).toBe('Play prompt<br/>Say "yes" [1] or {no}; <b>#</…');
  });

  it("escapes condition operands on edges", () => {
    const flow = voiceIdFlow();
    const first = actionOf(flow, "authenticate").Transitions.Conditions?.[0];
    if (first) first.Condition = { Operator: "TextContains", Operands: ['a"b|c'] };
    const { edges } = parseMermaid(flowToMermaid(flow));
    expect(edges.map((edge) => decodeEntities(edge.label ?? ""))).toContain('TextContains a"b|c');
  });

  it("draws transitions to a missing action into a marked placeholder node", () => {
    const flow = voiceIdFlow();
    actionOf(flow, "greet").Transitions.NextAction = "gret";
    const parsed = parseMermaid(flowToMermaid(flow));
    expect(parsed.nodes.get("m0")).toBe("missing: gret");
    expect(parsed.edges).toContainEqual({
      from: `a${indexOf(flow, "greet")}`,
      arrow: "-->",
      label: undefined,
      to: "m0",
    });
    expect(parsed.classes).toContain("class m0 missing");
  });

  it("is deterministic and the same for a string and an object", () => {
    const flow = voiceIdFlow();
    const once = flowToMermaid(JSON.stringify(flow), { direction: "LR", showIdentifiers: true });
    expect(flowToMermaid(flow, { direction: "LR", showIdentifiers: true })).toBe(once);
    expect(once.split("\n")[0]).toBe("flowchart LR");
    expect(decodeEntities(once)).toContain("(set-voice-id)");
  });

  it("throws FLOW_DOCUMENT_INVALID for content that is not a flow", () => {
    for (const content of ["{", JSON.stringify({ Actions: [] })]) {
      let caught: unknown;
      try {
        flowToMermaid(content);
      } catch (error) {
        caught = error;
      }
      expect(isCvkError(caught) && caught.code).toBe("FLOW_DOCUMENT_INVALID");
    }
  });

  const flows = referenceFlows();
  describe.skipIf(flows.length === 0)("the reference flows (skipped: no shared/reference/flows)", () => {
    for (const { file, content } of flows) {
      it(`${file}: parses, with a node per action and an edge per transition`, () => {
        const document = JSON.parse(content) as Parameters<typeof transitionCount>[0];
        const parsed = parseMermaid(flowToMermaid(content));
        const missing = [...parsed.nodes.keys()].filter((id) => id.startsWith("m")).length;
        expect(missing).toBe(0);
        expect(parsed.nodes.size).toBe(document.Actions.length + 1);
        expect(parsed.edges.length).toBe(transitionCount(document) + 1);
      });
    }
  });
});
