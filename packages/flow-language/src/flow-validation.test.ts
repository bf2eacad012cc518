import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  checkSavedContent,
  type FlowReferenceKind,
  type FlowReferenceResolver,
  MAX_FLOW_CONTENT_LENGTH,
  validateFlowContent,
} from "./flow-validation.ts";

const REGION = "us-west-2";
const ACCOUNT = "123456789012";
const INSTANCE = "11111111-2222-4333-8444-555555555555";
const INSTANCE_ARN = `arn:aws:connect:${REGION}:${ACCOUNT}:instance/${INSTANCE}`;
const QUEUE_ID = "aaaaaaaa-0000-4000-8000-000000000001";
const PROMPT_ID = "aaaaaaaa-0000-4000-8000-000000000002";
const FLOW_ID = "aaaaaaaa-0000-4000-8000-000000000003";
const LAMBDA = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:lookup-customer`;
const PHONE = "+12065550100";

const known: Record<FlowReferenceKind, Set<string>> = {
  queue: new Set([QUEUE_ID]),
  prompt: new Set([PROMPT_ID]),
  "contact-flow": new Set([FLOW_ID]),
  "lambda-function": new Set([LAMBDA]),
  "phone-number": new Set([PHONE]),
};
const resolver: FlowReferenceResolver = {
  instance: { region: REGION, accountId: ACCOUNT, instanceId: INSTANCE },
  exists: (kind, id) => known[kind].has(id),
};

type Action = {
  Identifier: string;
  Type: string;
  Parameters: Record<string, unknown>;
  Transitions: Record<string, unknown>;
};
type Flow = { Version: string; StartAction: string; Metadata: Record<string, unknown>; Actions: Action[] };

const onward = (to: string) => ({
  NextAction: to,
  Errors: [{ ErrorType: "NoMatchingError", NextAction: to }],
});

/** A valid flow exercising the Set Voice ID / Check Voice ID pattern and every kind of reference. */
function baseFlow(): Flow {
  return {
    Version: "2019-10-30",
    StartAction: "log",
    Metadata: { entryPointPosition: { x: 0, y: 0 } },
    Actions: [
      {
        Identifier: "log",
        Type: "UpdateFlowLoggingBehavior",
        Parameters: { FlowLoggingBehavior: "Enabled" },
        Transitions: { NextAction: "greet" },
      },
      {
        Identifier: "greet",
        Type: "MessageParticipant",
        Parameters: { PromptId: `${INSTANCE_ARN}/prompt/${PROMPT_ID}` },
        Transitions: onward("set-voice-id"),
      },
      {
        Identifier: "set-voice-id",
        Type: "UpdateContactData",
        Parameters: {
          IsVoiceIdStreamingEnabled: "TRUE",
          IsVoiceAuthenticationEnabled: "true",
          IsFraudDetectionEnabled: "TRUE",
          VoiceAuthenticationThreshold: "90",
          VoiceAuthenticationResponseTime: "10",
          FraudDetectionThreshold: "50",
          WatchlistId: "AbCdEfGhIjKlMnOpQrStUv",
        },
        Transitions: onward("stream"),
      },
      {
        Identifier: "stream",
        Type: "StartVoiceIdStream",
        Parameters: {},
        Transitions: onward("customer-id"),
      },
      {
        Identifier: "customer-id",
        Type: "UpdateContactData",
        Parameters: { CustomerId: "$.Attributes.customerId" },
        Transitions: onward("lambda"),
      },
      {
        Identifier: "lambda",
        Type: "InvokeLambdaFunction",
        Parameters: { LambdaFunctionARN: LAMBDA, InvocationTimeLimitSeconds: "3" },
        Transitions: onward("check"),
      },
      {
        Identifier: "check",
        Type: "CheckVoiceId",
        Parameters: { CheckVoiceIdOption: "voiceAuthentication" },
        Transitions: {
          NextAction: "bye",
          Conditions: [
            { NextAction: "queue", Condition: { Operator: "Equals", Operands: ["Authenticated"] } },
            { NextAction: "hooks", Condition: { Operator: "Equals", Operands: ["NotAuthenticated"] } },
            { NextAction: "bye", Condition: { Operator: "Equals", Operands: ["NotEnrolled"] } },
          ],
          Errors: [{ ErrorType: "NoMatchingError", NextAction: "bye" }],
        },
      },
      {
        Identifier: "hooks",
        Type: "UpdateContactEventHooks",
        Parameters: { EventHooks: { CustomerQueue: FLOW_ID } },
        Transitions: onward("queue"),
      },
      {
        Identifier: "queue",
        Type: "UpdateContactTargetQueue",
        Parameters: { QueueId: `${INSTANCE_ARN}/queue/${QUEUE_ID}` },
        Transitions: onward("transfer"),
      },
      {
        Identifier: "transfer",
        Type: "TransferContactToQueue",
        Parameters: {},
        Transitions: {
          NextAction: "bye",
          Errors: [
            { ErrorType: "QueueAtCapacity", NextAction: "bye" },
            { ErrorType: "NoMatchingError", NextAction: "bye" },
          ],
        },
      },
      { Identifier: "bye", Type: "DisconnectParticipant", Parameters: {}, Transitions: {} },
    ],
  };
}

function action(flow: Flow, identifier: string): Action {
  const found = flow.Actions.find((candidate) => candidate.Identifier === identifier);
  if (!found) throw new Error(`no action ${identifier}`);
  return found;
}

interface Defect {
  name: string;
  mutate(flow: Flow): Flow | string;
  /** A fragment of the problem message; the problem must name the action when `action` is given. */
  expect: string;
  action?: string;
}

const DEFECTS: Defect[] = [
  {
    name: "content that is not JSON",
    mutate: (flow) => JSON.stringify(flow).slice(0, -2),
    expect: "not valid JSON",
  },
  {
    name: "content over 256,000 characters",
    mutate: (flow) => {
      flow.Metadata.padding = "x".repeat(MAX_FLOW_CONTENT_LENGTH);
      return flow;
    },
    expect: "the maximum is 256000",
  },
  {
    name: "an unsupported Version",
    mutate: (flow) => ({ ...flow, Version: "2020-01-01" }),
    expect: 'Unsupported flow Version "2020-01-01"',
  },
  {
    name: "a missing StartAction",
    mutate: (flow) => {
      const { StartAction: _, ...rest } = flow;
      return JSON.stringify(rest);
    },
    expect: "no StartAction",
  },
  {
    name: "a StartAction that resolves to nothing",
    mutate: (flow) => ({ ...flow, StartAction: "nowhere" }),
    expect: 'StartAction "nowhere"',
  },
  {
    name: "two actions with the same Identifier",
    mutate: (flow) => {
      action(flow, "stream").Identifier = "greet";
      return flow;
    },
    expect: "used by more than one action",
    action: "greet",
  },
  {
    name: "an Identifier over 50 characters",
    mutate: (flow) => {
      const long = "x".repeat(51);
      action(flow, "bye").Identifier = long;
      for (const a of flow.Actions)
        if (JSON.stringify(a.Transitions).includes('"bye"'))
          a.Transitions = JSON.parse(JSON.stringify(a.Transitions).replaceAll('"bye"', `"${long}"`));
      return flow;
    },
    expect: "the maximum is 50",
    action: "x".repeat(51),
  },
  {
    name: "an Identifier with a forbidden character",
    mutate: (flow) => {
      action(flow, "log").Identifier = "log:1";
      flow.StartAction = "log:1";
      return flow;
    },
    expect: 'contains ":"',
    action: "log:1",
  },
  {
    name: "a NextAction that resolves to nothing",
    mutate: (flow) => {
      action(flow, "log").Transitions = { NextAction: "gret" };
      return flow;
    },
    expect: 'goes to "gret"',
    action: "log",
  },
  {
    name: "an error branch that resolves to nothing",
    mutate: (flow) => {
      action(flow, "transfer").Transitions = {
        NextAction: "bye",
        Errors: [{ ErrorType: "QueueAtCapacity", NextAction: "overflow" }],
      };
      return flow;
    },
    expect: 'QueueAtCapacity error branch goes to "overflow"',
    action: "transfer",
  },
  {
    name: "a condition that resolves to nothing",
    mutate: (flow) => {
      const conditions = action(flow, "check").Transitions.Conditions as { NextAction: string }[];
      if (conditions[0]) conditions[0].NextAction = "vip-queue";
      return flow;
    },
    expect: 'condition 1 goes to "vip-queue"',
    action: "check",
  },
  {
    name: "an unknown action type (the documented UnTagContact spelling)",
    mutate: (flow) => {
      action(flow, "stream").Type = "UnTagContact";
      return flow;
    },
    expect: 'did you mean "UntagContact"',
    action: "stream",
  },
  {
    name: "more than 250 actions",
    mutate: (flow) => {
      for (let i = 0; i < 250; i++) {
        flow.Actions.push({
          Identifier: `extra-${i}`,
          Type: "DisconnectParticipant",
          Parameters: {},
          Transitions: {},
        });
      }
      return flow;
    },
    expect: "at most 250",
  },
  {
    name: "a queue ARN from another instance",
    mutate: (flow) => {
      action(flow, "queue").Parameters.QueueId =
        `arn:aws:connect:${REGION}:${ACCOUNT}:instance/99999999-2222-4333-8444-555555555555/queue/${QUEUE_ID}`;
      return flow;
    },
    expect: "names a queue of another instance (instance 99999999",
    action: "queue",
  },
  {
    name: "a queue ARN from another account and Region",
    mutate: (flow) => {
      action(flow, "queue").Parameters.QueueId =
        `arn:aws:connect:us-east-1:210987654321:instance/${INSTANCE}/queue/${QUEUE_ID}`;
      return flow;
    },
    expect: "another instance (Region us-east-1, account 210987654321)",
    action: "queue",
  },
  {
    name: "a prompt id that does not exist",
    mutate: (flow) => {
      action(flow, "greet").Parameters.PromptId = "bbbbbbbb-0000-4000-8000-000000000000";
      return flow;
    },
    expect: "no prompt with id bbbbbbbb-0000-4000-8000-000000000000",
    action: "greet",
  },
  {
    name: "a prompt ARN where a queue is expected",
    mutate: (flow) => {
      action(flow, "queue").Parameters.QueueId = `${INSTANCE_ARN}/prompt/${PROMPT_ID}`;
      return flow;
    },
    expect: "is a prompt ARN, not a queue ARN",
    action: "queue",
  },
  {
    name: "a Lambda function not associated with the instance",
    mutate: (flow) => {
      action(flow, "lambda").Parameters.LambdaFunctionARN =
        `arn:aws:lambda:${REGION}:${ACCOUNT}:function:not-associated`;
      return flow;
    },
    expect: "is not associated with this instance",
    action: "lambda",
  },
  {
    name: "an event hook naming a flow that does not exist",
    mutate: (flow) => {
      action(flow, "hooks").Parameters.EventHooks = { CustomerQueue: "cccccccc-0000-4000-8000-000000000000" };
      return flow;
    },
    expect: "no flow with id cccccccc",
    action: "hooks",
  },
  {
    name: "two event hooks in one action",
    mutate: (flow) => {
      action(flow, "hooks").Parameters.EventHooks = { CustomerQueue: FLOW_ID, CustomerHold: FLOW_ID };
      return flow;
    },
    expect: "exactly one event hook (got 2)",
    action: "hooks",
  },
  {
    name: "a CheckVoiceId operand written as the console label",
    mutate: (flow) => {
      const conditions = action(flow, "check").Transitions.Conditions as {
        Condition: { Operands: string[] };
      }[];
      if (conditions[2]) conditions[2].Condition.Operands = ["Not enrolled"];
      return flow;
    },
    expect: 'the result on the wire is "NotEnrolled"',
    action: "check",
  },
  {
    name: "a CheckVoiceId operand from another option",
    mutate: (flow) => {
      const conditions = action(flow, "check").Transitions.Conditions as {
        Condition: { Operands: string[] };
      }[];
      if (conditions[0]) conditions[0].Condition.Operands = ["HighRisk"];
      return flow;
    },
    expect: 'no result "HighRisk"',
    action: "check",
  },
  {
    name: "an unknown CheckVoiceIdOption",
    mutate: (flow) => {
      action(flow, "check").Parameters.CheckVoiceIdOption = "speakerStatus";
      return flow;
    },
    expect: "CheckVoiceIdOption must be one of enrollmentStatus, voiceAuthentication, fraudDetection",
    action: "check",
  },
  {
    name: "a Voice ID switch that is not TRUE or FALSE",
    mutate: (flow) => {
      action(flow, "set-voice-id").Parameters.IsVoiceIdStreamingEnabled = "yes";
      return flow;
    },
    expect: 'IsVoiceIdStreamingEnabled must be "TRUE" or "FALSE" (got "yes")',
    action: "set-voice-id",
  },
  {
    name: "an authentication threshold over 100",
    mutate: (flow) => {
      action(flow, "set-voice-id").Parameters.VoiceAuthenticationThreshold = "101";
      return flow;
    },
    expect: "VoiceAuthenticationThreshold must be a whole number from 0 to 100",
    action: "set-voice-id",
  },
  {
    name: "a response time under 5 seconds",
    mutate: (flow) => {
      action(flow, "set-voice-id").Parameters.VoiceAuthenticationResponseTime = "4";
      return flow;
    },
    expect: "VoiceAuthenticationResponseTime must be a whole number of seconds from 5 to 10",
    action: "set-voice-id",
  },
  {
    name: "a watchlist id that is not 22 alphanumerics",
    mutate: (flow) => {
      action(flow, "set-voice-id").Parameters.WatchlistId = "watchlist-1";
      return flow;
    },
    expect: "WatchlistId must be 22 letters and digits",
    action: "set-voice-id",
  },
  {
    name: "Voice ID switches not set together",
    mutate: (flow) => {
      delete action(flow, "set-voice-id").Parameters.IsFraudDetectionEnabled;
      return flow;
    },
    expect: "IsFraudDetectionEnabled is missing",
    action: "set-voice-id",
  },
  {
    name: "a threshold set while its feature is off",
    mutate: (flow) => {
      action(flow, "set-voice-id").Parameters.IsFraudDetectionEnabled = "FALSE";
      return flow;
    },
    expect: "FraudDetectionThreshold cannot be set when IsFraudDetectionEnabled is FALSE",
    action: "set-voice-id",
  },
  {
    name: "an empty parameter value",
    mutate: (flow) => {
      action(flow, "customer-id").Parameters.CustomerId = "";
      return flow;
    },
    expect: "Parameters.CustomerId is empty",
    action: "customer-id",
  },
  {
    name: "a number where every parameter is a string",
    mutate: (flow) => {
      action(flow, "lambda").Parameters.InvocationTimeLimitSeconds = 3;
      return flow;
    },
    expect: "Parameters.InvocationTimeLimitSeconds must be a string (got 3)",
    action: "lambda",
  },
  {
    name: "a Lambda timeout over 8 seconds",
    mutate: (flow) => {
      action(flow, "lambda").Parameters.InvocationTimeLimitSeconds = "9";
      return flow;
    },
    expect: "InvocationTimeLimitSeconds must be a whole number from 1 to 8",
    action: "lambda",
  },
  {
    name: "an unknown condition operator",
    mutate: (flow) => {
      const conditions = action(flow, "check").Transitions.Conditions as {
        Condition: { Operator: string };
      }[];
      if (conditions[1]) conditions[1].Condition.Operator = "Contains";
      return flow;
    },
    expect: 'condition 2 has an unknown Operator "Contains"',
    action: "check",
  },
  {
    name: "an empty UpdateContactData",
    mutate: (flow) => {
      action(flow, "customer-id").Parameters = {};
      return flow;
    },
    expect: "needs at least one field",
    action: "customer-id",
  },
  {
    name: "an outbound caller id not claimed by the instance",
    mutate: (flow) => {
      action(flow, "transfer").Type = "TransferParticipantToThirdParty";
      action(flow, "transfer").Parameters = {
        ThirdPartyPhoneNumber: "+14155550123",
        CallerId: { Number: "+14155550199" },
      };
      return flow;
    },
    expect: "the phone number +14155550199 is not claimed by this instance",
    action: "transfer",
  },
];

describe("validateFlowContent", () => {
  it("finds nothing wrong with the base flow all the defects start from", () => {
    expect(validateFlowContent(JSON.stringify(baseFlow()), resolver)).toEqual([]);
  });

  it(`has at least 15 seeded defects (${DEFECTS.length})`, () => {
    expect(DEFECTS.length).toBeGreaterThanOrEqual(15);
  });

  for (const defect of DEFECTS) {
    it(`reports ${defect.name}`, () => {
      const mutated = defect.mutate(baseFlow());
      const content = typeof mutated === "string" ? mutated : JSON.stringify(mutated);
      const problems = validateFlowContent(content, resolver);
      const match = problems.find((problem) => problem.message.includes(defect.expect));
      expect(match, JSON.stringify(problems, null, 2)).toBeDefined();
      if (defect.action !== undefined) {
        expect(match?.actionIdentifier).toBe(defect.action);
        expect(match?.message).toContain(`Action "${defect.action.slice(0, 49)}`);
      }
      for (const problem of problems) expect(problem.message.length).toBeLessThanOrEqual(256);
    });
  }

  it("checks references for shape only without a resolver", () => {
    const flow = baseFlow();
    action(flow, "queue").Parameters.QueueId = "arn:aws:connect:eu-west-2:210987654321:instance/x/queue/y";
    expect(validateFlowContent(JSON.stringify(flow))).toEqual([]);
    action(flow, "queue").Parameters.QueueId = `${INSTANCE_ARN}/prompt/${PROMPT_ID}`;
    expect(validateFlowContent(JSON.stringify(flow)).map((p) => p.message)).toEqual([
      expect.stringContaining("is a prompt ARN, not a queue ARN"),
    ]);
  });

  it("leaves dynamic (JSONPath) references to run time", () => {
    const flow = baseFlow();
    action(flow, "queue").Parameters.QueueId = "$.Attributes.queueArn";
    action(flow, "lambda").Parameters.LambdaFunctionARN = "$.FlowAttributes.lambda";
    action(flow, "set-voice-id").Parameters.VoiceAuthenticationThreshold = "$.Attributes.threshold";
    expect(validateFlowContent(JSON.stringify(flow), resolver)).toEqual([]);
  });

  it("reports every problem of a flow, in document order", () => {
    const flow = baseFlow();
    action(flow, "greet").Parameters.PromptId = "missing-prompt";
    action(flow, "bye").Type = "HangUp";
    const problems = validateFlowContent(JSON.stringify(flow), resolver);
    expect(problems.map((problem) => problem.actionIdentifier)).toEqual(["greet", "bye"]);
  });
});

describe("checkSavedContent", () => {
  it("accepts any JSON, however invalid as a flow, and rejects what is not JSON", () => {
    expect(checkSavedContent(JSON.stringify({ Version: "nope", Actions: "none" }))).toEqual([]);
    expect(checkSavedContent("{ not json")[0]?.message).toContain("not valid JSON");
    expect(checkSavedContent("")[0]?.message).toContain("empty");
  });
});

// The real flows (shared/reference/flows, read in place). Their ARNs name other instances, so here the
// reference checks are relaxed (no resolver); connect.test.ts publishes them after rewriting the ARNs.
const REFERENCE_FLOWS = join(import.meta.dirname, "../../../../shared/reference/flows");

describe.skipIf(!existsSync(REFERENCE_FLOWS))(
  `reference flows in ${REFERENCE_FLOWS} (skipped when absent)`,
  () => {
    const files = existsSync(REFERENCE_FLOWS)
      ? readdirSync(REFERENCE_FLOWS).filter((name) => name.endsWith(".json"))
      : [];

    it("are all there", () => {
      expect(files.length).toBeGreaterThanOrEqual(8);
    });

    for (const file of files) {
      it(`${file} validates without problems`, () => {
        const text = readFileSync(join(REFERENCE_FLOWS, file), "utf8");
        const parsed = JSON.parse(text) as { Content?: string };
        const content = typeof parsed.Content === "string" ? parsed.Content : text;
        expect(validateFlowContent(content)).toEqual([]);
      });
    }
  },
);
