/**
 * Test fixtures shared by this package's tests (excluded from the build): a valid Voice ID flow to seed
 * defects into, and the public reference flows read in place from the monorepo's sibling `shared/`
 * folder when it exists (a user's clone has none).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";

export const REGION = "us-west-2";
export const ACCOUNT = "123456789012";
export const INSTANCE = "11111111-2222-4333-8444-555555555555";
export const INSTANCE_ARN = `arn:aws:connect:${REGION}:${ACCOUNT}:instance/${INSTANCE}`;
export const QUEUE_ID = "aaaaaaaa-0000-4000-8000-000000000001";
export const LAMBDA = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:lookup-customer`;

export interface TestAction {
  Identifier: string;
  Type: string;
  Parameters: Record<string, unknown>;
  Transitions: {
    NextAction?: string;
    Errors?: { ErrorType: string; NextAction: string }[];
    Conditions?: { NextAction: string; Condition: { Operator: string; Operands: string[] } }[];
  };
}

export interface TestFlow {
  Version: string;
  StartAction: string;
  Metadata: Record<string, unknown>;
  Actions: TestAction[];
}

const onward = (to: string, errorTo = "bye") => ({
  NextAction: to,
  Errors: [{ ErrorType: "NoMatchingError", NextAction: errorTo }],
});

const equals = (operand: string, to: string) => ({
  NextAction: to,
  Condition: { Operator: "Equals", Operands: [operand] },
});

/**
 * The Voice ID pattern as the admin guide lays it out (set-voice-id.html, check-voice-id.html): a Play
 * prompt, Set Voice ID (UpdateContactData + StartVoiceIdStream), a Lambda lookup, Set Customer ID,
 * an authentication check, then a fraud check, a working queue and the transfer.
 */
export function voiceIdFlow(): TestFlow {
  return {
    Version: "2019-10-30",
    StartAction: "log",
    Metadata: { entryPointPosition: { x: 0, y: 0 } },
    Actions: [
      {
        Identifier: "log",
        Type: "UpdateFlowLoggingBehavior",
        Parameters: { FlowLoggingBehavior: "Enabled" },
        Transitions: { NextAction: "attrs" },
      },
      {
        Identifier: "attrs",
        Type: "UpdateContactAttributes",
        Parameters: { Attributes: { greeted: "yes" } },
        Transitions: onward("greet"),
      },
      {
        Identifier: "greet",
        Type: "MessageParticipant",
        Parameters: { Text: "Welcome to Example Bank." },
        Transitions: onward("set-voice-id", "set-voice-id"),
      },
      {
        Identifier: "set-voice-id",
        Type: "UpdateContactData",
        Parameters: {
          IsVoiceIdStreamingEnabled: "TRUE",
          IsVoiceAuthenticationEnabled: "TRUE",
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
        Transitions: onward("lookup"),
      },
      {
        Identifier: "lookup",
        Type: "InvokeLambdaFunction",
        Parameters: { LambdaFunctionARN: LAMBDA, InvocationTimeLimitSeconds: "3" },
        Transitions: onward("customer-id"),
      },
      {
        Identifier: "customer-id",
        Type: "UpdateContactData",
        Parameters: { CustomerId: "$.External.customerId" },
        Transitions: onward("authenticate"),
      },
      {
        Identifier: "authenticate",
        Type: "CheckVoiceId",
        Parameters: { CheckVoiceIdOption: "voiceAuthentication" },
        Transitions: {
          NextAction: "bye",
          Conditions: [
            equals("Authenticated", "fraud"),
            equals("NotAuthenticated", "bye"),
            equals("Inconclusive", "fraud"),
            equals("NotEnrolled", "queue"),
            equals("OptedOut", "queue"),
          ],
          Errors: [{ ErrorType: "NoMatchingError", NextAction: "bye" }],
        },
      },
      {
        Identifier: "fraud",
        Type: "CheckVoiceId",
        Parameters: { CheckVoiceIdOption: "fraudDetection" },
        Transitions: {
          NextAction: "bye",
          Conditions: [
            equals("HighRisk", "bye"),
            equals("LowRisk", "queue"),
            equals("Inconclusive", "queue"),
          ],
          Errors: [{ ErrorType: "NoMatchingError", NextAction: "bye" }],
        },
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

export function actionOf(flow: TestFlow, identifier: string): TestAction {
  const found = flow.Actions.find((candidate) => candidate.Identifier === identifier);
  if (!found) throw new Error(`no action ${identifier}`);
  return found;
}

export function indexOf(flow: TestFlow, identifier: string): number {
  const index = flow.Actions.findIndex((candidate) => candidate.Identifier === identifier);
  if (index < 0) throw new Error(`no action ${identifier}`);
  return index;
}

/** Where the reference flows live relative to this file: <repo>/../shared/reference/flows. */
export const REFERENCE_FLOWS = resolve(import.meta.dirname, "../../../../shared/reference/flows");

export interface ReferenceFlow {
  file: string;
  /** The flow-language content: the file itself, or the `Content` string of a `{Name, Type, Content}` wrapper. */
  content: string;
}

/**
 * Every reference flow. The README there says which are plain console exports and which are extracted
 * (a Terraform heredoc body, a JS string literal: both plain flow JSON once extracted); the one wrapper
 * is the gitlab-cicd export utility's `{Name, Type, Content}` with Content as a JSON string.
 */
export function referenceFlows(): ReferenceFlow[] {
  if (!existsSync(REFERENCE_FLOWS)) return [];
  return readdirSync(REFERENCE_FLOWS)
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((file) => {
      const text = readFileSync(resolve(REFERENCE_FLOWS, file), "utf8");
      const parsed = JSON.parse(text) as { Content?: unknown };
      return { file, content: typeof parsed.Content === "string" ? parsed.Content : text };
    });
}

/** Resolves an RFC 6901 pointer; `undefined` when it names nothing. */
export function resolvePointer(document: unknown, pointer: string): unknown {
  if (pointer === "") return document;
  let node: unknown = document;
  for (const raw of pointer.slice(1).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (node === null || typeof node !== "object" || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
