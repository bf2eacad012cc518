// Shared by the Voice ID tests; excluded from the build (tsconfig.build.json).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { CreateDomainCommand, VoiceIDClient } from "@aws-sdk/client-voice-id";
import { encodeWav, synthesizeSpeech } from "@cvk/audio";
import { parseS3Uri } from "@cvk/core";
import { expect } from "vitest";
import type { SandboxOptions } from "../sandbox.ts";
import { type StartedSandbox, startSandbox, type Transport } from "../test-support.ts";

/** The official Smithy model, read in place (never copied into the repository). */
export const MODEL_PATH = join(
  import.meta.dirname,
  "../../../../../shared/reference/aws-models/voice-id.json",
);
export const MODEL_PRESENT = existsSync(MODEL_PATH);

export const ROLE_ARN = "arn:aws:iam::123456789012:role/VoiceIdBatchAccess";
export const KMS_KEY = "arn:aws:kms:us-west-2:123456789012:key/11111111-2222-3333-4444-555555555555";

export async function start(transport: Transport, options: SandboxOptions = {}): Promise<StartedSandbox> {
  return await startSandbox(transport, options);
}

/**
 * A plain Voice ID client in the SDK's standard retry mode, outside cvk's client factory (no quota
 * pacing), for tests that want the sandbox's answers as they come.
 */
export function standardClient(started: StartedSandbox, region = "us-west-2"): VoiceIDClient {
  return new VoiceIDClient({
    region,
    endpoint: started.endpoint,
    credentials: { accessKeyId: "AKIDSANDBOX", secretAccessKey: "sandbox-secret" },
    maxAttempts: 1,
  });
}

/** Creates a domain through the SDK and returns its id and default watchlist. */
export async function createDomain(
  client: VoiceIDClient,
  name = "test-domain",
): Promise<{ domainId: string; defaultWatchlistId: string; arn: string }> {
  const { Domain } = await client.send(
    new CreateDomainCommand({ Name: name, ServerSideEncryptionConfiguration: { KmsKeyId: KMS_KEY } }),
  );
  return {
    domainId: Domain?.DomainId as string,
    defaultWatchlistId: Domain?.WatchlistDetails?.DefaultWatchlistId as string,
    arn: Domain?.Arn as string,
  };
}

/** The SDK error a promise rejects with; fails the test when it resolves. */
export async function errorOf(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error("Expected the call to fail, but it succeeded");
}

/** Asserts a modelled AWS error: its name, HTTP status and extra members. */
export async function expectAwsError(
  promise: Promise<unknown>,
  name: string,
  status: number,
  fields: Record<string, unknown> = {},
): Promise<Error & Record<string, unknown>> {
  const error = await errorOf(promise);
  expect(error.name, String(error.message)).toBe(name);
  expect((error.$metadata as { httpStatusCode?: number } | undefined)?.httpStatusCode).toBe(status);
  for (const [key, value] of Object.entries(fields)) expect(error[key]).toBe(value);
  return error;
}

/** A raw awsJson1_0 POST (unsigned), for what the SDK will not send. */
export async function rawCall(
  started: StartedSandbox,
  target: string | undefined,
  body: string,
  init: { method?: string; path?: string } = {},
): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const response = await fetch(`${started.endpoint}${init.path ?? "/"}`, {
    method: init.method ?? "POST",
    headers: {
      "content-type": "application/x-amz-json-1.0",
      // Names the service in the SigV4 scope so the router picks Voice ID; signatures are not checked.
      authorization:
        "AWS4-HMAC-SHA256 Credential=AKIDRAW/20260101/us-west-2/voiceid/aws4_request, SignedHeaders=host, Signature=0",
      ...(target === undefined ? {} : { "x-amz-target": target }),
    },
    ...(init.method === "GET" ? {} : { body }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    json: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

// --- Batch-job fixtures ---------------------------------------------------------------------------

const wavCache = new Map<string, Uint8Array>();

/**
 * A synthetic recording as a WAV file (deterministic; cached across tests). Defaults: 8 kHz mono
 * PCM-16, what Voice ID accepts.
 */
export function voiceWav(
  voice: string,
  seconds: number,
  options: {
    seed?: number;
    sampleRate?: number;
    channels?: number;
    encoding?: "pcm" | "float" | "mulaw";
    bitsPerSample?: number;
  } = {},
): Uint8Array {
  const key = JSON.stringify([voice, seconds, options]);
  let bytes = wavCache.get(key);
  if (!bytes) {
    const sampleRate = options.sampleRate ?? 8000;
    const speech = synthesizeSpeech({ voice, seconds, sampleRate, seed: options.seed ?? 1 });
    const channels = Array.from({ length: options.channels ?? 1 }, (_, index) =>
      index === 0 ? speech : new Float32Array(speech.length),
    );
    bytes = encodeWav({
      channels,
      sampleRate,
      ...(options.encoding ? { encoding: options.encoding } : {}),
      ...(options.bitsPerSample ? { bitsPerSample: options.bitsPerSample } : {}),
    });
    wavCache.set(key, bytes);
  }
  return bytes;
}

export async function createBucket(started: StartedSandbox, bucket: string): Promise<void> {
  await started.clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
}

/** Uploads through the real S3 client. */
export async function putObject(
  started: StartedSandbox,
  uri: string,
  body: Uint8Array | string,
): Promise<void> {
  const { bucket, key } = parseS3Uri(uri);
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  await started.clients.s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, ContentLength: bytes.length }),
  );
}

export async function getJson(started: StartedSandbox, uri: string): Promise<Record<string, unknown>> {
  const { bucket, key } = parseS3Uri(uri);
  const { Body } = await started.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return JSON.parse((await Body?.transformToString()) ?? "") as Record<string, unknown>;
}

export interface EnrollmentRequest {
  RequestId: string;
  SpeakerId?: string;
  AudioSpecifications: { S3Uri: string; ChannelId: number }[];
}

export function enrollmentManifest(requests: unknown[]): string {
  return JSON.stringify({ Version: "1.0", SpeakerEnrollmentRequests: requests });
}

export function registrationManifest(requests: unknown[]): string {
  return JSON.stringify({ Version: "1.0", FraudsterRegistrationRequests: requests });
}

/** The documented output location: `{OutputDataConfig.S3Uri}/{JobId}/{manifest file name}.out`. */
export function outputUri(outputFolder: string, jobId: string, manifestUri: string): string {
  return `${outputFolder.replace(/\/+$/, "")}/${jobId}/${manifestUri.slice(manifestUri.lastIndexOf("/") + 1)}.out`;
}
