import type { ServiceFrontDoor } from "../router.ts";
import type { ServiceContext } from "../service-context.ts";
import { createConnectDoor } from "./door.ts";
import { ConnectEngine } from "./engine.ts";

/**
 * The Amazon Connect part of the sandbox: the restJson1 operations cvk's contact-flow and verification
 * features call (flows, integration associations, the listings a flow references), served over the
 * wire so the real `@aws-sdk/client-connect` runs unmodified against it.
 */
export function createConnectService(context: ServiceContext): {
  engine: ConnectEngine;
  door: ServiceFrontDoor;
} {
  const engine = new ConnectEngine(context);
  return { engine, door: createConnectDoor(engine, context) };
}

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
  validateFlowContent,
} from "@cvk/flow-language";
export { SERVED_CONNECT_OPERATIONS } from "./door.ts";
export {
  CONTACT_FLOW_TYPES,
  CONTACT_FLOWS_PER_INSTANCE,
  ConnectEngine,
  type ContactFlowType,
  type InstanceResources,
  type InstanceSummary,
  SANDBOX_INSTANCE_ALIAS,
  SANDBOX_INSTANCE_ID,
} from "./engine.ts";
