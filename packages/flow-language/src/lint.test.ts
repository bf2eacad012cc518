import { isCvkError } from "@cvk/core";
import { describe, expect, it } from "vitest";
import { parseFlowDocument } from "./document.ts";
import type { FlowReferenceKind, FlowReferenceResolver } from "./flow-validation.ts";
import { type LintFinding, lintFlow } from "./lint.ts";
import { LINT_RULES, type LintRuleId } from "./rules.ts";
import {
  ACCOUNT,
  actionOf,
  INSTANCE,
  INSTANCE_ARN,
  indexOf,
  LAMBDA,
  QUEUE_ID,
  REFERENCE_FLOWS,
  REGION,
  referenceFlows,
  resolvePointer,
  type TestFlow,
  voiceIdFlow,
} from "./test-support.ts";

const known: Record<FlowReferenceKind, Set<string>> = {
  queue: new Set([QUEUE_ID]),
  prompt: new Set(),
  "contact-flow": new Set(),
  "lambda-function": new Set([LAMBDA]),
  "phone-number": new Set(),
};
const resolver: FlowReferenceResolver = {
  instance: { region: REGION, accountId: ACCOUNT, instanceId: INSTANCE },
  exists: (kind, id) => known[kind].has(id),
};

/** "/Actions/<index of identifier in the base flow>/…" */
function at(identifier: string, ...rest: (string | number)[]): string {
  return ["", "Actions", indexOf(voiceIdFlow(), identifier), ...rest].join("/");
}

const lint = (flow: TestFlow | string, withResolver = false): LintFinding[] =>
  lintFlow(typeof flow === "string" ? flow : JSON.stringify(flow), withResolver ? { resolver } : {});

interface Defect {
  name: string;
  mutate(flow: TestFlow): TestFlow | string;
  rule: LintRuleId;
  pointer: string;
  /** The action the finding must name; omitted for document-level findings. */
  action?: string;
  /** Other rules the mutation legitimately trips as well (e.g. an action it cuts off becomes unreachable). */
  also?: LintRuleId[];
  withResolver?: boolean;
}

const DEFECTS: Defect[] = [
  {
    name: "content that is not JSON",
    mutate: (flow) => JSON.stringify(flow).slice(0, -2),
    rule: "invalid-json",
    pointer: "",
  },
  {
    name: "content over 256,000 characters",
    mutate: (flow) => {
      flow.Metadata.padding = "x".repeat(256_000);
      return flow;
    },
    rule: "content-length",
    pointer: "",
  },
  {
    name: "Metadata that is not an object",
    mutate: (flow) => ({ ...flow, Metadata: "layout" as unknown as Record<string, unknown> }),
    rule: "document-shape",
    pointer: "/Metadata",
  },
  {
    name: "an unsupported Version",
    mutate: (flow) => ({ ...flow, Version: "2020-01-01" }),
    rule: "unsupported-version",
    pointer: "/Version",
  },
  {
    name: "more than 250 actions",
    mutate: (flow) => {
      for (let i = 0; i < 240; i++) {
        const next = i === 239 ? "bye" : `extra-${i + 1}`;
        flow.Actions.push({
          Identifier: `extra-${i}`,
          Type: "UpdateFlowLoggingBehavior",
          Parameters: { FlowLoggingBehavior: "Enabled" },
          Transitions: { NextAction: next },
        });
      }
      actionOf(flow, "log").Transitions = { NextAction: "extra-0" };
      actionOf(flow, "extra-239").Transitions = { NextAction: "attrs" };
      return flow;
    },
    rule: "too-many-actions",
    pointer: "/Actions",
  },
  {
    name: "an Identifier with a forbidden character",
    mutate: (flow) => {
      actionOf(flow, "log").Identifier = "log:1";
      flow.StartAction = "log:1";
      return flow;
    },
    rule: "identifier-invalid",
    pointer: at("log", "Identifier"),
    action: "log:1",
  },
  {
    name: "a reserved word as Identifier",
    mutate: (flow) => {
      actionOf(flow, "log").Identifier = "constructor";
      flow.StartAction = "constructor";
      return flow;
    },
    rule: "identifier-invalid",
    pointer: at("log", "Identifier"),
    action: "constructor",
  },
  {
    name: "two actions with the same Identifier (reported on the later one)",
    mutate: (flow) => {
      flow.Actions.push({
        Identifier: "bye",
        Type: "DisconnectParticipant",
        Parameters: {},
        Transitions: {},
      });
      return flow;
    },
    rule: "duplicate-identifier",
    pointer: `/Actions/${voiceIdFlow().Actions.length}/Identifier`,
    action: "bye",
  },
  {
    name: "a StartAction that names no action",
    mutate: (flow) => ({ ...flow, StartAction: "nowhere" }),
    rule: "start-action-unresolved",
    pointer: "/StartAction",
  },
  {
    name: "a NextAction that names no action",
    mutate: (flow) => {
      actionOf(flow, "greet").Transitions.NextAction = "gret";
      return flow;
    },
    rule: "next-action-unresolved",
    pointer: at("greet", "Transitions", "NextAction"),
    action: "greet",
  },
  {
    name: "a condition that names no action",
    mutate: (flow) => {
      const first = actionOf(flow, "authenticate").Transitions.Conditions?.[0];
      if (first) first.NextAction = "vip-queue";
      return flow;
    },
    rule: "next-action-unresolved",
    pointer: at("authenticate", "Transitions", "Conditions", 0, "NextAction"),
    action: "authenticate",
  },
  {
    name: "an error branch that names no action",
    mutate: (flow) => {
      const first = actionOf(flow, "transfer").Transitions.Errors?.[0];
      if (first) first.NextAction = "overflow";
      return flow;
    },
    rule: "next-action-unresolved",
    pointer: at("transfer", "Transitions", "Errors", 0, "NextAction"),
    action: "transfer",
  },
  {
    name: "an action nothing leads to",
    mutate: (flow) => {
      flow.Actions.push({
        Identifier: "orphan",
        Type: "MessageParticipant",
        Parameters: { Text: "Nobody hears this." },
        Transitions: { NextAction: "bye" },
      });
      return flow;
    },
    rule: "unreachable-action",
    pointer: `/Actions/${voiceIdFlow().Actions.length}`,
    action: "orphan",
  },
  {
    name: "an unknown action type",
    mutate: (flow) => {
      actionOf(flow, "log").Type = "SetLoggingBehavior";
      return flow;
    },
    rule: "unknown-action-type",
    pointer: at("log", "Type"),
    action: "log",
  },
  {
    name: "a Voice ID preview-era action type",
    mutate: (flow) => {
      actionOf(flow, "stream").Type = "SetSecurityBehavior";
      return flow;
    },
    rule: "legacy-action-type",
    pointer: at("stream", "Type"),
    action: "stream",
  },
  {
    name: "a number where every parameter is a string",
    mutate: (flow) => {
      actionOf(flow, "set-voice-id").Parameters.VoiceAuthenticationThreshold = 90;
      return flow;
    },
    rule: "parameter-not-string",
    pointer: at("set-voice-id", "Parameters", "VoiceAuthenticationThreshold"),
    action: "set-voice-id",
  },
  {
    name: "a nested number in Parameters",
    mutate: (flow) => {
      actionOf(flow, "attrs").Parameters.Attributes = { greeted: "yes", visits: 3 };
      return flow;
    },
    rule: "parameter-not-string",
    pointer: at("attrs", "Parameters", "Attributes", "visits"),
    action: "attrs",
  },
  {
    name: "an empty parameter value",
    mutate: (flow) => {
      actionOf(flow, "greet").Parameters.Text = "";
      return flow;
    },
    rule: "empty-value",
    pointer: at("greet", "Parameters", "Text"),
    action: "greet",
  },
  {
    name: "an empty condition operand",
    mutate: (flow) => {
      const second = actionOf(flow, "fraud").Transitions.Conditions?.[1];
      if (second) second.Condition.Operands = [""];
      return flow;
    },
    rule: "empty-value",
    pointer: at("fraud", "Transitions", "Conditions", 1, "Condition", "Operands", 0),
    action: "fraud",
  },
  {
    name: "a Play prompt with nothing to play",
    mutate: (flow) => {
      actionOf(flow, "greet").Parameters = {};
      return flow;
    },
    rule: "missing-parameter",
    pointer: at("greet", "Parameters"),
    action: "greet",
  },
  {
    name: "a Play prompt with both a prompt and text",
    mutate: (flow) => {
      actionOf(flow, "greet").Parameters.PromptId = `${INSTANCE_ARN}/prompt/${QUEUE_ID}`;
      return flow;
    },
    rule: "conflicting-parameters",
    pointer: at("greet", "Parameters", "Text"),
    action: "greet",
  },
  {
    name: "a parameter the action type does not take",
    mutate: (flow) => {
      actionOf(flow, "greet").Parameters.TextType = "ssml";
      return flow;
    },
    rule: "unknown-parameter",
    pointer: at("greet", "Parameters", "TextType"),
    action: "greet",
  },
  {
    name: "a Lambda timeout over 8 seconds",
    mutate: (flow) => {
      actionOf(flow, "lookup").Parameters.InvocationTimeLimitSeconds = "9";
      return flow;
    },
    rule: "parameter-value",
    pointer: at("lookup", "Parameters", "InvocationTimeLimitSeconds"),
    action: "lookup",
  },
  {
    name: "an unknown condition operator",
    mutate: (flow) => {
      const second = actionOf(flow, "authenticate").Transitions.Conditions?.[1];
      if (second) second.Condition.Operator = "Contains";
      return flow;
    },
    rule: "condition-invalid",
    pointer: at("authenticate", "Transitions", "Conditions", 1, "Condition", "Operator"),
    action: "authenticate",
  },
  {
    name: "a Disconnect with a NextAction",
    mutate: (flow) => {
      actionOf(flow, "bye").Transitions = { NextAction: "log" };
      return flow;
    },
    rule: "transition-not-allowed",
    pointer: at("bye", "Transitions", "NextAction"),
    action: "bye",
  },
  {
    name: "conditions on a Play prompt",
    mutate: (flow) => {
      actionOf(flow, "greet").Transitions.Conditions = [
        { NextAction: "set-voice-id", Condition: { Operator: "Equals", Operands: ["1"] } },
      ];
      return flow;
    },
    rule: "transition-not-allowed",
    pointer: at("greet", "Transitions", "Conditions"),
    action: "greet",
  },
  {
    name: "an error type the action does not have",
    mutate: (flow) => {
      const first = actionOf(flow, "greet").Transitions.Errors?.[0];
      if (first) first.ErrorType = "QueueAtCapacity";
      return flow;
    },
    rule: "transition-not-allowed",
    pointer: at("greet", "Transitions", "Errors", 0, "ErrorType"),
    action: "greet",
  },
  {
    name: "a non-terminal action without a NextAction",
    mutate: (flow) => {
      delete actionOf(flow, "greet").Transitions.NextAction;
      return flow;
    },
    rule: "transition-missing",
    pointer: at("greet", "Transitions"),
    action: "greet",
  },
  {
    name: "a template placeholder left in a parameter",
    mutate: (flow) => {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a template placeholder is the defect
      actionOf(flow, "queue").Parameters.QueueId = "${BASIC_QUEUE_ARN}";
      return flow;
    },
    rule: "unresolved-placeholder",
    pointer: at("queue", "Parameters", "QueueId"),
    action: "queue",
  },
  {
    name: "a prompt ARN where a queue is expected",
    mutate: (flow) => {
      actionOf(flow, "queue").Parameters.QueueId = `${INSTANCE_ARN}/prompt/${QUEUE_ID}`;
      return flow;
    },
    rule: "reference-invalid",
    pointer: at("queue", "Parameters", "QueueId"),
    action: "queue",
  },
  {
    name: "a queue ARN from another instance",
    mutate: (flow) => {
      actionOf(flow, "queue").Parameters.QueueId =
        `arn:aws:connect:${REGION}:${ACCOUNT}:instance/99999999-2222-4333-8444-555555555555/queue/${QUEUE_ID}`;
      return flow;
    },
    rule: "reference-foreign-instance",
    pointer: at("queue", "Parameters", "QueueId"),
    action: "queue",
    withResolver: true,
  },
  {
    name: "a Lambda function the instance does not have",
    mutate: (flow) => {
      actionOf(flow, "lookup").Parameters.LambdaFunctionARN =
        `arn:aws:lambda:${REGION}:${ACCOUNT}:function:not-associated`;
      return flow;
    },
    rule: "reference-not-found",
    pointer: at("lookup", "Parameters", "LambdaFunctionARN"),
    action: "lookup",
    withResolver: true,
  },
  {
    name: "an unknown CheckVoiceIdOption",
    mutate: (flow) => {
      actionOf(flow, "authenticate").Parameters.CheckVoiceIdOption = "speakerStatus";
      return flow;
    },
    rule: "voice-id-check-option",
    pointer: at("authenticate", "Parameters", "CheckVoiceIdOption"),
    action: "authenticate",
  },
  {
    name: "a CheckVoiceId operand written as the console label",
    mutate: (flow) => {
      const notEnrolled = actionOf(flow, "authenticate").Transitions.Conditions?.[3];
      if (notEnrolled) notEnrolled.Condition.Operands = ["Not enrolled"];
      return flow;
    },
    rule: "voice-id-operand",
    pointer: at("authenticate", "Transitions", "Conditions", 3, "Condition", "Operands", 0),
    action: "authenticate",
  },
  {
    name: "a fraud operand on the authentication check",
    mutate: (flow) => {
      const first = actionOf(flow, "authenticate").Transitions.Conditions?.[0];
      if (first) first.Condition.Operands = ["LowRisk"];
      return flow;
    },
    rule: "voice-id-operand",
    pointer: at("authenticate", "Transitions", "Conditions", 0, "Condition", "Operands", 0),
    action: "authenticate",
  },
  {
    name: "a Voice ID switch that is not TRUE or FALSE",
    mutate: (flow) => {
      actionOf(flow, "set-voice-id").Parameters.IsVoiceIdStreamingEnabled = "yes";
      return flow;
    },
    rule: "voice-id-switch-value",
    pointer: at("set-voice-id", "Parameters", "IsVoiceIdStreamingEnabled"),
    action: "set-voice-id",
  },
  {
    name: "Voice ID switches not set together",
    mutate: (flow) => {
      delete actionOf(flow, "set-voice-id").Parameters.IsFraudDetectionEnabled;
      return flow;
    },
    rule: "voice-id-switches-together",
    pointer: at("set-voice-id", "Parameters"),
    action: "set-voice-id",
  },
  {
    name: "a fraud threshold while fraud detection is off",
    mutate: (flow) => {
      actionOf(flow, "set-voice-id").Parameters.IsFraudDetectionEnabled = "FALSE";
      return flow;
    },
    rule: "voice-id-threshold-coupling",
    pointer: at("set-voice-id", "Parameters", "FraudDetectionThreshold"),
    action: "set-voice-id",
  },
  {
    name: "authentication on without its threshold",
    mutate: (flow) => {
      delete actionOf(flow, "set-voice-id").Parameters.VoiceAuthenticationThreshold;
      return flow;
    },
    rule: "voice-id-threshold-coupling",
    pointer: at("set-voice-id", "Parameters"),
    action: "set-voice-id",
  },
  {
    name: "an authentication threshold over 100",
    mutate: (flow) => {
      actionOf(flow, "set-voice-id").Parameters.VoiceAuthenticationThreshold = "101";
      return flow;
    },
    rule: "voice-id-threshold-range",
    pointer: at("set-voice-id", "Parameters", "VoiceAuthenticationThreshold"),
    action: "set-voice-id",
  },
  {
    name: "an authentication response time under 5 seconds",
    mutate: (flow) => {
      actionOf(flow, "set-voice-id").Parameters.VoiceAuthenticationResponseTime = "4";
      return flow;
    },
    rule: "voice-id-response-time",
    pointer: at("set-voice-id", "Parameters", "VoiceAuthenticationResponseTime"),
    action: "set-voice-id",
  },
  {
    name: "a watchlist id that is not 22 alphanumerics",
    mutate: (flow) => {
      actionOf(flow, "set-voice-id").Parameters.WatchlistId = "watchlist-1";
      return flow;
    },
    rule: "voice-id-watchlist-id",
    pointer: at("set-voice-id", "Parameters", "WatchlistId"),
    action: "set-voice-id",
  },
  {
    name: "an UpdateContactData that sets nothing",
    mutate: (flow) => {
      actionOf(flow, "customer-id").Parameters = {};
      return flow;
    },
    rule: "update-contact-data-empty",
    pointer: at("customer-id", "Parameters"),
    action: "customer-id",
    // Without its CustomerId the authentication check has none on that path either.
    also: ["voice-id-customer-id-before-check"],
  },
  {
    name: "Set Voice ID reachable without a Play prompt",
    mutate: (flow) => {
      actionOf(flow, "attrs").Transitions = {
        NextAction: "set-voice-id",
        Errors: [{ ErrorType: "NoMatchingError", NextAction: "greet" }],
      };
      return flow;
    },
    rule: "voice-id-prompt-before-set",
    pointer: at("set-voice-id"),
    action: "set-voice-id",
  },
  {
    name: "Check Voice ID reachable without Set Voice ID's stream",
    mutate: (flow) => {
      const errors = actionOf(flow, "set-voice-id").Transitions.Errors;
      if (errors?.[0]) errors[0].NextAction = "lookup"; // the error branch skips StartVoiceIdStream
      return flow;
    },
    rule: "voice-id-set-before-check",
    pointer: at("authenticate"),
    action: "authenticate",
    // The fraud check after it is reachable the same way.
    also: ["voice-id-set-before-check"],
  },
  {
    name: "Check Voice ID reachable without a Customer ID",
    mutate: (flow) => {
      const errors = actionOf(flow, "lookup").Transitions.Errors;
      if (errors?.[0]) errors[0].NextAction = "authenticate"; // a failed lookup skips Set Customer ID
      return flow;
    },
    rule: "voice-id-customer-id-before-check",
    pointer: at("authenticate"),
    action: "authenticate",
  },
];

describe("lintFlow", () => {
  it("finds nothing in the Voice ID flow every defect starts from, with or without a resolver", () => {
    expect(lint(voiceIdFlow())).toEqual([]);
    expect(lint(voiceIdFlow(), true)).toEqual([]);
  });

  it(`seeds at least 20 distinct defects (${DEFECTS.length}) and one for every rule in LINT_RULES`, () => {
    expect(DEFECTS.length).toBeGreaterThanOrEqual(20);
    const seeded = new Set(DEFECTS.map((defect) => defect.rule));
    expect(Object.keys(LINT_RULES).filter((rule) => !seeded.has(rule as LintRuleId))).toEqual([]);
  });

  for (const defect of DEFECTS) {
    it(`reports ${defect.name} as ${defect.rule} at "${defect.pointer}"`, () => {
      const mutated = defect.mutate(voiceIdFlow());
      const content = typeof mutated === "string" ? mutated : JSON.stringify(mutated);
      const findings = lint(content, defect.withResolver);
      const dump = JSON.stringify(findings, null, 2);
      const match = findings.find((f) => f.rule === defect.rule && f.pointer === defect.pointer);
      expect(match, dump).toBeDefined();
      expect(match?.actionIdentifier).toBe(defect.action);
      // The mutation trips no unrelated rule: one defect, one diagnosis.
      const allowed = new Set([defect.rule, ...(defect.also ?? [])]);
      const unrelated =
        defect.rule === "too-many-actions" ? [] : findings.filter((f) => !allowed.has(f.rule));
      expect(unrelated, dump).toEqual([]);
      for (const finding of findings) {
        expect(finding.severity).toBe(LINT_RULES[finding.rule].severity);
        expect(finding.message).not.toMatch(/\n/);
        expect(finding.hint, finding.rule).toBeTruthy();
        if (typeof mutated !== "string" && finding.rule !== "content-length") {
          expect(resolvePointer(mutated, finding.pointer), finding.pointer).toBeDefined();
        }
      }
    });
  }

  it("names the wire value when a console label is used", () => {
    const flow = voiceIdFlow();
    const conditions = actionOf(flow, "fraud").Transitions.Conditions ?? [];
    if (conditions[0]) conditions[0].Condition.Operands = ["High risk"];
    const [finding] = lint(flow);
    expect(finding?.message).toBe('"High risk" is the console label; the result on the wire is "HighRisk".');
    expect(finding?.hint).toBe('Write "HighRisk".');
  });

  it("does not ask for a Customer ID before a fraud-detection check (it is not per customer)", () => {
    const flow = voiceIdFlow();
    // Reach the fraud check straight from the stream: no Customer ID on that path.
    actionOf(flow, "stream").Transitions = {
      NextAction: "lookup",
      Errors: [{ ErrorType: "NoMatchingError", NextAction: "fraud" }],
    };
    expect(lint(flow)).toEqual([]);
  });

  it("treats a prompt on a loop back to Set Voice ID as not preceding it on the first pass", () => {
    const flow = voiceIdFlow();
    // Start at Set Voice ID; the prompt only comes after, then loops back.
    flow.StartAction = "set-voice-id";
    actionOf(flow, "stream").Transitions = { NextAction: "greet" };
    actionOf(flow, "greet").Transitions = { NextAction: "set-voice-id" };
    const rules = lint(flow).map((f) => `${f.rule} ${f.pointer}`);
    expect(rules).toContain(`voice-id-prompt-before-set ${at("set-voice-id")}`);
  });

  it("reports every unreachable action but not when StartAction is itself unresolved", () => {
    const flow = voiceIdFlow();
    flow.StartAction = "transfer";
    const unreachable = lint(flow).filter((f) => f.rule === "unreachable-action");
    expect(unreachable.map((f) => f.actionIdentifier)).toEqual(
      flow.Actions.map((a) => a.Identifier).filter((id) => id !== "transfer" && id !== "bye"),
    );
    flow.StartAction = "nowhere";
    expect(lint(flow).filter((f) => f.rule === "unreachable-action")).toEqual([]);
  });

  it("escapes JSON pointer segments per RFC 6901", () => {
    const flow = voiceIdFlow();
    actionOf(flow, "attrs").Parameters.Attributes = { "a/b~c": "" };
    const finding = lint(flow).find((f) => f.rule === "empty-value");
    expect(finding?.pointer).toBe(at("attrs", "Parameters", "Attributes", "a~1b~0c"));
    expect(resolvePointer(flow, finding?.pointer ?? "")).toBe("");
  });

  it("walks Parameters nested 20,000 levels deep without overflowing the stack", () => {
    const flow = voiceIdFlow();
    const depth = 20_000;
    const text = JSON.stringify(flow).replace(
      '"Attributes":{',
      `"Deep":${'{"a":'.repeat(depth)}"\${x}"${"}".repeat(depth)},"Attributes":{`,
    );
    expect(text).toContain('"Deep"');
    const findings = lintFlow(text);
    const placeholder = findings.find((f) => f.rule === "unresolved-placeholder");
    expect(placeholder?.pointer.split("/a").length).toBe(depth + 1);
  });

  it("lists every rule with a kebab-case id, a severity, a one-line description, a hint and a source", () => {
    for (const [id, rule] of Object.entries(LINT_RULES)) {
      expect(id).toMatch(/^[a-z]+(-[a-z0-9]+)*$/);
      expect(["error", "warning"]).toContain(rule.severity);
      for (const text of [rule.description, rule.hint, rule.source]) {
        expect(text.length).toBeGreaterThan(0);
        expect(text).not.toMatch(/\n/);
      }
    }
  });
});

describe("parseFlowDocument", () => {
  it("returns the document unchanged when it has the flow language's shape", () => {
    const flow = voiceIdFlow();
    expect(parseFlowDocument(JSON.stringify(flow))).toEqual(flow);
  });

  const cases: [string, string, string][] = [
    ["not JSON", "{ nope", ""],
    ["an array", "[]", ""],
    ["no StartAction", JSON.stringify({ Version: "2019-10-30", Actions: [] }), "/StartAction"],
    [
      "Actions that is not a list",
      JSON.stringify({ Version: "x", StartAction: "a", Actions: {} }),
      "/Actions",
    ],
    [
      "a condition with a numeric operand",
      JSON.stringify({
        Version: "2019-10-30",
        StartAction: "a",
        Actions: [
          {
            Identifier: "a",
            Type: "Compare",
            Transitions: {
              Conditions: [{ NextAction: "a", Condition: { Operator: "Equals", Operands: [1] } }],
            },
          },
        ],
      }),
      "/Actions/0/Transitions/Conditions/0",
    ],
  ];
  for (const [name, content, pointer] of cases) {
    it(`throws FLOW_DOCUMENT_INVALID (exit code 2) for ${name}, pointing at "${pointer}"`, () => {
      let caught: unknown;
      try {
        parseFlowDocument(content);
      } catch (error) {
        caught = error;
      }
      expect(isCvkError(caught)).toBe(true);
      if (!isCvkError(caught)) return;
      expect(caught.code).toBe("FLOW_DOCUMENT_INVALID");
      expect(caught.exitCode).toBe(2);
      expect(caught.details?.pointer).toBe(pointer);
      expect(caught.hint).toBeTruthy();
    });
  }
});

// The public flows in shared/reference/flows (read in place; see its README for where each comes from).
describe.skipIf(referenceFlows().length === 0)(
  "the reference flows (skipped: no shared/reference/flows beside this repository)",
  () => {
    const flows = referenceFlows();

    it("are all there", () => {
      expect(flows.length).toBeGreaterThanOrEqual(8);
      expect(REFERENCE_FLOWS).toMatch(/shared[/\\]reference[/\\]flows$/);
    });

    // None is invalid: the two extracted ones (a Terraform heredoc body, a JS string literal) are plain
    // flow JSON, and the gitlab-cicd file wraps its flow as a JSON string in `Content` (test-support.ts).
    for (const { file, content } of flows) {
      it(`${file}: no errors`, () => {
        const findings = lintFlow(content);
        const errors = findings.filter((f) => f.severity === "error");
        expect(errors, JSON.stringify(errors, null, 2)).toEqual([]);
      });
    }

    /** What the README says each should show, as warnings. */
    const expected: [RegExp, LintRuleId[]][] = [
      // Preview-era types and a `${BASIC_QUEUE_ARN}` concatenated in (README: "a negative case for linting").
      [/voice-id-sample-application/, ["legacy-action-type", "unresolved-placeholder"]],
      // A tokenised template: ${REGION}, ${ACCT_ID} … in the one UpdateFlowAttributes block.
      [/acme_main_AUTO/, ["unresolved-placeholder"]],
      // The view flow is reached by transfer: Set Voice ID and the Customer ID happen in the handler flow.
      [/VoiceID-viewContactFlow/, ["voice-id-customer-id-before-check", "voice-id-set-before-check"]],
      // The handler is the model: prompt, Set Voice ID, Customer ID, no check.
      [/VoiceID-handlerContactFlow/, []],
      [/GoodMeasuresLLC/, []],
    ];
    for (const [pattern, rules] of expected) {
      it(`${pattern.source}: warns with exactly ${rules.join(", ") || "nothing"}`, () => {
        const matching = flows.filter((flow) => pattern.test(flow.file));
        expect(matching.length).toBeGreaterThan(0);
        for (const { content } of matching) {
          const found = [...new Set(lintFlow(content).map((f) => f.rule))].sort();
          expect(found).toEqual([...rules].sort());
        }
      });
    }
  },
);
