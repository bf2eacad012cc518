/**
 * What a freshly created Connect instance holds before anyone touches it: the BasicQueue, the default
 * prompts and the default flows (https://docs.aws.amazon.com/connect/latest/adminguide/contact-flow-default.html,
 * …/prompts.html). The flow contents are small but valid flow language, so they publish under the
 * sandbox's own validation (connect.test.ts checks that) and flows can reference them as real ones do.
 */

import { FLOW_LANGUAGE_VERSION } from "@cvk/flow-language";

export const BASIC_QUEUE_NAME = "BasicQueue";

/** A realistic handful of the prompts every instance starts with. */
export const DEFAULT_PROMPT_NAMES = [
  "Beep.wav",
  "CustomerHold.wav",
  "CustomerQueue.wav",
  "Music_Jazz_MyTimeLapse_Inst.wav",
  "Music_Pop_ThisAndThatIsLife_Inst.wav",
  "Music_Pop_ThrowYourselfInFrontOfIt_Inst.wav",
  "Music_Rock_EverywhereTheSunShines_Inst.wav",
] as const;

export interface SeedFlow {
  name: string;
  type: string;
  description: string;
  content: string;
}

interface SeedResources {
  basicQueueArn: string;
  promptArn(name: (typeof DEFAULT_PROMPT_NAMES)[number]): string;
}

type Action = {
  Identifier: string;
  Type: string;
  Parameters: Record<string, unknown>;
  Transitions: Record<string, unknown>;
};

function flow(actions: Action[]): string {
  const start = actions[0]?.Identifier ?? "";
  return JSON.stringify({
    Version: FLOW_LANGUAGE_VERSION,
    StartAction: start,
    Metadata: {},
    Actions: actions,
  });
}

const next = (to: string) => ({ NextAction: to, Errors: [{ NextAction: to, ErrorType: "NoMatchingError" }] });

/** Plays prompts in a loop until the contact leaves (the default queue and hold flows do this). */
function loopPrompt(identifier: string, promptArn: string): string {
  return flow([
    {
      Identifier: identifier,
      Type: "MessageParticipantIteratively",
      Parameters: { Messages: [{ PromptId: promptArn }] },
      Transitions: {},
    },
  ]);
}

const end = (identifier: string): Action => ({
  Identifier: identifier,
  Type: "EndFlowExecution",
  Parameters: {},
  Transitions: {},
});
const disconnect = (identifier: string): Action => ({
  Identifier: identifier,
  Type: "DisconnectParticipant",
  Parameters: {},
  Transitions: {},
});

export function defaultFlows(resources: SeedResources): SeedFlow[] {
  return [
    {
      name: "Default customer queue",
      type: "CUSTOMER_QUEUE",
      description: "Default flow to play hold music while the customer is in queue.",
      content: loopPrompt("play-queue-music", resources.promptArn("CustomerQueue.wav")),
    },
    {
      name: "Default customer hold",
      type: "CUSTOMER_HOLD",
      description: "Default audio the customer hears while on hold.",
      content: loopPrompt("play-hold-music", resources.promptArn("CustomerHold.wav")),
    },
    {
      name: "Default agent hold",
      type: "AGENT_HOLD",
      description: "Default audio the agent hears while on hold.",
      content: loopPrompt("play-agent-hold-music", resources.promptArn("Music_Jazz_MyTimeLapse_Inst.wav")),
    },
    {
      name: "Default agent whisper",
      type: "AGENT_WHISPER",
      description: "Default whisper played to the agent: the queue name.",
      content: flow([
        {
          Identifier: "say-queue-name",
          Type: "MessageParticipant",
          Parameters: { Text: "$.Queue.Name" },
          Transitions: next("end"),
        },
        end("end"),
      ]),
    },
    {
      name: "Default customer whisper",
      type: "CUSTOMER_WHISPER",
      description: "Default whisper played to the customer.",
      content: flow([end("end")]),
    },
    {
      name: "Default outbound",
      type: "OUTBOUND_WHISPER",
      description: "Default whisper played to the customer on outbound calls.",
      content: flow([end("end")]),
    },
    {
      name: "Default agent transfer",
      type: "AGENT_TRANSFER",
      description: "Default flow to transfer to an agent.",
      content: flow([
        {
          Identifier: "transfer-to-agent",
          Type: "TransferContactToAgent",
          Parameters: {},
          Transitions: next("disconnect"),
        },
        disconnect("disconnect"),
      ]),
    },
    {
      name: "Default queue transfer",
      type: "QUEUE_TRANSFER",
      description: "Default flow to transfer to a queue.",
      content: flow([
        {
          Identifier: "transfer-to-queue",
          Type: "TransferContactToQueue",
          Parameters: {},
          Transitions: {
            NextAction: "disconnect",
            Errors: [
              { NextAction: "disconnect", ErrorType: "QueueAtCapacity" },
              { NextAction: "disconnect", ErrorType: "NoMatchingError" },
            ],
          },
        },
        disconnect("disconnect"),
      ]),
    },
    {
      name: "Sample inbound flow (first contact experience)",
      type: "CONTACT_FLOW",
      description: "Sample flow: greets the caller and queues them in the BasicQueue.",
      content: flow([
        {
          Identifier: "enable-logging",
          Type: "UpdateFlowLoggingBehavior",
          Parameters: { FlowLoggingBehavior: "Enabled" },
          Transitions: { NextAction: "greeting" },
        },
        {
          Identifier: "greeting",
          Type: "MessageParticipant",
          Parameters: { Text: "Thank you for calling. Please hold while we connect you." },
          Transitions: next("set-queue"),
        },
        {
          Identifier: "set-queue",
          Type: "UpdateContactTargetQueue",
          Parameters: { QueueId: resources.basicQueueArn },
          Transitions: next("transfer"),
        },
        {
          Identifier: "transfer",
          Type: "TransferContactToQueue",
          Parameters: {},
          Transitions: {
            NextAction: "disconnect",
            Errors: [
              { NextAction: "disconnect", ErrorType: "QueueAtCapacity" },
              { NextAction: "disconnect", ErrorType: "NoMatchingError" },
            ],
          },
        },
        disconnect("disconnect"),
      ]),
    },
  ];
}
