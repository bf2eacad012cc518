/**
 * The Voice ID part of the sandbox: an emulation of Amazon Connect Voice ID (API 2021-09-27) driven
 * by the service's Smithy model. AWS ended Voice ID on 2026-05-20, so this is the only place the
 * Voice ID half of cvk runs.
 */

import type { ServiceFrontDoor } from "../router.ts";
import type { S3ObjectAccess, ServiceContext } from "../service-context.ts";
import { VoiceIdEngine } from "./engine.ts";
import { createVoiceIdFrontDoor } from "./front-door.ts";

export { type CallContext, type SeedFraudster, type SeedSpeaker, VoiceIdEngine } from "./engine.ts";
export { VOICE_ID_DEFAULTS, VOICE_ID_LIMITS } from "./model.ts";
export type { SimulatedSession, SimulateSessionOptions } from "./sessions.ts";
export { OPERATION_NAMES, type OperationName } from "./shapes.ts";

/** The Voice ID engine and its awsJson1_0 front door; `s3` is where jobs read manifests and audio and write output. */
export function createVoiceIdService(
  context: ServiceContext,
  s3: S3ObjectAccess,
): { engine: VoiceIdEngine; door: ServiceFrontDoor } {
  const engine = new VoiceIdEngine(context, s3);
  return { engine, door: createVoiceIdFrontDoor(engine, context) };
}
