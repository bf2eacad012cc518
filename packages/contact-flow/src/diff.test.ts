import { describe, expect, it } from "vitest";
import type { JsonValue } from "./canonical.ts";
import { diffFlows, formatFlowDiff } from "./diff.ts";

const flow = (threshold: string, x = 100, order: "ab" | "ba" = "ab"): JsonValue => {
  const a = {
    Identifier: "a",
    Type: "UpdateContactData",
    Parameters: { VoiceAuthenticationThreshold: threshold },
    Transitions: { NextAction: "b" },
  };
  const b = { Identifier: "b", Type: "DisconnectParticipant", Parameters: {}, Transitions: {} };
  return {
    Version: "2019-10-30",
    StartAction: "a",
    Metadata: {
      entryPointPosition: { x: 1, y: 1 },
      ActionMetadata: { a: { position: { x, y: 1 } }, b: { position: { x: 2, y: 2 } } },
    },
    Actions: order === "ab" ? [a, b] : [b, a],
  };
};

describe("diffFlows", () => {
  it("ignores key order, text layout and action order", () => {
    const text = JSON.stringify(flow("90"), null, 4);
    expect(diffFlows(text, flow("90", 100, "ba")).identical).toBe(true);
  });

  it("reports one changed threshold as one change with its pointer and action", () => {
    const diff = diffFlows(flow("90"), flow("95", 100, "ba"));
    expect(diff.changes).toEqual([
      {
        kind: "changed",
        pointer: "/Actions/1/Parameters/VoiceAuthenticationThreshold",
        actionIdentifier: "a",
        before: "90",
        after: "95",
      },
    ]);
    expect(formatFlowDiff(diff)).toBe(
      '~ /Actions/1/Parameters/VoiceAuthenticationThreshold (action a): "90" → "95"\n',
    );
  });

  it("leaves out layout-only Metadata unless asked", () => {
    const moved = diffFlows(flow("90", 100), flow("90", 300));
    expect(moved).toMatchObject({ identical: true, ignoredLayoutChanges: 1 });
    expect(formatFlowDiff(moved)).toContain("1 layout-only change not shown");
    const withLayout = diffFlows(flow("90", 100), flow("90", 300), { includeLayout: true });
    expect(withLayout.changes).toEqual([
      {
        kind: "changed",
        pointer: "/Metadata/ActionMetadata/a/position/x",
        actionIdentifier: "a",
        before: 100,
        after: 300,
      },
    ]);
  });

  it("reports added and removed actions by Identifier", () => {
    const before = flow("90") as { Actions: JsonValue[] };
    const after = structuredClone(before);
    after.Actions.push({ Identifier: "c", Type: "DisconnectParticipant", Parameters: {}, Transitions: {} });
    after.Actions.splice(1, 1);
    const diff = diffFlows(before as JsonValue, after as JsonValue);
    expect(diff.changes.map((c) => [c.kind, c.pointer, c.actionIdentifier])).toEqual([
      ["removed", "/Actions/1", "b"],
      ["added", "/Actions/1", "c"],
    ]);
  });

  it("refuses content that is not JSON", () => {
    expect(() => diffFlows("{", flow("90"))).toThrow(expect.objectContaining({ code: "FLOW_INVALID" }));
  });
});
