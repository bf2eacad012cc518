import type { Clock } from "@cvk/core";
import type { FaultInjector } from "./faults.ts";
import type { SandboxStore } from "./store.ts";

/** How batch jobs advance: a policy, never a sleep (moto's state manager, harness-anchors.md §2). */
export type JobProgression =
  /** Finished by the first Describe after Start (processing completes before it answers). */
  | { mode: "immediate" }
  /** One status step per N Describe calls: SUBMITTED → IN_PROGRESS (with rising %) → done. */
  | { mode: "polls"; describesPerStep: number }
  /** Requests processed at this rate on the sandbox clock (tests step a ManualClock; demos use real time). */
  | { mode: "clock"; requestsPerSecond: number };

export interface ServiceContext {
  clock: Clock;
  store: SandboxStore;
  faults: FaultInjector;
  /** The account id in ARNs the sandbox makes. */
  accountId: string;
  /** The Region when a request does not name one. */
  defaultRegion: string;
  jobs: JobProgression;
  /** Net speech Voice ID needs to enroll (aws-facts.md §3: 30 s). */
  minNetSpeechSeconds: number;
  /** Whether job requests with the same audio content share one analysis. */
  cacheAudioAnalysis: boolean;
  /**
   * Whether a Voice ID domain ARN exists in this sandbox, so Connect's CreateIntegrationAssociation
   * rejects a domain that is not there (set once both services exist).
   */
  voiceIdDomainExists?: (domainArn: string) => boolean;
}

/** What a Voice ID job needs from S3: the object bodies, on disk. */
export interface S3ObjectAccess {
  bucketExists(bucket: string): boolean;
  /**
   * The file holding an object's body, its size and ETag (a digest of the content), or undefined
   * when the object does not exist.
   */
  objectFile(bucket: string, key: string): { path: string; size: number; etag: string } | undefined;
  putObject(bucket: string, key: string, body: Uint8Array, contentType?: string): Promise<void>;
}
