/**
 * What the linter knows about each common action type beyond the service checks: the console block it
 * comes from (for diagrams), which transitions it may have and which parameters it takes. Only types
 * whose reference page is unambiguous are described; any other known type is checked by the service
 * rules alone, so an incomplete table never produces a false error.
 *
 * Pages: https://docs.aws.amazon.com/connect/latest/APIReference/<family>-actions-<type>.html (the family
 * is contact, flow-control, interactions or participant), plus the live-API corrections in
 * mgaffigan/pulumi-amazon-connect docs/wire-format-checks.md [S] (shared/reference/peers.md §2).
 */

export interface ActionSpec {
  /** The console block that writes this action, for diagrams and messages. */
  block: string;
  /**
   * Ends the flow: "Transitions": {} and nothing else (participant-actions-disconnectparticipant.html:
   * "Conditions are not supported. Errors: None").
   */
  terminal?: true;
  /**
   * Whether a NextAction is required. Connect "rejects any non-terminal action without one"
   * (wire-format-checks.md [S]); the exceptions are actions that never continue on success.
   */
  nextAction: "required" | "optional" | "none";
  /** "No conditions are supported" / conditions optional / a branching block without branches is rejected. */
  conditions: "none" | "optional" | "required";
  /** The ErrorTypes the reference lists; absent when the list is not pinned down. */
  errors?: readonly string[];
  /** Parameters that must be present. */
  required?: readonly string[];
  /** Exactly one of these must be present ("May not be specified if … is also specified"). */
  exactlyOne?: readonly string[];
  /** Every parameter the type takes; absent when the list is open or not pinned down. */
  known?: readonly string[];
}

const MESSAGE = ["PromptId", "Text", "SSML", "Media"] as const;
const NO_MATCHING_ERROR = ["NoMatchingError"] as const;

/** The Voice ID fields of UpdateContactData (contact-actions-updatecontactdata.html; aws-facts.md §6). */
export const UPDATE_CONTACT_DATA_FIELDS = [
  "Name",
  "Description",
  "LanguageCode",
  "CustomerId",
  "References",
  "IsVoiceIdStreamingEnabled",
  "IsVoiceAuthenticationEnabled",
  "IsFraudDetectionEnabled",
  "VoiceAuthenticationThreshold",
  "VoiceAuthenticationResponseTime",
  "FraudDetectionThreshold",
  "WatchlistId",
  "WisdomSessionArn",
  "TargetContact",
] as const;

export const ACTION_SPECS: Readonly<Record<string, ActionSpec>> = {
  // participant-actions-disconnectparticipant.html: "No parameters are expected … Errors: None."
  DisconnectParticipant: {
    block: "Disconnect",
    terminal: true,
    nextAction: "none",
    conditions: "none",
    errors: [],
    known: [],
  },
  // flow-control-actions-endflowexecution.html.
  EndFlowExecution: { block: "End flow", terminal: true, nextAction: "none", conditions: "none", errors: [] },
  EndFlowModuleExecution: {
    block: "Return (module)",
    terminal: true,
    nextAction: "none",
    conditions: "none",
    errors: [],
  },
  // participant-actions-messageparticipant.html: one of PromptId, Text, SSML, Media; "No conditions are
  // supported"; NoMatchingError. SkipWhenDTMFBufferEnabled: every console export carries it [S].
  MessageParticipant: {
    block: "Play prompt",
    nextAction: "required",
    conditions: "none",
    errors: NO_MATCHING_ERROR,
    exactlyOne: MESSAGE,
    known: [...MESSAGE, "SkipWhenDTMFBufferEnabled"],
  },
  // participant-actions-messageparticipantiteratively.html: loops until interrupted, so it never continues
  // on success (the GoodMeasures reference flow has no NextAction); MessagesInterrupted is a condition.
  MessageParticipantIteratively: {
    block: "Loop prompts",
    nextAction: "optional",
    conditions: "optional",
    errors: NO_MATCHING_ERROR,
    required: ["Messages"],
    known: ["Messages", "InterruptFrequencySeconds"],
  },
  GetParticipantInput: { block: "Get customer input", nextAction: "required", conditions: "optional" },
  ConnectParticipantWithLexBot: {
    block: "Get customer input (Lex)",
    nextAction: "required",
    conditions: "optional",
  },
  ShowView: {
    block: "Show view",
    nextAction: "required",
    conditions: "optional",
    required: ["ViewResource"],
  },
  // flow-control-actions-startvoiceidstream.html: "{ }", "No conditions are supported", NoMatchingError.
  StartVoiceIdStream: {
    block: "Set Voice ID (start stream)",
    nextAction: "required",
    conditions: "none",
    errors: NO_MATCHING_ERROR,
    known: [],
  },
  // flow-control-actions-checkvoiceid.html.
  CheckVoiceId: {
    block: "Check Voice ID",
    nextAction: "required",
    conditions: "optional",
    errors: NO_MATCHING_ERROR,
    required: ["CheckVoiceIdOption"],
    known: ["CheckVoiceIdOption"],
  },
  // contact-actions-updatecontactdata.html; "no conditions" (aws-facts.md §6). Emptiness is a service rule.
  UpdateContactData: {
    block: "Set contact data",
    nextAction: "required",
    conditions: "none",
    errors: NO_MATCHING_ERROR,
    known: UPDATE_CONTACT_DATA_FIELDS,
  },
  // contact-actions-updatecontactattributes.html: exactly { Attributes, TargetContact } [S].
  UpdateContactAttributes: {
    block: "Set contact attributes",
    nextAction: "required",
    conditions: "none",
    errors: NO_MATCHING_ERROR,
    required: ["Attributes"],
    known: ["Attributes", "TargetContact"],
  },
  // contact-actions-updatecontacttargetqueue.html: QueueId or AgentId.
  UpdateContactTargetQueue: {
    block: "Set working queue",
    nextAction: "required",
    conditions: "none",
    errors: NO_MATCHING_ERROR,
    exactlyOne: ["QueueId", "AgentId"],
    known: ["QueueId", "AgentId"],
  },
  // contact-actions-transfercontacttoqueue.html: QueueAtCapacity, NoMatchingError.
  TransferContactToQueue: {
    block: "Transfer to queue",
    nextAction: "required",
    conditions: "none",
    errors: ["QueueAtCapacity", "NoMatchingError"],
  },
  // flow-control-actions-transfertoflow.html.
  TransferToFlow: {
    block: "Transfer to flow",
    nextAction: "required",
    conditions: "none",
    required: ["ContactFlowId"],
  },
  // flow-control-actions-compare.html: errors "NoMatchingCondition"; "Compare with no conditions is not
  // importable" (sample-aicc-builder PR #13, peers.md §2). ComparisonValue is a service rule.
  Compare: {
    block: "Check contact attributes",
    nextAction: "required",
    conditions: "required",
    errors: ["NoMatchingCondition"],
    known: ["ComparisonValue"],
  },
  // flow-control-actions-loop.html: ContinueLooping / DoneLooping conditions, and a NextAction [S].
  Loop: {
    block: "Loop",
    nextAction: "required",
    conditions: "required",
    required: ["LoopCount"],
    known: ["LoopCount"],
  },
  DistributeByPercentage: {
    block: "Distribute by percentage",
    nextAction: "required",
    conditions: "required",
  },
  CheckHoursOfOperation: {
    block: "Check hours of operation",
    nextAction: "required",
    conditions: "optional",
  },
  // interactions-invokelambdafunction.html.
  InvokeLambdaFunction: {
    block: "Invoke AWS Lambda function",
    nextAction: "required",
    conditions: "none",
    required: ["LambdaFunctionARN"],
  },
  // flow-control-actions-updateflowloggingbehavior.html: Enabled | Disabled.
  UpdateFlowLoggingBehavior: {
    block: "Set logging behavior",
    nextAction: "required",
    conditions: "none",
    required: ["FlowLoggingBehavior"],
    known: ["FlowLoggingBehavior"],
  },
  UpdateFlowAttributes: {
    block: "Set flow attributes",
    nextAction: "required",
    conditions: "none",
    required: ["FlowAttributes"],
  },
  UpdateContactTextToSpeechVoice: {
    block: "Set voice",
    nextAction: "required",
    conditions: "none",
    required: ["TextToSpeechVoice"],
  },
  // Event hooks are a service rule (EventHooks, exactly one).
  UpdateContactEventHooks: { block: "Set event flow", nextAction: "required", conditions: "none" },
  InvokeFlowModule: { block: "Invoke module", nextAction: "required", conditions: "optional" },
  GetCustomerProfile: { block: "Customer profiles", nextAction: "required", conditions: "optional" },
  // Voice ID preview era (2021): the voice-id sample application's flow shape.
  SetSecurityBehavior: {
    block: "Set security behavior (legacy)",
    nextAction: "required",
    conditions: "none",
  },
  CheckSecurityStatus: {
    block: "Check security status (legacy)",
    nextAction: "required",
    conditions: "optional",
  },
};

/** "UpdateContactRoutingCriteria" → "Update contact routing criteria": a readable name for any type. */
export function readableType(type: string): string {
  const spec = ACTION_SPECS[type];
  if (spec) return spec.block;
  const words = type.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2");
  return words.charAt(0) + words.slice(1).toLowerCase();
}
