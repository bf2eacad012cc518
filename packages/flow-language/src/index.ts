/**
 * @cvk/flow-language: the Amazon Connect flow language (Version "2019-10-30") as code — Connect's
 * publish-time rules (`validateFlowContent`, what the sandbox publishes with), an offline linter
 * (`lintFlow`, `LINT_RULES`) and Mermaid diagrams (`flowToMermaid`).
 */
export {
  asFlowDocument,
  type FlowAction,
  type FlowConditionBranch,
  type FlowDocument,
  type FlowErrorBranch,
  type FlowTransitions,
  parseFlowDocument,
} from "./document.ts";
export {
  CHECK_VOICE_ID_OPERANDS,
  CONDITION_OPERATORS,
  checkSavedContent,
  FLOW_LANGUAGE_VERSION,
  type FlowInstanceScope,
  type FlowProblem,
  type FlowReferenceKind,
  type FlowReferenceResolver,
  KNOWN_ACTION_TYPES,
  MAX_FLOW_ACTIONS,
  MAX_FLOW_CONTENT_LENGTH,
  MAX_IDENTIFIER_LENGTH,
  MAX_PROBLEM_MESSAGE_LENGTH,
  validateFlowContent,
} from "./flow-validation.ts";
export { type LintFinding, type LintOptions, lintFlow } from "./lint.ts";
export { flowToMermaid, type MermaidOptions } from "./mermaid.ts";
export { LINT_RULES, type LintRule, type LintRuleId, type LintSeverity } from "./rules.ts";
