import { ACTION_SPECS, type ActionSpec } from "./action-specs.ts";
import { isPlainObject, jsonPointer } from "./document.ts";
import { type FlowReferenceResolver, publishProblems } from "./flow-validation.ts";
import { buildFlowGraph, type FlowGraph, holdsOnEveryPath, reachable } from "./graph.ts";
import { LINT_RULES, type LintRuleId, type LintSeverity } from "./rules.ts";
import { walkJson } from "./walk-json.ts";

export interface LintFinding {
  /** Stable kebab-case id, a key of LINT_RULES. */
  rule: LintRuleId;
  severity: LintSeverity;
  /** One line. */
  message: string;
  actionIdentifier?: string;
  /** RFC 6901 JSON pointer into the document, e.g. "/Actions/3/Parameters/Text" ("" = the whole document). */
  pointer: string;
  /** What to do about it. */
  hint?: string;
}

export interface LintOptions {
  /**
   * The instance the flow will be published into. With it, static references must exist there and ARNs
   * must name it; without it, references are checked for shape only.
   */
  resolver?: FlowReferenceResolver;
}

/** Voice ID preview-era types and what replaced them (shared/reference/flows/README.md). */
const LEGACY_TYPES: Readonly<Record<string, string>> = {
  SetSecurityBehavior:
    "Set Voice ID: UpdateContactData with the Voice ID switches and thresholds, then StartVoiceIdStream",
  CheckSecurityStatus: 'Check Voice ID: CheckVoiceId with CheckVoiceIdOption "voiceAuthentication"',
};

/** `${NAME}` as left by Terraform templatefile, the gitlab-cicd replacer or string concatenation. */
const PLACEHOLDER = /\$\{[^}\s]*\}/;

type Json = Record<string, unknown>;

function oneLine(text: string): string {
  const flat = text.replace(/\s*\n\s*/g, " ");
  return flat.charAt(0).toUpperCase() + flat.slice(1);
}

/** Collects findings with the rule's severity and default hint. */
class Findings {
  readonly list: LintFinding[] = [];

  add(
    rule: LintRuleId,
    pointer: string,
    message: string,
    options: { actionIdentifier?: string | undefined; hint?: string | undefined } = {},
  ): void {
    const definition = LINT_RULES[rule];
    this.list.push({
      rule,
      severity: definition.severity,
      message: oneLine(message),
      ...(options.actionIdentifier === undefined ? {} : { actionIdentifier: options.actionIdentifier }),
      pointer,
      hint: options.hint ?? definition.hint,
    });
  }
}

/**
 * Lints flow content offline: Connect's publish-time checks (the same code the sandbox publishes with,
 * `validateFlowContent`) plus the rules only a linter can afford — graph reachability, per-type
 * parameters and transitions, and the Voice ID ordering rules as dataflow over every path from
 * StartAction. Never throws for bad content: unparsable JSON is an `invalid-json` finding.
 * Findings come in document order, publish-time ones first.
 */
export function lintFlow(content: string, options: LintOptions = {}): LintFinding[] {
  const findings = new Findings();
  const problems = publishProblems(content, options.resolver);
  for (const problem of problems) {
    findings.add(problem.rule, problem.pointer, problem.detail, {
      actionIdentifier: problem.actionIdentifier,
      hint: problem.hint,
    });
  }
  let document: unknown;
  try {
    document = JSON.parse(content);
  } catch {
    return findings.list; // reported as invalid-json
  }
  if (!isPlainObject(document) || !Array.isArray(document.Actions)) return findings.list;

  if (document.Metadata !== undefined && !isPlainObject(document.Metadata)) {
    findings.add("document-shape", jsonPointer("Metadata"), "Metadata must be a JSON object.");
  }
  const actions = document.Actions;
  const graph = buildFlowGraph(document);
  actions.forEach((action, index) => {
    if (isPlainObject(action)) lintAction(action, index, findings);
  });
  lintReachability(actions, graph, findings);
  lintVoiceIdOrder(actions, graph, findings);
  lintPlaceholders(document, findings);
  return findings.list;
}

function identifierOf(action: unknown): string | undefined {
  return isPlainObject(action) && typeof action.Identifier === "string" ? action.Identifier : undefined;
}

function lintAction(action: Json, index: number, findings: Findings): void {
  const at = (...rest: (string | number)[]) => jsonPointer("Actions", index, ...rest);
  const actionIdentifier = identifierOf(action);
  const type = typeof action.Type === "string" ? action.Type : "";
  const parameters = isPlainObject(action.Parameters) ? action.Parameters : {};

  const legacy = LEGACY_TYPES[type];
  if (legacy) {
    findings.add("legacy-action-type", at("Type"), `${type} is a Voice ID preview-era action type.`, {
      actionIdentifier,
      hint: `Replace it with ${legacy}.`,
    });
  }

  // The service checks top-level scalars (wire-format-checks.md: "Every scalar in Parameters is a
  // string"); the console never writes a non-string scalar at any depth, so nested ones are flagged too.
  walkJson(parameters, ["Parameters"], (value, pathOf) => {
    if (typeof value === "string" || (typeof value === "object" && value !== null)) return;
    const path = pathOf();
    if (path.length <= 2) return;
    findings.add(
      "parameter-not-string",
      at(...path),
      `${path.join(".")} must be a string (got ${JSON.stringify(value)}); quote numbers and booleans.`,
      { actionIdentifier },
    );
  });

  const spec = ACTION_SPECS[type];
  if (spec) {
    lintParameters(spec, type, parameters, at, actionIdentifier, findings);
    lintTransitions(spec, type, action.Transitions, at, actionIdentifier, findings);
  }
}

function lintParameters(
  spec: ActionSpec,
  type: string,
  parameters: Json,
  at: (...rest: (string | number)[]) => string,
  actionIdentifier: string | undefined,
  findings: Findings,
): void {
  for (const key of spec.required ?? []) {
    if (parameters[key] === undefined) {
      findings.add("missing-parameter", at("Parameters"), `${type} needs Parameters.${key}.`, {
        actionIdentifier,
      });
    }
  }
  if (spec.exactlyOne) {
    const present = spec.exactlyOne.filter((key) => parameters[key] !== undefined);
    if (present.length === 0) {
      findings.add(
        "missing-parameter",
        at("Parameters"),
        `${type} needs one of ${spec.exactlyOne.join(", ")}.`,
        { actionIdentifier },
      );
    } else if (present.length > 1) {
      findings.add(
        "conflicting-parameters",
        at("Parameters", present[1] as string),
        `${type} takes only one of ${spec.exactlyOne.join(", ")} (got ${present.join(" and ")}).`,
        { actionIdentifier },
      );
    }
  }
  if (spec.known) {
    const known = new Set(spec.known);
    for (const key of Object.keys(parameters)) {
      if (known.has(key)) continue;
      const near = spec.known.find((name) => name.toLowerCase() === key.toLowerCase());
      findings.add("unknown-parameter", at("Parameters", key), `${type} has no parameter ${key}.`, {
        actionIdentifier,
        ...(near ? { hint: `Spell it ${near} (parameter names are case-sensitive).` } : {}),
      });
    }
  }
}

function nonEmptyList(value: unknown): value is unknown[] {
  return Array.isArray(value) && value.length > 0;
}

function lintTransitions(
  spec: ActionSpec,
  type: string,
  transitions: unknown,
  at: (...rest: (string | number)[]) => string,
  actionIdentifier: string | undefined,
  findings: Findings,
): void {
  const t = isPlainObject(transitions) ? transitions : {};
  if (transitions !== undefined && !isPlainObject(transitions)) return; // a service finding already
  if (spec.terminal) {
    // A terminal action ends the flow; Connect takes "Transitions": {} (participant-actions-disconnectparticipant.html).
    for (const key of ["NextAction", "Conditions", "Errors"]) {
      const value = t[key];
      if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
      findings.add(
        "transition-not-allowed",
        at("Transitions", key),
        `${type} ends the flow; it cannot have ${key === "NextAction" ? "a NextAction" : key}.`,
        { actionIdentifier },
      );
    }
    return;
  }
  if (spec.nextAction === "required" && t.NextAction === undefined) {
    findings.add("transition-missing", at("Transitions"), `${type} needs a NextAction.`, {
      actionIdentifier,
    });
  }
  if (spec.conditions === "none" && nonEmptyList(t.Conditions)) {
    findings.add(
      "transition-not-allowed",
      at("Transitions", "Conditions"),
      `${type} has no results to branch on; it cannot have Conditions.`,
      { actionIdentifier },
    );
  }
  if (spec.conditions === "required" && !nonEmptyList(t.Conditions)) {
    findings.add(
      "transition-missing",
      at("Transitions", "Conditions"),
      `${type} branches; it needs at least one condition.`,
      { actionIdentifier },
    );
  }
  if (spec.errors && Array.isArray(t.Errors)) {
    const allowed = spec.errors;
    t.Errors.forEach((entry, i) => {
      const errorType = isPlainObject(entry) ? entry.ErrorType : undefined;
      if (typeof errorType !== "string" || errorType === "" || allowed.includes(errorType)) return;
      findings.add(
        "transition-not-allowed",
        at("Transitions", "Errors", i, "ErrorType"),
        allowed.length === 0
          ? `${type} has no error branches (got ${errorType}).`
          : `${type} has no ${errorType} error; its errors are ${allowed.join(", ")}.`,
        { actionIdentifier },
      );
    });
  }
}

function lintReachability(actions: unknown[], graph: FlowGraph, findings: Findings): void {
  if (graph.start === undefined) return; // start-action-unresolved already; everything would be unreachable
  const live = reachable(graph);
  actions.forEach((action, index) => {
    if (live.has(index) || !isPlainObject(action)) return;
    const id = identifierOf(action);
    // A duplicate Identifier's later copy is unreachable by construction; duplicate-identifier says so.
    if (id !== undefined && graph.indexOf.get(id) !== index) return;
    findings.add(
      "unreachable-action",
      jsonPointer("Actions", index),
      `${id === undefined ? `Action #${index + 1}` : `"${id}"`} cannot be reached from StartAction.`,
      { actionIdentifier: id },
    );
  });
}

/** The value of a Voice ID switch: true, false, or undefined when absent or dynamic. */
function switchValue(parameters: Json, key: string): boolean | undefined {
  const value = parameters[key];
  if (typeof value !== "string" || value.startsWith("$.")) return undefined;
  const upper = value.toUpperCase();
  return upper === "TRUE" ? true : upper === "FALSE" ? false : undefined;
}

interface VoiceIdRoles {
  /** A Play prompt (set-voice-id.html: "Use a Play prompt block before Set Voice ID"). */
  prompt: boolean;
  /** Turns Voice ID on: UpdateContactData enabling streaming, StartVoiceIdStream, or the legacy block. */
  setVoiceId: boolean;
  /** Starts the audio stream Check Voice ID reads. */
  stream: boolean;
  /** Sets the system Customer ID, which Voice ID uses as the CustomerSpeakerId. */
  customerId: boolean;
  /** A check that needs a Customer ID: enrollment status or authentication (check-voice-id.html). */
  checkNeedsCustomer: boolean;
  check: boolean;
}

function rolesOf(action: unknown): VoiceIdRoles {
  const type = isPlainObject(action) && typeof action.Type === "string" ? action.Type : "";
  const parameters = isPlainObject(action) && isPlainObject(action.Parameters) ? action.Parameters : {};
  const option = parameters.CheckVoiceIdOption;
  const check = type === "CheckVoiceId" || type === "CheckSecurityStatus";
  return {
    prompt: type === "MessageParticipant",
    setVoiceId:
      type === "StartVoiceIdStream" ||
      type === "SetSecurityBehavior" ||
      (type === "UpdateContactData" &&
        parameters.IsVoiceIdStreamingEnabled !== undefined &&
        switchValue(parameters, "IsVoiceIdStreamingEnabled") !== false),
    stream: type === "StartVoiceIdStream" || type === "SetSecurityBehavior",
    customerId:
      type === "UpdateContactData" &&
      typeof parameters.CustomerId === "string" &&
      parameters.CustomerId !== "",
    // Fraud detection needs no Customer ID: "it isn't targeted at a specific customer" (check-voice-id.html).
    // A dynamic or invalid option is left alone (the invalid one is a service finding).
    checkNeedsCustomer:
      type === "CheckSecurityStatus" ||
      (type === "CheckVoiceId" && (option === "enrollmentStatus" || option === "voiceAuthentication")),
    check,
  };
}

/** The Voice ID ordering rules, each "on every path from StartAction" (graph.ts `holdsOnEveryPath`). */
function lintVoiceIdOrder(actions: unknown[], graph: FlowGraph, findings: Findings): void {
  const roles = actions.map(rolesOf);
  if (!roles.some((r) => r.setVoiceId || r.check)) return;
  const role = (i: number) => roles[i] as VoiceIdRoles;

  // Only the first Set Voice ID action on a path needs the prompt: counting Set Voice ID itself as
  // satisfying the fact reports the UpdateContactData, not also the StartVoiceIdStream after it.
  const prompted = holdsOnEveryPath(graph, (i) => role(i).prompt || role(i).setVoiceId);
  const streamed = holdsOnEveryPath(graph, (i) => role(i).stream);
  const identified = holdsOnEveryPath(graph, (i) => role(i).customerId);

  actions.forEach((action, index) => {
    const r = role(index);
    const actionIdentifier = identifierOf(action);
    const at = jsonPointer("Actions", index);
    const type = isPlainObject(action) ? String(action.Type) : "";
    if (r.setVoiceId && prompted.get(index) === false) {
      findings.add(
        "voice-id-prompt-before-set",
        at,
        `${type} turns Voice ID on, but some path from StartAction reaches it without a Play prompt (MessageParticipant).`,
        { actionIdentifier },
      );
    }
    if (r.check && streamed.get(index) === false) {
      findings.add(
        "voice-id-set-before-check",
        at,
        `${type} can run before Set Voice ID (StartVoiceIdStream) on some path from StartAction.`,
        { actionIdentifier },
      );
    }
    if (r.checkNeedsCustomer && identified.get(index) === false) {
      findings.add(
        "voice-id-customer-id-before-check",
        at,
        `${type} can run before the Customer ID is set (UpdateContactData CustomerId) on some path from StartAction.`,
        { actionIdentifier },
      );
    }
  });
}

/** Template placeholders left in Parameters or Metadata, where a render step should have replaced them. */
function lintPlaceholders(document: Json, findings: Findings): void {
  const walk = (root: unknown, rootPath: (string | number)[], actionIdentifier: string | undefined): void =>
    walkJson(root, rootPath, (value, pathOf) => {
      if (typeof value !== "string") return;
      const match = PLACEHOLDER.exec(value);
      if (!match) return;
      const path = pathOf();
      findings.add(
        "unresolved-placeholder",
        jsonPointer(...path),
        `${path.slice(path[0] === "Actions" ? 2 : 0).join(".")} still holds the template placeholder ${match[0]}.`,
        { actionIdentifier },
      );
    });
  if (Array.isArray(document.Actions)) {
    document.Actions.forEach((action, index) => {
      if (isPlainObject(action) && action.Parameters !== undefined) {
        walk(action.Parameters, ["Actions", index, "Parameters"], identifierOf(action));
      }
    });
  }
  if (document.Metadata !== undefined) walk(document.Metadata, ["Metadata"], undefined);
}
