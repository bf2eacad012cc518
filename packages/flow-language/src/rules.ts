/**
 * Every rule the flow linter applies, by stable id. Severity follows one principle: **error** when
 * Connect rejects the flow at publish time (CreateContactFlow / UpdateContactFlowContent answer
 * InvalidContactFlowException) or the flow is structurally broken; **warning** when it publishes but
 * misbehaves at run time, or the rule cannot see what an earlier flow did.
 *
 * Sources: the flow-language reference (https://docs.aws.amazon.com/connect/latest/APIReference/flow-language.html
 * and the per-action pages), the Voice ID block pages (…/adminguide/set-voice-id.html,
 * …/adminguide/check-voice-id.html) and the rejections recorded from the live API in
 * mgaffigan/pulumi-amazon-connect `docs/wire-format-checks.md` (shared/reference/peers.md §2).
 */

export type LintSeverity = "error" | "warning";

export interface LintRule {
  severity: LintSeverity;
  /** One line: what the rule checks. */
  description: string;
  /** What to do about a finding, unless the finding carries a more specific hint. */
  hint: string;
  /** Where the rule comes from. */
  source: string;
}

const FLOW_LANGUAGE = "https://docs.aws.amazon.com/connect/latest/APIReference/flow-language.html";
const ACTIONS_PAGE = "https://docs.aws.amazon.com/connect/latest/APIReference/flow-language-actions.html";
const EXAMPLE_PAGE = "https://docs.aws.amazon.com/connect/latest/APIReference/flow-language-example.html";
const CREATE_CONTACT_FLOW =
  "https://docs.aws.amazon.com/connect/latest/APIReference/API_CreateContactFlow.html";
const UPDATE_CONTACT_DATA =
  "https://docs.aws.amazon.com/connect/latest/APIReference/contact-actions-updatecontactdata.html";
const CHECK_VOICE_ID =
  "https://docs.aws.amazon.com/connect/latest/APIReference/flow-control-actions-checkvoiceid.html";
const SET_VOICE_ID_BLOCK = "https://docs.aws.amazon.com/connect/latest/adminguide/set-voice-id.html";
const CHECK_VOICE_ID_BLOCK = "https://docs.aws.amazon.com/connect/latest/adminguide/check-voice-id.html";
const WIRE_CHECKS =
  "mgaffigan/pulumi-amazon-connect docs/wire-format-checks.md (live CreateContactFlow rejections)";

const RULES = {
  // --- The document -------------------------------------------------------------------------------
  "invalid-json": {
    severity: "error",
    description: "The flow content is valid JSON.",
    hint: "Fix the JSON syntax at the reported position; a console export is JSON, a Terraform heredoc needs extracting first.",
    source: CREATE_CONTACT_FLOW,
  },
  "content-length": {
    severity: "error",
    description: "The flow content is 1 to 256,000 characters long.",
    hint: "Split the flow with TransferToFlow or a flow module, or drop console layout Metadata.",
    source: CREATE_CONTACT_FLOW,
  },
  "document-shape": {
    severity: "error",
    description:
      "The document has the flow language's shape: an object with Actions (a list of objects), optional Metadata (an object), well-formed Parameters and Transitions.",
    hint: "Export the flow with describe-contact-flow (ContactFlow.Content), not the console's legacy export.",
    source: FLOW_LANGUAGE,
  },
  "unsupported-version": {
    severity: "error",
    description: 'Version is "2019-10-30", the only version of the flow language.',
    hint: 'Set "Version": "2019-10-30".',
    source: FLOW_LANGUAGE,
  },
  "too-many-actions": {
    severity: "error",
    description: "A flow has at most 250 actions.",
    hint: "Move part of the flow into another flow (TransferToFlow) or a flow module.",
    source: EXAMPLE_PAGE,
  },
  "identifier-invalid": {
    severity: "error",
    description:
      "Every action has an Identifier of at most 50 characters, without % : ( ) \\ / = $ , ; [ ] { } and not a reserved word.",
    hint: "Rename the action and every NextAction that points to it.",
    source: ACTIONS_PAGE,
  },
  "duplicate-identifier": {
    severity: "error",
    description: "Action Identifiers are unique within the flow.",
    hint: "Give the duplicate a new Identifier and repoint the transitions meant for it.",
    source: ACTIONS_PAGE,
  },
  "start-action-unresolved": {
    severity: "error",
    description: "StartAction is the Identifier of an action in the flow.",
    hint: "Point StartAction at the first action's Identifier.",
    source: FLOW_LANGUAGE,
  },
  "next-action-unresolved": {
    severity: "error",
    description:
      "Every NextAction (Transitions, Conditions[], Errors[]) is the Identifier of an action in the flow.",
    hint: "Point the transition at an existing action, or add the missing action.",
    source: FLOW_LANGUAGE,
  },
  "unreachable-action": {
    severity: "warning",
    description: "Every action can be reached from StartAction.",
    hint: "Connect the action or delete it; it never runs.",
    source: FLOW_LANGUAGE,
  },
  // --- Actions and their parameters ---------------------------------------------------------------
  "unknown-action-type": {
    severity: "error",
    description: "Every action has a Type the service accepts.",
    hint: "Use an action type from the flow-language reference (note UntagContact and UpdateContactRoutingCriteria).",
    source: `${ACTIONS_PAGE}; ${WIRE_CHECKS}`,
  },
  "legacy-action-type": {
    severity: "warning",
    description:
      "No Voice ID preview-era action types (SetSecurityBehavior, CheckSecurityStatus); the modern blocks replace them.",
    hint: "Replace SetSecurityBehavior with UpdateContactData (Voice ID switches) + StartVoiceIdStream, and CheckSecurityStatus with CheckVoiceId.",
    source:
      "amazon-connect/amazon-connect-voice-id-sample-application (2021, archived); shared/reference/flows/README.md",
  },
  "parameter-not-string": {
    severity: "error",
    description: "Every scalar in Parameters is a string (numbers and booleans are quoted).",
    hint: 'Quote the value, e.g. "3" rather than 3 and "TRUE" rather than true.',
    source: WIRE_CHECKS,
  },
  "empty-value": {
    severity: "error",
    description: "No parameter value or condition operand is an empty string.",
    hint: "Remove the key, or give it a value (a single space is accepted where blank is meant).",
    source: WIRE_CHECKS,
  },
  "missing-parameter": {
    severity: "error",
    description:
      "Every action has the parameters its type requires (e.g. a Play prompt's message, Compare's value).",
    hint: "Add the parameter; the action's reference page lists them.",
    source: ACTIONS_PAGE,
  },
  "conflicting-parameters": {
    severity: "error",
    description: "Parameters that exclude each other are not set together (e.g. PromptId and Text).",
    hint: "Keep exactly one of them.",
    source:
      "https://docs.aws.amazon.com/connect/latest/APIReference/participant-actions-messageparticipant.html",
  },
  "unknown-parameter": {
    severity: "warning",
    description: "Parameters hold only names the action type documents.",
    hint: "Remove the parameter or fix its spelling (names are case-sensitive).",
    source: `${ACTIONS_PAGE}; ${WIRE_CHECKS}`,
  },
  "parameter-value": {
    severity: "error",
    description:
      "Static parameter values are in range (Loop count 0–100, Lambda timeout 1–8 s, one event hook, Compare on a JSONPath).",
    hint: "Use a value from the range on the action's reference page.",
    source: ACTIONS_PAGE,
  },
  "condition-invalid": {
    severity: "error",
    description: "Every condition has a known Operator and a list of string Operands.",
    hint: "Use Equals, TextStartsWith, TextEndsWith, TextContains, the Number… comparisons or KeyExists.",
    source: FLOW_LANGUAGE,
  },
  "transition-not-allowed": {
    severity: "error",
    description:
      "Transitions fit the action type: terminal actions (DisconnectParticipant, EndFlowExecution) have none, actions without results take no Conditions, ErrorTypes are the type's own.",
    hint: "Remove the transition; the action's reference page lists its results and errors.",
    source: ACTIONS_PAGE,
  },
  "transition-missing": {
    severity: "error",
    description:
      "Non-terminal actions have a NextAction, and branching actions (Compare, Loop, DistributeByPercentage) have Conditions.",
    hint: "Add the missing transition.",
    source: `${ACTIONS_PAGE}; ${WIRE_CHECKS}`,
  },
  "unresolved-placeholder": {
    severity: "warning",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the text names the placeholder syntax itself
    description: "No template placeholder such as ${QUEUE_ARN} is left in Parameters or Metadata.",
    hint: "Render the template for an environment before linting or publishing it.",
    source: "shared/reference/peers.md §4 (fail closed on unresolved tokens)",
  },
  // --- References to the instance -----------------------------------------------------------------
  "reference-invalid": {
    severity: "error",
    description:
      "Static QueueId, PromptId, ContactFlowId, LambdaFunctionARN, event-hook and caller-id values are well-formed ids or ARNs of the right kind.",
    hint: "Use the resource's id or full ARN, of the kind the parameter names.",
    source: FLOW_LANGUAGE,
  },
  "reference-foreign-instance": {
    severity: "error",
    description: "Connect ARNs name the Region, account and instance the flow is published into.",
    hint: "Render the flow for this environment so every ARN names its instance.",
    source: "shared/reference/peers.md §3 (instance-specific ARNs baked into flows)",
  },
  "reference-not-found": {
    severity: "error",
    description: "Static references exist in the target instance (checked only with a resolver).",
    hint: "Create the resource first, or fix the name it was resolved from.",
    source: FLOW_LANGUAGE,
  },
  // --- Voice ID -----------------------------------------------------------------------------------
  "voice-id-check-option": {
    severity: "error",
    description: "CheckVoiceIdOption is enrollmentStatus, voiceAuthentication or fraudDetection.",
    hint: "Pick one of the three options.",
    source: CHECK_VOICE_ID,
  },
  "voice-id-operand": {
    severity: "error",
    description:
      "CheckVoiceId branches with Equals on wire values (NotEnrolled, OptedOut, HighRisk…), never the console labels.",
    hint: "Use the wire value without spaces, e.g. NotEnrolled rather than Not enrolled.",
    source: `${CHECK_VOICE_ID}; ${WIRE_CHECKS}`,
  },
  "voice-id-switch-value": {
    severity: "error",
    description:
      "IsVoiceIdStreamingEnabled, IsVoiceAuthenticationEnabled and IsFraudDetectionEnabled are TRUE or FALSE.",
    hint: 'Use "TRUE" or "FALSE".',
    source: UPDATE_CONTACT_DATA,
  },
  "voice-id-switches-together": {
    severity: "error",
    description: "The three Voice ID switches of UpdateContactData are set together.",
    hint: "Set IsVoiceIdStreamingEnabled, IsVoiceAuthenticationEnabled and IsFraudDetectionEnabled in the same action.",
    source: WIRE_CHECKS,
  },
  "voice-id-threshold-coupling": {
    severity: "error",
    description:
      "Authentication threshold and response time are set exactly when authentication is on, the fraud threshold exactly when fraud detection is on.",
    hint: "Add the thresholds for a switch that is TRUE; remove them for one that is FALSE.",
    source: WIRE_CHECKS,
  },
  "voice-id-threshold-range": {
    severity: "error",
    description: "VoiceAuthenticationThreshold and FraudDetectionThreshold are whole numbers from 0 to 100.",
    hint: "Use 0–100 (AWS defaults: authentication 90, fraud 50).",
    source: UPDATE_CONTACT_DATA,
  },
  "voice-id-response-time": {
    severity: "error",
    description: "VoiceAuthenticationResponseTime is a whole number of seconds from 5 to 10.",
    hint: "Use 5–10 (the default is 10).",
    source: SET_VOICE_ID_BLOCK,
  },
  "voice-id-watchlist-id": {
    severity: "error",
    description: "A static WatchlistId is 22 letters and digits.",
    hint: "Copy the watchlist id from ListWatchlists, or take it from a contact attribute.",
    source: SET_VOICE_ID_BLOCK,
  },
  "update-contact-data-empty": {
    severity: "error",
    description: "UpdateContactData sets at least one field.",
    hint: "Add the field to set, or remove the action.",
    source: WIRE_CHECKS,
  },
  "voice-id-prompt-before-set": {
    severity: "error",
    description:
      "A Play prompt (MessageParticipant) runs before Set Voice ID (UpdateContactData with IsVoiceIdStreamingEnabled, StartVoiceIdStream) on every path.",
    hint: 'Put a Play prompt, even a short "Welcome", before Set Voice ID so the audio streams.',
    source: SET_VOICE_ID_BLOCK,
  },
  "voice-id-set-before-check": {
    severity: "warning",
    description:
      "Set Voice ID (StartVoiceIdStream) runs before Check Voice ID on every path from StartAction.",
    hint: "Add Set Voice ID earlier on that path; ignore this if a flow that transfers here already started the stream.",
    source: CHECK_VOICE_ID_BLOCK,
  },
  "voice-id-customer-id-before-check": {
    severity: "warning",
    description:
      "The Customer ID (UpdateContactData CustomerId) is set before an enrollment-status or authentication Check Voice ID on every path.",
    hint: "Set the Customer ID (Set contact attributes) on that path; ignore this if a flow that transfers here already set it.",
    source: CHECK_VOICE_ID_BLOCK,
  },
} satisfies Record<string, LintRule>;

/** A rule's stable kebab-case id. */
export type LintRuleId = keyof typeof RULES;

/** Every lint rule by id, for `cvk flow lint --rules` and documentation. */
export const LINT_RULES: Readonly<Record<LintRuleId, LintRule>> = RULES;
