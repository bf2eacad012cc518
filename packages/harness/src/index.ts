export {
  CONTACT_FLOW_TYPES,
  type ConnectEngine,
  type FlowProblem,
  type FlowReferenceResolver,
  SANDBOX_INSTANCE_ALIAS,
  SANDBOX_INSTANCE_ID,
  validateFlowContent,
} from "./connect/index.ts";
export { type Fault, type FaultConfig, FaultInjector, type FaultRule, parseFaultConfig } from "./faults.ts";
export { QuotaEnforcer } from "./quota-enforcer.ts";
export { isWriteOperation, type LoggedRequest, RequestLog } from "./request-log.ts";
export { type ServiceName, serviceOf } from "./router.ts";
export type { S3Engine } from "./s3/index.ts";
export { createSandbox, SANDBOX_ENDPOINT, type Sandbox, type SandboxOptions } from "./sandbox.ts";
export { type RunningServer, type ServeOptions, serveSandbox } from "./server.ts";
export type { JobProgression } from "./service-context.ts";
export { AwsServiceError } from "./service-error.ts";
export { SandboxStore } from "./store.ts";
export {
  type StartedSandbox,
  type StartSandboxOptions,
  startSandbox,
  TRANSPORTS,
  type Transport,
} from "./testing.ts";
