import { CvkError } from "@cvk/core";

/**
 * The flow language's document model (Version "2019-10-30"):
 * https://docs.aws.amazon.com/connect/latest/APIReference/flow-language.html and …/flow-language-actions.html.
 * `Parameters` and `Transitions` are optional here because older flows created through the API omit
 * them (amazon-connect-voice-id-sample-application, shared/reference/flows) and the service accepted that.
 */
export interface FlowDocument {
  Version: string;
  StartAction: string;
  /** Free-form; the console keeps layout here (`entryPointPosition`, `ActionMetadata`). */
  Metadata?: Record<string, unknown>;
  Actions: FlowAction[];
}

export interface FlowAction {
  Identifier: string;
  Type: string;
  Parameters?: Record<string, unknown>;
  Transitions?: FlowTransitions;
}

export interface FlowTransitions {
  NextAction?: string;
  Errors?: FlowErrorBranch[];
  Conditions?: FlowConditionBranch[];
}

export interface FlowErrorBranch {
  ErrorType: string;
  NextAction: string;
}

export interface FlowConditionBranch {
  NextAction: string;
  Condition: { Operator: string; Operands: string[] };
}

/** One RFC 6901 JSON pointer from path segments ("~" and "/" escaped as ~0 and ~1). */
export function jsonPointer(...segments: readonly (string | number)[]): string {
  return segments.map((segment) => `/${String(segment).replace(/~/g, "~0").replace(/\//g, "~1")}`).join("");
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const HINT =
  "Pass the flow language itself (describe-contact-flow's ContactFlow.Content): an object with Version, StartAction and Actions.";

function invalid(pointer: string, message: string, cause?: unknown): CvkError {
  return new CvkError("FLOW_DOCUMENT_INVALID", pointer === "" ? message : `${pointer}: ${message}`, {
    hint: HINT,
    details: { pointer },
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * The first place `value` departs from the document model, or undefined when it fits. Only the shape:
 * whether the Version is supported, Identifiers unique or transitions resolve is `lintFlow`'s job.
 */
function shapeError(value: unknown): CvkError | undefined {
  if (!isPlainObject(value))
    return invalid("", "a flow is a JSON object with Version, StartAction and Actions.");
  for (const key of ["Version", "StartAction"] as const) {
    if (typeof value[key] !== "string") return invalid(jsonPointer(key), `${key} must be a string.`);
  }
  if (value.Metadata !== undefined && !isPlainObject(value.Metadata)) {
    return invalid(jsonPointer("Metadata"), "Metadata must be an object.");
  }
  if (!Array.isArray(value.Actions)) return invalid(jsonPointer("Actions"), "Actions must be a list.");
  for (const [index, action] of value.Actions.entries()) {
    const at = (...rest: (string | number)[]) => jsonPointer("Actions", index, ...rest);
    if (!isPlainObject(action)) return invalid(at(), "an action must be an object.");
    for (const key of ["Identifier", "Type"] as const) {
      if (typeof action[key] !== "string") return invalid(at(key), `${key} must be a string.`);
    }
    if (action.Parameters !== undefined && !isPlainObject(action.Parameters)) {
      return invalid(at("Parameters"), "Parameters must be an object.");
    }
    const transitions = action.Transitions;
    if (transitions === undefined) continue;
    if (!isPlainObject(transitions)) return invalid(at("Transitions"), "Transitions must be an object.");
    if (transitions.NextAction !== undefined && typeof transitions.NextAction !== "string") {
      return invalid(at("Transitions", "NextAction"), "NextAction must be a string.");
    }
    if (transitions.Errors !== undefined) {
      if (!Array.isArray(transitions.Errors))
        return invalid(at("Transitions", "Errors"), "Errors must be a list.");
      for (const [i, entry] of transitions.Errors.entries()) {
        if (
          !isPlainObject(entry) ||
          typeof entry.ErrorType !== "string" ||
          typeof entry.NextAction !== "string"
        ) {
          return invalid(
            at("Transitions", "Errors", i),
            "an error branch needs an ErrorType and a NextAction.",
          );
        }
      }
    }
    if (transitions.Conditions !== undefined) {
      if (!Array.isArray(transitions.Conditions)) {
        return invalid(at("Transitions", "Conditions"), "Conditions must be a list.");
      }
      for (const [i, entry] of transitions.Conditions.entries()) {
        const condition = isPlainObject(entry) ? entry.Condition : undefined;
        if (
          !isPlainObject(entry) ||
          typeof entry.NextAction !== "string" ||
          !isPlainObject(condition) ||
          typeof condition.Operator !== "string" ||
          !Array.isArray(condition.Operands) ||
          !condition.Operands.every((operand) => typeof operand === "string")
        ) {
          return invalid(
            at("Transitions", "Conditions", i),
            "a condition needs a NextAction and a Condition with an Operator and string Operands.",
          );
        }
      }
    }
  }
  return undefined;
}

/**
 * Parses flow content into the document model, or throws a `CvkError` with code FLOW_DOCUMENT_INVALID
 * (exit code 2) naming the JSON pointer of the first problem. It checks the shape only; `lintFlow`
 * reports everything else.
 */
export function parseFlowDocument(content: string): FlowDocument {
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch (error) {
    throw invalid("", `the flow content is not valid JSON: ${(error as Error).message}`, error);
  }
  return asFlowDocument(value);
}

/** The same check as `parseFlowDocument` for an already parsed value. */
export function asFlowDocument(value: unknown): FlowDocument {
  const error = shapeError(value);
  if (error) throw error;
  return value as FlowDocument;
}
