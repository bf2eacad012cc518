/**
 * A flow's diagram as inline SVG, drawn from the Mermaid text `flowToMermaid` writes — so the HTML
 * report shows the same graph without loading Mermaid (or anything else) from the network.
 *
 * Layout: a simple layered drawing (Sugiyama-style, one barycentre pass): each node sits one layer
 * below the deepest node that leads to it over forward edges (edges closing a cycle are drawn back up
 * the right-hand side), layers are centred, and within a layer nodes follow the average position of
 * their predecessors. Errors are dashed edges, as in Mermaid.
 */

export interface DiagramNode {
  id: string;
  lines: string[];
  kind: "entry" | "action" | "missing";
}

export interface DiagramEdge {
  from: string;
  to: string;
  label?: string;
  error: boolean;
}

export interface ParsedDiagram {
  nodes: DiagramNode[];
  edges: DiagramEdge[];
}

/** Mermaid entity codes (the ones `escapeMermaidLabel` writes) back to characters. */
function decodeEntities(text: string): string {
  const named: Record<string, string> = { quot: '"', amp: "&", lt: "<", gt: ">" };
  return text.replace(/#(\w+);/g, (whole, code: string) => {
    if (/^\d+$/.test(code)) return String.fromCodePoint(Number(code));
    return named[code] ?? whole;
  });
}

const NODE = /^\s*([A-Za-z0-9_]+)(\(\(|\[)"(.*)"(?:\)\)|\])\s*$/;
const EDGE = /^\s*([A-Za-z0-9_]+)\s+(-->|-\.->)(?:\|"(.*)"\|)?\s+([A-Za-z0-9_]+)\s*$/;

/** Reads the nodes and edges of a Mermaid flowchart as `flowToMermaid` writes it. */
export function parseMermaidFlowchart(mermaid: string): ParsedDiagram {
  const nodes: DiagramNode[] = [];
  const edges: DiagramEdge[] = [];
  for (const line of mermaid.split("\n")) {
    const edge = EDGE.exec(line);
    if (edge) {
      const [, from, arrow, label, to] = edge;
      edges.push({
        from: from as string,
        to: to as string,
        ...(label === undefined ? {} : { label: decodeEntities(label) }),
        error: arrow === "-.->",
      });
      continue;
    }
    const node = NODE.exec(line);
    if (node) {
      const [, id, shape, label] = node;
      const text = decodeEntities(label as string);
      nodes.push({
        id: id as string,
        lines: text.split("<br/>"),
        kind: shape === "((" ? "entry" : text.startsWith("missing: ") ? "missing" : "action",
      });
    }
  }
  return { nodes, edges };
}

const NODE_WIDTH = 190;
const LINE_HEIGHT = 15;
const H_GAP = 36;
const V_GAP = 46;
const PAD = 24;
const MAX_CHARS = 28;

function escapeXml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** Breaks a label into lines of at most MAX_CHARS (at spaces where possible), at most 3 lines. */
function wrap(lines: string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    let rest = line.trim();
    while (rest.length > MAX_CHARS) {
      let cut = rest.lastIndexOf(" ", MAX_CHARS);
      if (cut < MAX_CHARS / 2) cut = MAX_CHARS;
      out.push(rest.slice(0, cut).trim());
      rest = rest.slice(cut).trim();
    }
    if (rest) out.push(rest);
  }
  if (out.length > 3) return [...out.slice(0, 2), `${out[2]?.slice(0, MAX_CHARS - 1)}…`];
  return out;
}

interface Placed {
  node: DiagramNode;
  layer: number;
  order: number;
  x: number;
  y: number;
  height: number;
  lines: string[];
}

/** Layers by longest path from the entry over forward edges (DFS back edges are left out). */
function layers(diagram: ParsedDiagram): Map<string, number> {
  const out = new Map<string, DiagramEdge[]>();
  for (const edge of diagram.edges) out.set(edge.from, [...(out.get(edge.from) ?? []), edge]);
  const back = new Set<DiagramEdge>();
  const state = new Map<string, "open" | "done">();
  const visit = (id: string) => {
    state.set(id, "open");
    for (const edge of out.get(id) ?? []) {
      const s = state.get(edge.to);
      if (s === "open") back.add(edge);
      else if (s === undefined) visit(edge.to);
    }
    state.set(id, "done");
  };
  for (const node of diagram.nodes) if (!state.has(node.id)) visit(node.id);
  const forward = diagram.edges.filter((edge) => !back.has(edge));
  const layer = new Map<string, number>(diagram.nodes.map((n) => [n.id, 0]));
  // Longest path on a DAG: relax in rounds (node counts are small: ≤ a few hundred actions).
  for (let round = 0; round < diagram.nodes.length; round++) {
    let changed = false;
    for (const edge of forward) {
      const next = (layer.get(edge.from) ?? 0) + 1;
      if (next > (layer.get(edge.to) ?? 0)) {
        layer.set(edge.to, next);
        changed = true;
      }
    }
    if (!changed) break;
  }
  return layer;
}

/**
 * An SVG drawing of the flowchart; `title` becomes the SVG's accessible name, `idPrefix` keeps its
 * element ids unique when a page holds several diagrams.
 */
export function mermaidToSvg(mermaid: string, title: string, idPrefix = "flow"): string {
  const diagram = parseMermaidFlowchart(mermaid);
  if (diagram.nodes.length === 0) {
    return `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="300" height="40"><title>${escapeXml(title)}</title><text x="10" y="25">(empty flow)</text></svg>`;
  }
  const layerOf = layers(diagram);
  const byLayer = new Map<number, Placed[]>();
  for (const node of diagram.nodes) {
    const lines = node.kind === "entry" ? node.lines : wrap(node.lines);
    const layer = layerOf.get(node.id) ?? 0;
    const placed: Placed = {
      node,
      layer,
      order: byLayer.get(layer)?.length ?? 0,
      x: 0,
      y: 0,
      height: node.kind === "entry" ? 36 : 12 + lines.length * LINE_HEIGHT,
      lines,
    };
    byLayer.set(layer, [...(byLayer.get(layer) ?? []), placed]);
  }
  const placedById = new Map<string, Placed>();
  for (const row of byLayer.values()) for (const p of row) placedById.set(p.node.id, p);
  // One barycentre pass: order each layer by the mean order of its predecessors.
  const layerIds = [...byLayer.keys()].sort((a, b) => a - b);
  for (const layer of layerIds) {
    const row = byLayer.get(layer) ?? [];
    const score = (p: Placed) => {
      const preds = diagram.edges
        .filter((e) => e.to === p.node.id)
        .map((e) => placedById.get(e.from))
        .filter((q): q is Placed => q !== undefined && q.layer < layer);
      return preds.length === 0 ? p.order : preds.reduce((sum, q) => sum + q.order, 0) / preds.length;
    };
    const scored = row.map((p) => ({ p, s: score(p) }));
    scored.sort((a, b) => a.s - b.s || a.p.order - b.p.order);
    scored.forEach(({ p }, i) => {
      p.order = i;
    });
  }
  const widest = Math.max(...layerIds.map((l) => byLayer.get(l)?.length ?? 0));
  const contentWidth = widest * NODE_WIDTH + (widest - 1) * H_GAP;
  let y = PAD;
  for (const layer of layerIds) {
    const row = (byLayer.get(layer) ?? []).sort((a, b) => a.order - b.order);
    const rowWidth = row.length * NODE_WIDTH + (row.length - 1) * H_GAP;
    const start = PAD + (contentWidth - rowWidth) / 2;
    const height = Math.max(...row.map((p) => p.height));
    row.forEach((p, i) => {
      p.x = start + i * (NODE_WIDTH + H_GAP);
      p.y = y + (height - p.height) / 2;
    });
    y += height + V_GAP;
  }
  const backMargin = 60;
  const width = PAD * 2 + contentWidth + backMargin;
  const height = y - V_GAP + PAD;

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="flow-diagram" role="img" width="${Math.ceil(width)}" height="${Math.ceil(height)}" viewBox="0 0 ${Math.ceil(width)} ${Math.ceil(height)}">`,
    `<title>${escapeXml(title)}</title>`,
    `<defs><marker id="${idPrefix}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>`,
  );
  let backLane = 0;
  const labels: string[] = [];
  for (const edge of diagram.edges) {
    const from = placedById.get(edge.from);
    const to = placedById.get(edge.to);
    if (!from || !to) continue;
    const style = edge.error ? ' stroke-dasharray="5 4"' : "";
    const x1 = from.x + NODE_WIDTH / 2;
    const y1 = from.y + from.height;
    const x2 = to.x + NODE_WIDTH / 2;
    const y2 = to.y;
    let path: string;
    let lx: number;
    let ly: number;
    if (to.layer > from.layer) {
      const mid = (y1 + y2) / 2;
      path = `M${x1},${y1} C${x1},${mid} ${x2},${mid} ${x2},${y2}`;
      lx = (x1 + x2) / 2;
      ly = mid;
    } else {
      // Back (or same-layer) edge: out of the right side, up the margin, into the target's right side.
      const lane = PAD + contentWidth + 12 + (backLane++ % 4) * 10;
      const sy = from.y + from.height / 2;
      const ty = to.y + to.height / 2;
      path = `M${from.x + NODE_WIDTH},${sy} C${lane},${sy} ${lane},${ty} ${to.x + NODE_WIDTH},${ty}`;
      lx = lane - 10;
      ly = (sy + ty) / 2;
    }
    parts.push(
      `<path d="${path}" fill="none" stroke="${edge.error ? "#b45309" : "#555"}" stroke-width="1.3"${style}${edge.error ? ' stroke-opacity="0.55"' : ""} marker-end="url(#${idPrefix}-arrow)"/>`,
    );
    // The catch-all error branch is on almost every block: the dashed line says it; its label would only clutter.
    if (edge.label && !(edge.error && edge.label === "NoMatchingError")) {
      const text = edge.label.length > 24 ? `${edge.label.slice(0, 23)}…` : edge.label;
      const w = text.length * 6 + 8;
      labels.push(
        `<g class="edge-label"><rect x="${lx - w / 2}" y="${ly - 9}" width="${w}" height="16" rx="3" fill="#fff" stroke="#ddd"/><text x="${lx}" y="${ly + 3}" text-anchor="middle" font-size="10">${escapeXml(text)}</text></g>`,
      );
    }
  }
  for (const p of placedById.values()) {
    const { node } = p;
    const fill = node.kind === "entry" ? "#f8fafc" : node.kind === "missing" ? "#fef2f2" : "#eef4ff";
    const stroke = node.kind === "missing" ? "#c00" : "#4a6fa5";
    const dash = node.kind === "missing" ? ' stroke-dasharray="5 5"' : "";
    parts.push(`<g class="node node-${node.kind}">`);
    if (node.kind === "entry") {
      parts.push(
        `<ellipse cx="${p.x + NODE_WIDTH / 2}" cy="${p.y + p.height / 2}" rx="40" ry="${p.height / 2}" fill="${fill}" stroke="#333" stroke-width="2"/>`,
      );
    } else {
      parts.push(
        `<rect x="${p.x}" y="${p.y}" width="${NODE_WIDTH}" height="${p.height}" rx="6" fill="${fill}" stroke="${stroke}"${dash}/>`,
      );
    }
    p.lines.forEach((line, i) => {
      const ty = p.y + (node.kind === "entry" ? p.height / 2 + 4 : 18 + i * LINE_HEIGHT);
      const weight = i === 0 && node.kind !== "entry" ? ' font-weight="600"' : "";
      parts.push(
        `<text x="${p.x + NODE_WIDTH / 2}" y="${ty}" text-anchor="middle" font-size="11"${weight}>${escapeXml(line)}</text>`,
      );
    });
    parts.push("</g>");
  }
  parts.push(...labels, "</svg>");
  return parts.join("");
}
