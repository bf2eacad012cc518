import { isPlainObject, jsonPointer } from "./document.ts";

/**
 * The action graph of a flow: one node per action, one edge per transition (flow-language.html
 * "Transitions": NextAction, Conditions[].NextAction, Errors[].NextAction). It reads loosely typed JSON,
 * because the linter builds it for documents that may be partly malformed.
 */

export type EdgeKind = "next" | "condition" | "error";

export interface FlowEdge {
  /** Index of the action the transition leaves. */
  from: number;
  /** Index of the action it goes to; undefined when the NextAction names no action. */
  to: number | undefined;
  /** The NextAction as written. */
  target: string;
  kind: EdgeKind;
  /** Condition: the operator and operands; error: the ErrorType. */
  label?: string;
  /** Where the NextAction is, e.g. /Actions/2/Transitions/Conditions/0/NextAction. */
  pointer: string;
}

export interface FlowGraph {
  /** Index of the StartAction, if it names an action. */
  start: number | undefined;
  /** Identifier → index of the first action with it (the one a transition reaches). */
  indexOf: ReadonlyMap<string, number>;
  edges: readonly FlowEdge[];
  /** Successor edges per action index. */
  out: readonly (readonly FlowEdge[])[];
}

/** "Equals" is the usual operator and goes unsaid; the others prefix their operands. */
export function conditionLabel(operator: string, operands: readonly string[]): string {
  const values = operands.join(", ");
  return operator === "Equals" ? values : `${operator} ${values}`;
}

export function buildFlowGraph(document: unknown): FlowGraph {
  const actions = isPlainObject(document) && Array.isArray(document.Actions) ? document.Actions : [];
  const indexOf = new Map<string, number>();
  actions.forEach((action, index) => {
    const id = isPlainObject(action) ? action.Identifier : undefined;
    if (typeof id === "string" && !indexOf.has(id)) indexOf.set(id, index);
  });
  const edges: FlowEdge[] = [];
  const out: FlowEdge[][] = actions.map(() => []);
  const add = (edge: Omit<FlowEdge, "to">): void => {
    const full: FlowEdge = { ...edge, to: indexOf.get(edge.target) };
    edges.push(full);
    out[edge.from]?.push(full);
  };
  actions.forEach((action, from) => {
    const transitions = isPlainObject(action) ? action.Transitions : undefined;
    if (!isPlainObject(transitions)) return;
    const at = (...rest: (string | number)[]) => jsonPointer("Actions", from, "Transitions", ...rest);
    if (typeof transitions.NextAction === "string") {
      add({ from, target: transitions.NextAction, kind: "next", pointer: at("NextAction") });
    }
    if (Array.isArray(transitions.Conditions)) {
      transitions.Conditions.forEach((entry, i) => {
        if (!isPlainObject(entry) || typeof entry.NextAction !== "string") return;
        const condition = isPlainObject(entry.Condition) ? entry.Condition : {};
        const operator = typeof condition.Operator === "string" ? condition.Operator : "?";
        const operands = Array.isArray(condition.Operands) ? condition.Operands.map(String) : [];
        add({
          from,
          target: entry.NextAction,
          kind: "condition",
          label: conditionLabel(operator, operands),
          pointer: at("Conditions", i, "NextAction"),
        });
      });
    }
    if (Array.isArray(transitions.Errors)) {
      transitions.Errors.forEach((entry, i) => {
        if (!isPlainObject(entry) || typeof entry.NextAction !== "string") return;
        add({
          from,
          target: entry.NextAction,
          kind: "error",
          label: typeof entry.ErrorType === "string" ? entry.ErrorType : "?",
          pointer: at("Errors", i, "NextAction"),
        });
      });
    }
  });
  const startId = isPlainObject(document) ? document.StartAction : undefined;
  return {
    start: typeof startId === "string" ? indexOf.get(startId) : undefined,
    indexOf,
    edges,
    out,
  };
}

/** Indexes of the actions reachable from StartAction (empty when it names no action). */
export function reachable(graph: FlowGraph): Set<number> {
  const seen = new Set<number>();
  if (graph.start === undefined) return seen;
  const stack = [graph.start];
  while (stack.length > 0) {
    const node = stack.pop() as number;
    if (seen.has(node)) continue;
    seen.add(node);
    for (const edge of graph.out[node] ?? [])
      if (edge.to !== undefined && !seen.has(edge.to)) stack.push(edge.to);
  }
  return seen;
}

/**
 * A "must" dataflow: for each reachable action, whether a fact holds on *every* path from StartAction
 * to it (before it runs). `gen(i)` says whether running action i makes the fact hold afterwards; facts
 * are never killed. We model an action having run, not its outcome, so an error branch counts too: the
 * prompt was attempted, the attribute write was attempted. Computed as the greatest fixpoint of
 * in(n) = AND over reachable predecessors p of (in(p) OR gen(p)), with in(start) = false.
 */
export function holdsOnEveryPath(graph: FlowGraph, gen: (index: number) => boolean): Map<number, boolean> {
  const live = reachable(graph);
  const preds = new Map<number, number[]>();
  for (const edge of graph.edges) {
    if (edge.to === undefined || !live.has(edge.from) || !live.has(edge.to)) continue;
    const list = preds.get(edge.to) ?? [];
    list.push(edge.from);
    preds.set(edge.to, list);
  }
  const before = new Map<number, boolean>();
  for (const node of live) before.set(node, node !== graph.start);
  let changed = true;
  while (changed) {
    changed = false;
    for (const node of [...live].sort((a, b) => a - b)) {
      if (node === graph.start) continue;
      const value = (preds.get(node) ?? []).every((p) => before.get(p) === true || gen(p));
      if (value !== before.get(node)) {
        before.set(node, value);
        changed = true;
      }
    }
  }
  return before;
}
