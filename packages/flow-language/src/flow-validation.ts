/**
 * Amazon Connect's publish-time checks on flow content (the flow language, Version "2019-10-30"), as a
 * pure function: the sandbox runs it when a flow is published, and cvk's contact-flow package can run
 * the same rules offline (without a resolver, the references are checked for shape only).
 *
 * Sources, in order of authority:
 * - The flow-language reference: https://docs.aws.amazon.com/connect/latest/APIReference/flow-language.html,
 *   …/flow-language-actions.html (Identifier rules), …/flow-language-example.html (≤ 250 actions), the
 *   per-action pages (…/contact-actions-updatecontactdata.html, …/flow-control-actions-checkvoiceid.html,
 *   …/flow-control-actions-loop.html, …/interactions-invokelambdafunction.html,
 *   …/contact-actions-updatecontacteventhooks.html) and CreateContactFlow's Content constraint (1–256,000).
 * - Rejections observed from the live CreateContactFlow API, recorded in mgaffigan/pulumi-amazon-connect
 *   `docs/wire-format-checks.md` [S]: CheckVoiceId operands are wire values without spaces, empty strings
 *   are never valid, every top-level parameter scalar is a string, the Voice ID switches go together,
 *   `UntagContact` / `UpdateContactRoutingCriteria` are the accepted spellings, `KeyExists` is an operator.
 *
 * Messages read like the console's, but name the action (the service's own often say only
 * `Path: 0.Parameter`, which is why users ask for `--debug`). Each problem also carries the lint rule it
 * breaks and a JSON pointer, so `lintFlow` reports these same checks instead of keeping a second copy.
 */

import { jsonPointer } from "./document.ts";
import type { LintRuleId } from "./rules.ts";
import { walkJson } from "./walk-json.ts";

export const FLOW_LANGUAGE_VERSION = "2019-10-30";
/** flow-language-example.html: "A single Flow may have no more than 250 Actions defined." */
export const MAX_FLOW_ACTIONS = 250;
/** CreateContactFlow / UpdateContactFlowContent: "Minimum length of 1. Maximum length of 256000." */
export const MAX_FLOW_CONTENT_LENGTH = 256_000;
/** flow-language-actions.html: an Identifier "can be up to 50 characters long". */
export const MAX_IDENTIFIER_LENGTH = 50;
/** InvalidContactFlowException carries 1–50 ProblemDetail, each message 1–256 characters (service model). */
export const MAX_PROBLEM_MESSAGE_LENGTH = 256;

export interface FlowProblem {
  message: string;
  /** The Identifier of the action the problem is in; absent for problems with the document as a whole. */
  actionIdentifier?: string;
}

/** A publish-time problem with the lint rule it breaks and where it is (internal to this package). */
export interface RuledProblem {
  rule: LintRuleId;
  /** The service-style message, naming the action. */
  message: string;
  /** The same without the action's name, for findings that carry the Identifier separately. */
  detail: string;
  /** RFC 6901 pointer into the document. */
  pointer: string;
  actionIdentifier?: string;
  hint?: string;
}

/** What a flow can reference that the publishing instance must hold. */
export type FlowReferenceKind = "queue" | "prompt" | "contact-flow" | "lambda-function" | "phone-number";

export interface FlowInstanceScope {
  region: string;
  accountId: string;
  instanceId: string;
}

/**
 * The instance a flow is published into. Connect resource ARNs must name this Region, account and
 * instance; every static reference must exist there.
 */
export interface FlowReferenceResolver {
  readonly instance: FlowInstanceScope;
  /**
   * queue, prompt, contact-flow: a bare resource id (the ARN's last segment);
   * lambda-function: a function ARN; phone-number: an E.164 number.
   */
  exists(kind: FlowReferenceKind, id: string): boolean;
}

/** Every action type the service accepts that the sandbox knows of (the four action-family pages). */
export const KNOWN_ACTION_TYPES: ReadonlySet<string> = new Set([
  // Contact actions (…/APIReference/contact-actions.html). The page spells UnTagContact, but the service
  // accepts only UntagContact (wire-format-checks.md [S]).
  "CompleteOutboundCall",
  "CreateCase",
  "CreateTask",
  "CreateWisdomSession",
  "DequeueContactAndTransferToQueue",
  "EndFlowModuleExecution",
  "GetCase",
  "InvokeFlowModule",
  "ResumeContact",
  "StartOutboundChatContact",
  "TagContact",
  "TransferContactToAgent",
  "TransferContactToQueue",
  "TransferParticipantToThirdParty",
  "UntagContact",
  "UpdateCase",
  "UpdateContactAttributes",
  "UpdateContactCallbackNumber",
  "UpdateContactData",
  "UpdateContactEventHooks",
  "UpdateContactMediaProcessing",
  "UpdateContactMediaStreamingBehavior",
  "UpdateContactRecordingAndAnalyticsBehavior",
  "UpdateContactRecordingBehavior",
  "UpdateContactRoutingBehavior",
  "UpdateContactTargetQueue",
  "UpdateContactTextToSpeechVoice",
  "UpdatePreviousContactParticipantState",
  // Flow control actions (…/flow-control-actions.html); UpdateRoutingCriteria is really
  // UpdateContactRoutingCriteria (wire-format-checks.md [S]).
  "CheckHoursOfOperation",
  "CheckMetricData",
  "CheckOutboundCallStatus",
  "CheckVoiceId",
  "Compare",
  "DistributeByPercentage",
  "EndFlowExecution",
  "GetMetricData",
  "Loop",
  "StartVoiceIdStream",
  "TransferToFlow",
  "UpdateContactRoutingCriteria",
  "UpdateFlowAttributes",
  "UpdateFlowLoggingBehavior",
  "Wait",
  // Interactions (…/interactions.html).
  "AssociateContactToCustomerProfile",
  "CreateCallbackContact",
  "CreateCustomerProfile",
  "GetCalculatedAttributesForCustomerProfile",
  "GetCustomerProfile",
  "GetCustomerProfileObject",
  "InvokeLambdaFunction",
  "UpdateCustomerProfile",
  // Participant actions (…/participant-actions.html).
  "ConnectParticipantWithLexBot",
  "DisconnectParticipant",
  "GetParticipantInput",
  "MessageParticipant",
  "MessageParticipantIteratively",
  "ShowView",
  // Voice ID preview-era actions: amazon-connect-voice-id-sample-application (2021) created flows with
  // them through CreateContactFlow. Accepted so that history publishes; cvk's linter flags them.
  "SetSecurityBehavior",
  "CheckSecurityStatus",
]);

/** flow-language.html "Transitions"; `KeyExists` is accepted by the service (wire-format-checks.md [S]). */
export const CONDITION_OPERATORS: ReadonlySet<string> = new Set([
  "Equals",
  "TextStartsWith",
  "TextEndsWith",
  "TextContains",
  "NumberGreaterThan",
  "NumberGreaterOrEqualTo",
  "NumberLessThan",
  "NumberLessOrEqualTo",
  "KeyExists",
]);

/**
 * CheckVoiceId results as they appear on the wire (no spaces), per option (aws-facts.md §6, the
 * reference flows). The console shows labels such as "Not enrolled"; the service rejects those.
 */
export const CHECK_VOICE_ID_OPERANDS: Readonly<Record<string, readonly string[]>> = {
  enrollmentStatus: ["Enrolled", "NotEnrolled", "OptedOut"],
  voiceAuthentication: ["Authenticated", "NotAuthenticated", "Inconclusive", "NotEnrolled", "OptedOut"],
  fraudDetection: ["HighRisk", "LowRisk", "Inconclusive"],
};

/** contact-actions-updatecontacteventhooks.html: the valid event hooks. */
const EVENT_HOOKS = new Set([
  "AgentHold",
  "AgentWhisper",
  "CustomerHold",
  "CustomerQueue",
  "CustomerRemaining",
  "CustomerWhisper",
  "DefaultAgentUI",
  "DisconnectAgentUI",
  "PauseContact",
  "ResumeContact",
]);

/** flow-language-actions.html: characters and strings an Identifier may not contain or be. */
const IDENTIFIER_FORBIDDEN_CHARACTERS = /[%:()\\/=$,;[\]{}]/;
const IDENTIFIER_RESERVED = new Set([
  "__proto__",
  "constructor",
  "__defineGetter__",
  "__defineSetter__",
  "toString",
  "hasOwnProperty",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "toLocaleString",
  "valueOf",
]);

/** Top-level parameters that name a resource of the instance, whatever the action. */
const REFERENCE_PARAMETERS: Readonly<Record<string, FlowReferenceKind>> = {
  QueueId: "queue",
  PromptId: "prompt",
  ContactFlowId: "contact-flow",
  LambdaFunctionARN: "lambda-function",
};

const VOICE_ID_SWITCHES = [
  "IsVoiceIdStreamingEnabled",
  "IsVoiceAuthenticationEnabled",
  "IsFraudDetectionEnabled",
] as const;

const CONNECT_RESOURCE_ARN =
  /^arn:(aws[a-z-]*):connect:([a-z0-9-]+):(\d{12}):instance\/([^/]+)\/([a-z-]+)\/([^/:]+)$/;
const LAMBDA_FUNCTION_ARN =
  /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9$_-]+)?$/;
const E164 = /^\+[1-9]\d{1,14}$/;
const WATCHLIST_ID = /^[a-zA-Z0-9]{22}$/;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A value taken from the contact at run time ("fully dynamic"); static checks do not apply to it. */
function isDynamic(value: unknown): boolean {
  return typeof value === "string" && value.startsWith("$.");
}

function clip(text: string, max = 60): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function truncateMessage(message: string): string {
  return message.length <= MAX_PROBLEM_MESSAGE_LENGTH
    ? message
    : `${message.slice(0, MAX_PROBLEM_MESSAGE_LENGTH - 1)}…`;
}

function integerIn(value: string, min: number, max: number): boolean {
  if (!/^\d+$/.test(value)) return false;
  const n = Number(value);
  return n >= min && n <= max;
}

/** The checks Connect makes on SAVED content: "SAVED status does not initiate validation", only the field's own constraints. */
export function checkSavedContent(content: string): FlowProblem[] {
  const problems: RuledProblem[] = [];
  checkLength(content, problems);
  parseContent(content, problems);
  return problems.map(toFlowProblem);
}

function documentProblem(rule: LintRuleId, message: string, pointer = "", hint?: string): RuledProblem {
  return { rule, message, detail: message, pointer, ...(hint === undefined ? {} : { hint }) };
}

function checkLength(content: string, problems: RuledProblem[]): void {
  if (content.length === 0) problems.push(documentProblem("content-length", "The flow content is empty."));
  if (content.length > MAX_FLOW_CONTENT_LENGTH) {
    problems.push(
      documentProblem(
        "content-length",
        `The flow content is ${content.length} characters long; the maximum is ${MAX_FLOW_CONTENT_LENGTH}.`,
      ),
    );
  }
}

/** JSON.parse, with a failure recorded as a problem (and `undefined` returned). */
function parseContent(content: string, problems: RuledProblem[]): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(content) };
  } catch (error) {
    problems.push(
      documentProblem("invalid-json", `The flow content is not valid JSON: ${(error as Error).message}`),
    );
    return undefined;
  }
}

function toFlowProblem(problem: RuledProblem): FlowProblem {
  return {
    message: truncateMessage(problem.message),
    ...(problem.actionIdentifier === undefined ? {} : { actionIdentifier: problem.actionIdentifier }),
  };
}

/**
 * Every problem Connect's publish-time validation would report for this content, in document order.
 * With a resolver, static references (QueueId, PromptId, ContactFlowId, LambdaFunctionARN, event-hook
 * flows, CallerId.Number) must exist in the resolver's instance; without one they are checked for
 * shape only.
 */
export function validateFlowContent(content: string, resolver?: FlowReferenceResolver): FlowProblem[] {
  return publishProblems(content, resolver).map(toFlowProblem);
}

/**
 * `validateFlowContent` with each problem's lint rule and JSON pointer: what `lintFlow` builds on.
 * Problems come in document order.
 */
export function publishProblems(content: string, resolver?: FlowReferenceResolver): RuledProblem[] {
  const problems: RuledProblem[] = [];
  checkLength(content, problems);
  const parsed = parseContent(content, problems);
  if (!parsed) return problems;
  const document = parsed.value;
  if (!isObject(document)) {
    problems.push(
      documentProblem(
        "document-shape",
        "The flow content must be a JSON object with Version, StartAction and Actions.",
      ),
    );
    return problems;
  }
  if (document.Version !== FLOW_LANGUAGE_VERSION) {
    problems.push(
      documentProblem(
        "unsupported-version",
        document.Version === undefined
          ? `The flow has no Version; the only supported version is "${FLOW_LANGUAGE_VERSION}".`
          : `Unsupported flow Version ${JSON.stringify(document.Version)}; the only supported version is "${FLOW_LANGUAGE_VERSION}".`,
        jsonPointer("Version"),
      ),
    );
  }
  const actions = document.Actions;
  if (!Array.isArray(actions)) {
    problems.push(documentProblem("document-shape", "The flow has no Actions list.", jsonPointer("Actions")));
    return problems;
  }
  if (actions.length > MAX_FLOW_ACTIONS) {
    problems.push(
      documentProblem(
        "too-many-actions",
        `The flow has ${actions.length} actions; a flow may have at most ${MAX_FLOW_ACTIONS}.`,
        jsonPointer("Actions"),
      ),
    );
  }

  // Identifiers first, so transitions can be resolved against the whole flow. A duplicate is reported
  // where it repeats an earlier Identifier, since the earlier action is the one transitions reach.
  const identifiers = new Set<string>();
  const duplicateIndexes = new Set<number>();
  actions.forEach((action, index) => {
    if (isObject(action) && typeof action.Identifier === "string") {
      if (identifiers.has(action.Identifier)) duplicateIndexes.add(index);
      identifiers.add(action.Identifier);
    }
  });

  const start = document.StartAction;
  if (typeof start !== "string" || start === "") {
    problems.push(
      documentProblem("start-action-unresolved", "The flow has no StartAction.", jsonPointer("StartAction")),
    );
  } else if (!identifiers.has(start)) {
    problems.push(
      documentProblem(
        "start-action-unresolved",
        `StartAction "${clip(start)}" does not match the Identifier of any action.`,
        jsonPointer("StartAction"),
      ),
    );
  }

  actions.forEach((action, index) => {
    checkAction(action, index, { identifiers, duplicateIndexes, resolver, problems });
  });
  return problems;
}

interface ActionContext {
  identifiers: Set<string>;
  duplicateIndexes: Set<number>;
  resolver: FlowReferenceResolver | undefined;
  problems: RuledProblem[];
}

/** A path inside an action, below `/Actions/<index>`. */
type Path = readonly (string | number)[];

/** `Parameters.Messages[0].PromptId`: how the console-style messages name a path. */
function dotted(path: Path): string {
  return path
    .map((segment, i) => (typeof segment === "number" ? `[${segment}]` : i === 0 ? segment : `.${segment}`))
    .join("");
}

/** Reports problems for one action, each message naming it the way a console user would find it. */
class ActionReporter {
  readonly #label: string;
  readonly #identifier: string | undefined;
  readonly #index: number;
  readonly #problems: RuledProblem[];

  constructor(identifier: string | undefined, type: unknown, index: number, problems: RuledProblem[]) {
    this.#identifier = identifier;
    this.#index = index;
    this.#problems = problems;
    const name = identifier === undefined ? `Action #${index + 1}` : `Action "${clip(identifier, 50)}"`;
    this.#label = typeof type === "string" && type !== "" ? `${name} (${clip(type, 50)})` : name;
  }

  /** `path` is where in the action the problem is, e.g. ["Parameters", "QueueId"]. */
  report(rule: LintRuleId, path: Path, text: string, hint?: string): void {
    this.#problems.push({
      rule,
      message: `${this.#label}: ${text}`,
      detail: text,
      pointer: jsonPointer("Actions", this.#index, ...path),
      ...(this.#identifier === undefined ? {} : { actionIdentifier: this.#identifier }),
      ...(hint === undefined ? {} : { hint }),
    });
  }
}

function checkAction(action: unknown, index: number, context: ActionContext): void {
  const { identifiers, duplicateIndexes, resolver, problems } = context;
  if (!isObject(action)) {
    problems.push(
      documentProblem(
        "document-shape",
        `Action #${index + 1} is not a JSON object.`,
        jsonPointer("Actions", index),
      ),
    );
    return;
  }
  const identifier = typeof action.Identifier === "string" ? action.Identifier : undefined;
  const out = new ActionReporter(identifier, action.Type, index, problems);

  if (identifier === undefined || identifier === "") {
    out.report("identifier-invalid", ["Identifier"], "the action has no Identifier.");
  } else {
    if (identifier.length > MAX_IDENTIFIER_LENGTH) {
      out.report(
        "identifier-invalid",
        ["Identifier"],
        `the Identifier is ${identifier.length} characters long; the maximum is ${MAX_IDENTIFIER_LENGTH}.`,
      );
    }
    const forbidden = IDENTIFIER_FORBIDDEN_CHARACTERS.exec(identifier);
    if (forbidden)
      out.report(
        "identifier-invalid",
        ["Identifier"],
        `the Identifier contains "${forbidden[0]}", which is not allowed in an Identifier.`,
      );
    if (IDENTIFIER_RESERVED.has(identifier))
      out.report(
        "identifier-invalid",
        ["Identifier"],
        `"${identifier}" is a reserved string and cannot be an Identifier.`,
      );
    if (duplicateIndexes.has(index)) {
      out.report(
        "duplicate-identifier",
        ["Identifier"],
        "the Identifier is used by more than one action; Identifiers must be unique.",
      );
    }
  }

  const type = action.Type;
  if (typeof type !== "string" || type === "") {
    out.report("unknown-action-type", ["Type"], "the action has no Type.");
  } else if (!KNOWN_ACTION_TYPES.has(type)) {
    const near = [...KNOWN_ACTION_TYPES].find((known) => known.toLowerCase() === type.toLowerCase());
    out.report(
      "unknown-action-type",
      ["Type"],
      `unknown action type "${clip(type)}"${near ? `; did you mean "${near}"?` : "."}`,
      near ? `Spell it "${near}" (action types are case-sensitive).` : undefined,
    );
  }

  let parameters: JsonObject = {};
  if (action.Parameters !== undefined) {
    if (isObject(action.Parameters)) parameters = action.Parameters;
    else out.report("document-shape", ["Parameters"], "Parameters must be a JSON object.");
  }
  checkParameterValues(parameters, out);
  checkReferences(type, parameters, resolver, out);

  const conditions = checkTransitions(action.Transitions, identifiers, out);

  switch (type) {
    case "CheckVoiceId":
      checkCheckVoiceId(parameters, conditions, out);
      break;
    case "CheckSecurityStatus":
      // The preview-era Check Voice ID: same results as voiceAuthentication.
      checkOperands(
        conditions,
        CHECK_VOICE_ID_OPERANDS.voiceAuthentication ?? [],
        "CheckSecurityStatus",
        out,
      );
      break;
    case "UpdateContactData":
      checkUpdateContactData(parameters, out);
      break;
    case "UpdateContactEventHooks":
      checkEventHooks(parameters, out);
      break;
    case "Loop":
      // flow-control-actions-loop.html: "must be between 0 and 100 (inclusive)".
      checkStaticInteger(parameters, "LoopCount", 0, 100, out);
      break;
    case "InvokeLambdaFunction":
      // interactions-invokelambdafunction.html: "Must be greater than 0, no larger than 8, and an integer."
      checkStaticInteger(parameters, "InvocationTimeLimitSeconds", 1, 8, out);
      break;
    case "Compare": {
      // flow-control-actions-compare.html: "Any single JSONPath identifier".
      const value = parameters.ComparisonValue;
      if (value !== undefined && (typeof value !== "string" || !/^\$\.\S+$/.test(value))) {
        out.report(
          "parameter-value",
          ["Parameters", "ComparisonValue"],
          "ComparisonValue must be a single JSONPath reference such as $.Attributes.tier.",
        );
      } else if (value === undefined) {
        out.report(
          "missing-parameter",
          ["Parameters"],
          "ComparisonValue must be a single JSONPath reference such as $.Attributes.tier.",
        );
      }
      break;
    }
    default:
      break;
  }
}

/** No empty strings anywhere in Parameters; every top-level scalar is a string (wire-format-checks.md [S]). */
function checkParameterValues(parameters: JsonObject, out: ActionReporter): void {
  for (const [key, value] of Object.entries(parameters)) {
    if (typeof value === "number" || typeof value === "boolean" || value === null) {
      out.report(
        "parameter-not-string",
        ["Parameters", key],
        `Parameters.${key} must be a string (got ${JSON.stringify(value)}); quote numbers and booleans.`,
      );
    }
  }
  walkJson(parameters, ["Parameters"], (value, pathOf) => {
    if (value !== "") return;
    const path = pathOf();
    out.report(
      "empty-value",
      path,
      `${dotted(path)} is empty; Connect rejects empty values (use a space or remove it).`,
    );
  });
}

interface Condition {
  operator: string;
  operands: string[];
  /** Where the condition is: ["Transitions", "Conditions", i]. */
  path: Path;
}

/** Checks NextAction, Errors and Conditions; returns the well-formed conditions for type-specific checks. */
function checkTransitions(
  transitions: Json | undefined,
  identifiers: Set<string>,
  out: ActionReporter,
): Condition[] {
  const conditions: Condition[] = [];
  if (transitions === undefined) return conditions;
  if (!isObject(transitions)) {
    out.report("document-shape", ["Transitions"], "Transitions must be a JSON object.");
    return conditions;
  }
  const resolveTarget = (target: Json | undefined, where: string, path: Path): void => {
    if (typeof target !== "string" || target === "")
      out.report("next-action-unresolved", path, `${where} has no NextAction.`);
    else if (!identifiers.has(target))
      out.report(
        "next-action-unresolved",
        path,
        `${where} goes to "${clip(target)}", which is not an action in this flow.`,
      );
  };
  if (transitions.NextAction !== undefined)
    resolveTarget(transitions.NextAction, "Transitions.NextAction", ["Transitions", "NextAction"]);

  if (transitions.Errors !== undefined) {
    if (!Array.isArray(transitions.Errors))
      out.report("document-shape", ["Transitions", "Errors"], "Transitions.Errors must be a list.");
    else
      transitions.Errors.forEach((entry, i) => {
        const path = ["Transitions", "Errors", i];
        if (!isObject(entry)) {
          out.report("document-shape", path, `Transitions.Errors[${i}] is not a JSON object.`);
          return;
        }
        const name =
          typeof entry.ErrorType === "string" && entry.ErrorType !== "" ? entry.ErrorType : undefined;
        if (!name)
          out.report("document-shape", [...path, "ErrorType"], `Transitions.Errors[${i}] has no ErrorType.`);
        resolveTarget(entry.NextAction, `the ${name ?? `Errors[${i}]`} error branch`, [
          ...path,
          "NextAction",
        ]);
      });
  }

  if (transitions.Conditions !== undefined) {
    if (!Array.isArray(transitions.Conditions))
      out.report("document-shape", ["Transitions", "Conditions"], "Transitions.Conditions must be a list.");
    else
      transitions.Conditions.forEach((entry, i) => {
        const path = ["Transitions", "Conditions", i];
        if (!isObject(entry) || !isObject(entry.Condition)) {
          out.report("document-shape", path, `Transitions.Conditions[${i}] has no Condition.`);
          return;
        }
        const { Operator: operator, Operands: operands } = entry.Condition;
        const where = `condition ${i + 1}`;
        resolveTarget(entry.NextAction, where, [...path, "NextAction"]);
        if (typeof operator !== "string" || !CONDITION_OPERATORS.has(operator)) {
          out.report(
            "condition-invalid",
            [...path, "Condition", "Operator"],
            `${where} has an unknown Operator ${JSON.stringify(operator ?? null)}.`,
          );
          return;
        }
        if (
          !Array.isArray(operands) ||
          operands.length === 0 ||
          !operands.every((o) => typeof o === "string")
        ) {
          out.report(
            "condition-invalid",
            [...path, "Condition", "Operands"],
            `${where} must have a list of string Operands.`,
          );
          return;
        }
        const strings = operands as string[];
        const empty = strings.indexOf("");
        if (empty >= 0)
          out.report(
            "empty-value",
            [...path, "Condition", "Operands", empty],
            `${where} has an empty operand; Connect rejects empty operands.`,
          );
        conditions.push({ operator, operands: strings, path });
      });
  }
  return conditions;
}

function checkCheckVoiceId(parameters: JsonObject, conditions: Condition[], out: ActionReporter): void {
  // flow-control-actions-checkvoiceid.html: CheckVoiceIdOption is one of three values.
  const option = parameters.CheckVoiceIdOption;
  const allowed = typeof option === "string" ? CHECK_VOICE_ID_OPERANDS[option] : undefined;
  if (!allowed) {
    out.report(
      "voice-id-check-option",
      option === undefined ? ["Parameters"] : ["Parameters", "CheckVoiceIdOption"],
      `CheckVoiceIdOption must be one of ${Object.keys(CHECK_VOICE_ID_OPERANDS).join(", ")} (got ${JSON.stringify(option ?? null)}).`,
    );
    return;
  }
  checkOperands(conditions, allowed, `the ${option} check`, out);
}

function checkOperands(
  conditions: Condition[],
  allowed: readonly string[],
  what: string,
  out: ActionReporter,
): void {
  for (const { operator, operands, path } of conditions) {
    if (operator !== "Equals") {
      out.report(
        "voice-id-operand",
        [...path, "Condition", "Operator"],
        `${what} branches only with Equals (got ${operator}).`,
      );
      continue;
    }
    operands.forEach((operand, k) => {
      if (allowed.includes(operand) || operand === "") return; // empty operands are reported already
      const squeezed = operand.replace(/\s+/g, "").toLowerCase();
      const wire = allowed.find((value) => value.toLowerCase() === squeezed);
      out.report(
        "voice-id-operand",
        [...path, "Condition", "Operands", k],
        wire
          ? `"${clip(operand)}" is the console label; the result on the wire is "${wire}".`
          : `${what} has no result "${clip(operand)}"; its results are ${allowed.join(", ")}.`,
        wire ? `Write "${wire}".` : undefined,
      );
    });
  }
}

/**
 * contact-actions-updatecontactdata.html: the Voice ID switches are "TRUE"/"FALSE" (console exports write
 * lower case, which the service accepts), the thresholds 0–100, the response time 5–10 s
 * (set-voice-id.html), a static watchlist id 22 alphanumerics. The coupling rules (switches together,
 * thresholds required when on and rejected when off, no empty action) are live-API rejections recorded in
 * wire-format-checks.md [S].
 */
function checkUpdateContactData(parameters: JsonObject, out: ActionReporter): void {
  if (Object.keys(parameters).length === 0) {
    out.report(
      "update-contact-data-empty",
      ["Parameters"],
      "UpdateContactData needs at least one field to set.",
    );
    return;
  }
  const staticString = (key: string): string | undefined => {
    const value = parameters[key];
    return typeof value === "string" && value !== "" && !isDynamic(value) ? value : undefined;
  };
  const switches: Record<string, boolean | undefined> = {};
  for (const key of VOICE_ID_SWITCHES) {
    const value = staticString(key);
    if (value === undefined) continue;
    const upper = value.toUpperCase();
    if (upper !== "TRUE" && upper !== "FALSE")
      out.report(
        "voice-id-switch-value",
        ["Parameters", key],
        `${key} must be "TRUE" or "FALSE" (got "${clip(value)}").`,
      );
    else switches[key] = upper === "TRUE";
  }
  for (const key of ["VoiceAuthenticationThreshold", "FraudDetectionThreshold"]) {
    const value = staticString(key);
    if (value !== undefined && !integerIn(value, 0, 100)) {
      out.report(
        "voice-id-threshold-range",
        ["Parameters", key],
        `${key} must be a whole number from 0 to 100 (got "${clip(value)}").`,
      );
    }
  }
  const responseTime = staticString("VoiceAuthenticationResponseTime");
  if (responseTime !== undefined && !integerIn(responseTime, 5, 10)) {
    out.report(
      "voice-id-response-time",
      ["Parameters", "VoiceAuthenticationResponseTime"],
      `VoiceAuthenticationResponseTime must be a whole number of seconds from 5 to 10 (got "${clip(responseTime)}").`,
    );
  }
  const watchlist = staticString("WatchlistId");
  if (watchlist !== undefined && !WATCHLIST_ID.test(watchlist)) {
    out.report(
      "voice-id-watchlist-id",
      ["Parameters", "WatchlistId"],
      `WatchlistId must be 22 letters and digits (got "${clip(watchlist)}").`,
    );
  }

  const present = VOICE_ID_SWITCHES.filter((key) => parameters[key] !== undefined);
  if (present.length > 0 && present.length < VOICE_ID_SWITCHES.length) {
    const missing = VOICE_ID_SWITCHES.filter((key) => parameters[key] === undefined);
    out.report(
      "voice-id-switches-together",
      ["Parameters"],
      `the Voice ID switches must be set together; ${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} missing.`,
    );
  }
  const dependants: [string, string[]][] = [
    ["IsVoiceAuthenticationEnabled", ["VoiceAuthenticationThreshold", "VoiceAuthenticationResponseTime"]],
    ["IsFraudDetectionEnabled", ["FraudDetectionThreshold"]],
  ];
  for (const [switchKey, keys] of dependants) {
    const on = switches[switchKey];
    if (on === undefined) continue;
    for (const key of keys) {
      if (on && parameters[key] === undefined)
        out.report(
          "voice-id-threshold-coupling",
          ["Parameters"],
          `${key} is required when ${switchKey} is TRUE.`,
        );
      if (!on && parameters[key] !== undefined)
        out.report(
          "voice-id-threshold-coupling",
          ["Parameters", key],
          `${key} cannot be set when ${switchKey} is FALSE.`,
        );
    }
  }
}

function checkEventHooks(parameters: JsonObject, out: ActionReporter): void {
  const hooks = parameters.EventHooks;
  if (!isObject(hooks)) {
    out.report(
      hooks === undefined ? "missing-parameter" : "parameter-value",
      hooks === undefined ? ["Parameters"] : ["Parameters", "EventHooks"],
      "EventHooks must be a JSON object with one event hook.",
    );
    return;
  }
  const keys = Object.keys(hooks);
  // "Only one entry may be present in this map."
  if (keys.length !== 1)
    out.report(
      "parameter-value",
      ["Parameters", "EventHooks"],
      `EventHooks must hold exactly one event hook (got ${keys.length}).`,
    );
  for (const key of keys)
    if (!EVENT_HOOKS.has(key))
      out.report(
        "parameter-value",
        ["Parameters", "EventHooks", key],
        `"${clip(key)}" is not an event hook.`,
      );
}

function checkStaticInteger(
  parameters: JsonObject,
  key: string,
  min: number,
  max: number,
  out: ActionReporter,
): void {
  const value = parameters[key];
  if (typeof value !== "string" || value === "" || isDynamic(value)) return;
  if (!integerIn(value, min, max))
    out.report(
      "parameter-value",
      ["Parameters", key],
      `${key} must be a whole number from ${min} to ${max} (got "${clip(value)}").`,
    );
}

function checkReferences(
  type: Json | undefined,
  parameters: JsonObject,
  resolver: FlowReferenceResolver | undefined,
  out: ActionReporter,
): void {
  for (const [key, kind] of Object.entries(REFERENCE_PARAMETERS)) {
    const value = parameters[key];
    if (value !== undefined) checkReference(["Parameters", key], value, kind, resolver, out);
  }
  // MessageParticipantIteratively plays a list of messages, each possibly a prompt.
  if (Array.isArray(parameters.Messages)) {
    parameters.Messages.forEach((message, i) => {
      if (isObject(message) && message.PromptId !== undefined) {
        checkReference(["Parameters", "Messages", i, "PromptId"], message.PromptId, "prompt", resolver, out);
      }
    });
  }
  // "the value is the flow ID or ARN to run when that event occurs".
  if (type === "UpdateContactEventHooks" && isObject(parameters.EventHooks)) {
    for (const [hook, value] of Object.entries(parameters.EventHooks)) {
      checkReference(["Parameters", "EventHooks", hook], value, "contact-flow", resolver, out);
    }
  }
  // An outbound caller id must be a number claimed by the instance (wire-format-checks.md [S]).
  if (isObject(parameters.CallerId) && parameters.CallerId.Number !== undefined) {
    checkReference(
      ["Parameters", "CallerId", "Number"],
      parameters.CallerId.Number,
      "phone-number",
      resolver,
      out,
    );
  }
}

const KIND_NAMES: Record<FlowReferenceKind, string> = {
  queue: "queue",
  prompt: "prompt",
  "contact-flow": "flow",
  "lambda-function": "Lambda function",
  "phone-number": "phone number",
};

function checkReference(
  where: Path,
  value: Json,
  kind: FlowReferenceKind,
  resolver: FlowReferenceResolver | undefined,
  out: ActionReporter,
): void {
  if (typeof value !== "string" || value === "" || isDynamic(value)) return; // shape and emptiness reported elsewhere
  const path = dotted(where);
  const name = KIND_NAMES[kind];
  if (kind === "lambda-function") {
    if (!LAMBDA_FUNCTION_ARN.test(value))
      out.report("reference-invalid", where, `${path} "${clip(value)}" is not a Lambda function ARN.`);
    else if (resolver && !resolver.exists(kind, value)) {
      out.report(
        "reference-not-found",
        where,
        `${path}: the Lambda function ${clip(value, 100)} is not associated with this instance.`,
      );
    }
    return;
  }
  if (kind === "phone-number") {
    if (!E164.test(value))
      out.report("reference-invalid", where, `${path} "${clip(value)}" is not an E.164 phone number.`);
    else if (resolver && !resolver.exists(kind, value)) {
      out.report(
        "reference-not-found",
        where,
        `${path}: the phone number ${value} is not claimed by this instance.`,
      );
    }
    return;
  }
  let id = value;
  if (value.startsWith("arn:")) {
    const match = CONNECT_RESOURCE_ARN.exec(value);
    if (!match) {
      out.report("reference-invalid", where, `${path} "${clip(value, 100)}" is not a valid ${name} ARN.`);
      return;
    }
    const [, , region = "", account = "", instanceId = "", resourceType = "", resourceId = ""] = match;
    if (resourceType !== kind) {
      out.report(
        "reference-invalid",
        where,
        `${path} is a ${resourceType} ARN, not a ${name} ARN: ${clip(value, 100)}`,
      );
      return;
    }
    if (resolver) {
      const here = resolver.instance;
      const elsewhere = [
        region !== here.region ? `Region ${region}` : undefined,
        account !== here.accountId ? `account ${account}` : undefined,
        instanceId !== here.instanceId ? `instance ${instanceId}` : undefined,
      ].filter((part) => part !== undefined);
      if (elsewhere.length > 0) {
        out.report(
          "reference-foreign-instance",
          where,
          `${path} names a ${name} of another instance (${elsewhere.join(", ")}): ${clip(value, 100)}`,
        );
        return;
      }
    }
    id = resourceId;
  }
  if (resolver && !resolver.exists(kind, id)) {
    out.report(
      "reference-not-found",
      where,
      `${path}: no ${name} with id ${clip(id, 80)} exists in this instance.`,
    );
  }
}
