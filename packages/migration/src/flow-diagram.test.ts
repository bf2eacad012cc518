import { renderConfiguredFlow } from "@cvk/contact-flow";
import { flowToMermaid } from "@cvk/flow-language";
import { describe, expect, it } from "vitest";
import { mermaidToSvg, parseMermaidFlowchart } from "./flow-diagram.ts";

const sample = renderConfiguredFlow({
  flow: {
    name: "sample",
    template: "voiceid-sample-flow",
    parameters: { customerId: "$.Attributes.customerSpeakerId" },
  },
}).text;

describe("parseMermaidFlowchart", () => {
  it("reads back every action, branch and error path flowToMermaid writes", () => {
    const document = JSON.parse(sample) as { Actions: unknown[] };
    const diagram = parseMermaidFlowchart(flowToMermaid(sample));
    expect(diagram.nodes.filter((n) => n.kind === "action")).toHaveLength(document.Actions.length);
    expect(diagram.nodes.filter((n) => n.kind === "entry")).toHaveLength(1);
    expect(diagram.edges.some((e) => e.error)).toBe(true);
    expect(diagram.edges.some((e) => e.label === "Authenticated")).toBe(true);
    // Every edge joins two nodes the diagram has.
    const ids = new Set(diagram.nodes.map((n) => n.id));
    for (const edge of diagram.edges) expect(ids.has(edge.from) && ids.has(edge.to)).toBe(true);
  });

  it("decodes Mermaid's entity codes, so labels read as written", () => {
    const diagram = parseMermaidFlowchart(
      'flowchart TD\n  a0["Play prompt<br/>Say #quot;hi#quot; #amp; #lt;wait#gt;#59; #35;1"]\n  m0["missing: x"]\n  a0 -.->|"NoMatchingError"| m0\n',
    );
    expect(diagram.nodes[0]?.lines).toEqual(["Play prompt", 'Say "hi" & <wait>; #1']);
    expect(diagram.nodes[1]?.kind).toBe("missing");
    expect(diagram.edges).toEqual([{ from: "a0", to: "m0", label: "NoMatchingError", error: true }]);
  });
});

describe("mermaidToSvg", () => {
  it("draws one box per action, escapes text, and keeps ids unique per diagram", () => {
    const svg = mermaidToSvg(flowToMermaid(sample), 'The "sample" <flow>', "f7");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.endsWith("</svg>")).toBe(true);
    const document = JSON.parse(sample) as { Actions: unknown[] };
    expect(svg.match(/<rect [^>]*rx="6"/g)).toHaveLength(document.Actions.length);
    expect(svg).toContain("<title>The &quot;sample&quot; &lt;flow&gt;</title>");
    expect(svg).toContain('id="f7-arrow"');
    expect(svg).not.toContain('id="arrow"');
    // No raw markup from labels (the flow's SSML has tags).
    expect(svg).not.toMatch(/<speak|<break/);
  });

  it("draws a cycle with a back edge instead of failing", () => {
    const svg = mermaidToSvg(
      'flowchart TD\n  a0["A"]\n  a1["B"]\n  a0 --> a1\n  a1 -->|"again"| a0\n',
      "loop",
    );
    expect(svg.match(/<path d="M[\d.]+,[\d.]+ C/g)).toHaveLength(2);
    expect(svg).toContain(">again</text>");
  });
});
