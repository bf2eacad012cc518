/**
 * The AWS SDK modules the job runner needs, loaded on first use. `cvk enroll plan` of local files
 * never calls AWS, and importing these eagerly (through this package's index) cost the plan
 * process ~30 MB of RSS and ~0.5 s before it read a row (bench/enroll-plan.bench.ts).
 */
type S3Module = typeof import("@aws-sdk/client-s3");
type VoiceIdModule = typeof import("@aws-sdk/client-voice-id");
type StorageModule = typeof import("@aws-sdk/lib-storage");

let s3: Promise<S3Module> | undefined;
let voiceId: Promise<VoiceIdModule> | undefined;
let storage: Promise<StorageModule> | undefined;

export function s3Sdk(): Promise<S3Module> {
  s3 ??= import("@aws-sdk/client-s3");
  return s3;
}

export function voiceIdSdk(): Promise<VoiceIdModule> {
  voiceId ??= import("@aws-sdk/client-voice-id");
  return voiceId;
}

export function storageSdk(): Promise<StorageModule> {
  storage ??= import("@aws-sdk/lib-storage");
  return storage;
}
