// Shared by the run/report tests; excluded from the build (tsconfig.build.json: src/**/test-support.ts).
// Builds plan directories exactly per plan-types.ts (until the tests can call planEnrollment).
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { encodeWav, synthesizeSpeech } from "@cvk/audio";
import type { AwsClients } from "@cvk/core";
import { type Sandbox, type SandboxOptions, startSandbox } from "@cvk/harness";
import { parse as parseCsvText } from "csv-parse/sync";
import type { EnrollmentPlan, PlannedShard, PlannedSpeaker, PlanProblem } from "../plan-types.ts";

export interface TestCaller {
  id: string;
  /** Voice for synthesizeSpeech (default: the id). */
  voice?: string;
  seconds?: number;
  seed?: number;
  /** Recordings (default 1). */
  recordings?: number;
}

const wavCache = new Map<string, Uint8Array>();

export function voiceWav(voice: string, seconds: number, seed = 1): Uint8Array {
  const key = `${voice}:${seconds}:${seed}`;
  let bytes = wavCache.get(key);
  if (!bytes) {
    bytes = encodeWav({
      channels: [synthesizeSpeech({ voice, seconds, sampleRate: 8000, seed })],
      sampleRate: 8000,
    });
    wavCache.set(key, bytes);
  }
  return bytes;
}

export const INPUT_S3_URI = "s3://cvk-in/enroll";
export const OUTPUT_S3_URI = "s3://cvk-out/results/";
export const ROLE_ARN = "arn:aws:iam::123456789012:role/VoiceIdBatchAccess";
export const KMS_KEY = "arn:aws:kms:us-west-2:123456789012:key/11111111-2222-3333-4444-555555555555";

/** Writes plan.json, speakers.jsonl, problems.jsonl, manifests/shard-NNN.json and the audio files. */
export function writeTestPlan(
  dir: string,
  options: { callers: TestCaller[]; shardSize: number; excluded?: { id: string; reason: string }[] },
): EnrollmentPlan {
  mkdirSync(join(dir, "audio"), { recursive: true });
  mkdirSync(join(dir, "manifests"), { recursive: true });
  const speakers: PlannedSpeaker[] = options.callers.map((caller, index) => {
    const recordings = Array.from({ length: caller.recordings ?? 1 }, (_, r) => {
      const name = `${caller.id}-${r + 1}.wav`;
      const path = join(dir, "audio", name);
      const bytes = voiceWav(caller.voice ?? caller.id, caller.seconds ?? 6, (caller.seed ?? 1) + r);
      writeFileSync(path, bytes);
      return { audio: path, channel: 0, s3Uri: `${INPUT_S3_URI}/audio/${name}`, bytes: bytes.length };
    });
    return {
      customerSpeakerId: caller.id,
      requestId: `r${index + 1}`,
      recordings,
      droppedRecordings: 0,
      shard: Math.floor(index / options.shardSize) + 1,
    };
  });
  const shards: PlannedShard[] = [];
  for (let start = 0; start < speakers.length; start += options.shardSize) {
    const index = shards.length + 1;
    const members = speakers.slice(start, start + options.shardSize);
    const manifest = `${JSON.stringify({
      Version: "1.0",
      SpeakerEnrollmentRequests: members.map((s) => ({
        RequestId: s.requestId,
        SpeakerId: s.customerSpeakerId,
        AudioSpecifications: s.recordings.map((r) => ({ S3Uri: r.s3Uri, ChannelId: r.channel })),
      })),
    })}\n`;
    const file = `manifests/shard-${String(index).padStart(3, "0")}.json`;
    writeFileSync(join(dir, file), manifest);
    shards.push({
      index,
      manifest: file,
      manifestS3Uri: `${INPUT_S3_URI}/${file}`,
      requests: members.length,
      sha256: createHash("sha256").update(manifest).digest("hex"),
    });
  }
  const problems: PlanProblem[] = (options.excluded ?? []).map((e, i) => ({
    line: 100 + i,
    customerSpeakerId: e.id,
    audio: join(dir, "audio", `${e.id}.wav`),
    reason: e.reason,
    message: `excluded for ${e.reason}`,
    excluded: true,
  }));
  const plan: EnrollmentPlan = {
    version: 1,
    kind: "speaker-enrollment",
    createdAt: new Date(Date.UTC(2026, 0, 1)).toISOString(),
    source: { path: join(dir, "callers.csv"), format: "csv", rows: speakers.length + problems.length },
    inputS3Uri: INPUT_S3_URI,
    shards,
    counts: {
      rows: speakers.length + problems.length,
      speakers: speakers.length + problems.length,
      plannedSpeakers: speakers.length,
      excludedSpeakers: problems.length,
      recordings: speakers.length + problems.length,
      plannedRecordings: speakers.length,
      byReason: Object.fromEntries(problems.map((p) => [p.reason, 1])),
    },
    warnings: [],
  };
  writeFileSync(join(dir, "plan.json"), `${JSON.stringify(plan, null, 2)}\n`);
  writeFileSync(join(dir, "speakers.jsonl"), speakers.map((s) => `${JSON.stringify(s)}\n`).join(""));
  writeFileSync(join(dir, "problems.jsonl"), problems.map((p) => `${JSON.stringify(p)}\n`).join(""));
  writeFileSync(join(dir, "summary.txt"), "test plan\n");
  return plan;
}

export interface TestSandbox {
  sandbox: Sandbox;
  clients: AwsClients;
  stop(): Promise<void>;
}

/** The harness's in-process sandbox, 3 s of speech to enroll, with the two buckets the plans use. */
export async function startTestSandbox(
  options: SandboxOptions = {},
  clientOptions: { maxAttempts?: number; buckets?: boolean } = {},
): Promise<TestSandbox> {
  const started = await startSandbox({
    minNetSpeechSeconds: 3,
    ...options,
    ...(clientOptions.maxAttempts === undefined ? {} : { maxAttempts: clientOptions.maxAttempts }),
  });
  if (clientOptions.buckets !== false) {
    for (const bucket of ["cvk-in", "cvk-out"]) {
      try {
        await started.clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
      } catch (error) {
        if ((error as Error).name !== "BucketAlreadyOwnedByYou") throw error;
      }
    }
  }
  return started;
}

/** The reports the tests check, as records by header. */
export function parseCsv(text: string): Record<string, string>[] {
  return parseCsvText(text, { columns: true, skip_empty_lines: true });
}
