import { CvkError } from "@cvk/core";
import {
  canonicalize,
  isJsonObject,
  type JsonObject,
  type JsonValue,
  jsonEqual,
  jsonPointer,
} from "./canonical.ts";

/**
 * A semantic diff of two flow documents: key order and whitespace never count; actions are matched by
 * Identifier, not by position (the flow language addresses them only by Identifier,
 * https://docs.aws.amazon.com/connect/latest/APIReference/flow-language.html); layout-only Metadata
 * (the designer's positions) is left out unless asked for, so moving a block in the console is not a
 * change to review.
 */

export interface FlowChange {
  kind: "added" | "removed" | "changed";
  /** JSON pointer: in the new document for added and changed values, in the old one for removed. */
  pointer: string;
  /** The action the change is in, when it is in one. */
  actionIdentifier?: string;
  before?: JsonValue;
  after?: JsonValue;
}

export interface FlowDiff {
  changes: FlowChange[];
  identical: boolean;
  /** Layout-only changes left out (0 with includeLayout). */
  ignoredLayoutChanges: number;
}

export interface DiffOptions {
  /** Count Metadata positions (entryPointPosition, snapToGrid, ActionMetadata.*.position) as changes. */
  includeLayout?: boolean;
}

type Path = (string | number)[];

function parse(value: JsonValue | string, label: string): JsonValue {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value) as JsonValue;
  } catch (error) {
    throw new CvkError("FLOW_INVALID", `The ${label} flow is not valid JSON: ${(error as Error).message}`, {
      hint: "Run `cvk flow lint` on it.",
    });
  }
}

/** A copy without the designer's layout: positions, the entry point and the grid setting. */
export function stripLayout(document: JsonValue): JsonValue {
  if (!isJsonObject(document) || !isJsonObject(document.Metadata)) return document;
  const metadata: JsonObject = { ...document.Metadata };
  delete metadata.entryPointPosition;
  delete metadata.snapToGrid;
  if (isJsonObject(metadata.ActionMetadata)) {
    const actions: JsonObject = {};
    for (const [id, entry] of Object.entries(metadata.ActionMetadata)) {
      if (!isJsonObject(entry)) {
        actions[id] = entry;
        continue;
      }
      const { position: _position, ...rest } = entry;
      // An entry that held only its position is layout, not a change.
      if (Object.keys(rest).length > 0) actions[id] = rest;
    }
    metadata.ActionMetadata = actions;
  }
  return { ...document, Metadata: metadata };
}

/** Arrays of objects that all carry an Identifier (Actions) are matched by it. */
function keyedByIdentifier(value: JsonValue[]): Map<string, number> | undefined {
  const keys = new Map<string, number>();
  for (const [i, item] of value.entries()) {
    if (!isJsonObject(item) || typeof item.Identifier !== "string" || keys.has(item.Identifier))
      return undefined;
    keys.set(item.Identifier, i);
  }
  return keys;
}

function compare(
  before: JsonValue,
  after: JsonValue,
  path: { old: Path; new: Path },
  action: string | undefined,
  out: FlowChange[],
): void {
  const at = (kind: FlowChange["kind"], p: Path, values: Pick<FlowChange, "before" | "after">) =>
    out.push({
      kind,
      pointer: jsonPointer(p),
      ...(action === undefined ? {} : { actionIdentifier: action }),
      ...values,
    });
  if (jsonEqual(before, after)) return;
  if (isJsonObject(before) && isJsonObject(after)) {
    for (const key of Object.keys(before)) {
      if (!Object.hasOwn(after, key)) at("removed", [...path.old, key], { before: before[key] as JsonValue });
    }
    for (const key of Object.keys(after)) {
      if (!Object.hasOwn(before, key)) at("added", [...path.new, key], { after: after[key] as JsonValue });
      else
        compare(
          before[key] as JsonValue,
          after[key] as JsonValue,
          { old: [...path.old, key], new: [...path.new, key] },
          action,
          out,
        );
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const oldKeys = keyedByIdentifier(before);
    const newKeys = keyedByIdentifier(after);
    if (oldKeys && newKeys) {
      for (const [id, i] of oldKeys) {
        if (!newKeys.has(id))
          out.push({
            kind: "removed",
            pointer: jsonPointer([...path.old, i]),
            actionIdentifier: id,
            before: before[i] as JsonValue,
          });
      }
      for (const [id, i] of newKeys) {
        const j = oldKeys.get(id);
        if (j === undefined)
          out.push({
            kind: "added",
            pointer: jsonPointer([...path.new, i]),
            actionIdentifier: id,
            after: after[i] as JsonValue,
          });
        else
          compare(
            before[j] as JsonValue,
            after[i] as JsonValue,
            { old: [...path.old, j], new: [...path.new, i] },
            id,
            out,
          );
      }
      return;
    }
    if (before.length === after.length) {
      for (const [i, item] of before.entries()) {
        compare(item, after[i] as JsonValue, { old: [...path.old, i], new: [...path.new, i] }, action, out);
      }
      return;
    }
  }
  at("changed", path.new, { before, after });
}

/** Metadata.ActionMetadata is keyed by action Identifier: name the action for changes there too. */
function nameMetadataActions(changes: FlowChange[]): void {
  for (const change of changes) {
    const match = /^\/Metadata\/ActionMetadata\/([^/]+)/.exec(change.pointer);
    if (match && change.actionIdentifier === undefined)
      change.actionIdentifier = (match[1] as string).replace(/~1/g, "/").replace(/~0/g, "~");
  }
}

/** The changes that turn `before` (e.g. what is deployed) into `after` (e.g. what was rendered). */
export function diffFlows(
  before: JsonValue | string,
  after: JsonValue | string,
  options: DiffOptions = {},
): FlowDiff {
  const full = { before: parse(before, "deployed"), after: parse(after, "rendered") };
  const all: FlowChange[] = [];
  compare(full.before, full.after, { old: [], new: [] }, undefined, all);
  nameMetadataActions(all);
  if (options.includeLayout) return { changes: all, identical: all.length === 0, ignoredLayoutChanges: 0 };
  const changes: FlowChange[] = [];
  compare(stripLayout(full.before), stripLayout(full.after), { old: [], new: [] }, undefined, changes);
  nameMetadataActions(changes);
  return {
    changes,
    identical: changes.length === 0,
    ignoredLayoutChanges: Math.max(0, all.length - changes.length),
  };
}

function show(value: JsonValue | undefined): string {
  const text = JSON.stringify(value === undefined ? null : canonicalize(value));
  return text.length > 100 ? `${text.slice(0, 99)}…` : text;
}

/** One line per change, `~` changed, `+` added, `-` removed, like a review tool. */
export function formatFlowDiff(diff: FlowDiff, options: { label?: string } = {}): string {
  const lines: string[] = [];
  if (options.label) lines.push(`--- ${options.label}`);
  if (diff.identical) lines.push("no changes");
  for (const change of diff.changes) {
    const action = change.actionIdentifier ? ` (action ${change.actionIdentifier})` : "";
    if (change.kind === "changed")
      lines.push(`~ ${change.pointer}${action}: ${show(change.before)} → ${show(change.after)}`);
    else if (change.kind === "added") lines.push(`+ ${change.pointer}${action}: ${show(change.after)}`);
    else lines.push(`- ${change.pointer}${action}: ${show(change.before)}`);
  }
  if (diff.ignoredLayoutChanges > 0) {
    lines.push(
      `(${diff.ignoredLayoutChanges} layout-only change${diff.ignoredLayoutChanges === 1 ? "" : "s"} not shown; --include-layout shows them)`,
    );
  }
  return `${lines.join("\n")}\n`;
}
