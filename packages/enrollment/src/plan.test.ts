import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { AudioWorkerPool, encodeWav, synthesizeSpeech } from "@cvk/audio";
import { type AwsClients, createAwsClients } from "@cvk/core";
import { createSandbox, SANDBOX_ENDPOINT } from "@cvk/harness";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { maskSpeakerId, planEnrollment } from "./plan.ts";
import type { EnrollmentPlan, PlannedSpeaker } from "./plan-types.ts";

function tempDir(): string {
  return realpathSync(mkdtempSync(join(tmpdir(), "cvk-plan-")));
}

function put(root: string, relativePath: string, bytes: Uint8Array): void {
  const path = join(root, relativePath);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
}

// Short synthetic recordings: the tests use minNetSpeechSeconds 3, so 6 s of audio is plenty.
const speech8k = synthesizeSpeech({ voice: "caller-a", seconds: 6, sampleRate: 8000, seed: 3 });
const speech16k = synthesizeSpeech({ voice: "caller-a", seconds: 6, sampleRate: 16000, seed: 3 });
const WAV = {
  good: encodeWav({ channels: [speech8k], sampleRate: 8000 }),
  stereo: encodeWav({ channels: [new Float32Array(speech8k.length), speech8k], sampleRate: 8000 }),
  rate16k: encodeWav({ channels: [speech16k], sampleRate: 16000 }),
  mulaw: encodeWav({ channels: [speech8k], sampleRate: 8000, encoding: "mulaw" }),
  short: encodeWav({
    channels: [synthesizeSpeech({ voice: "caller-b", seconds: 1, sampleRate: 8000, seed: 4 })],
    sampleRate: 8000,
  }),
  notWav: new TextEncoder().encode("ID3 this is an mp3, honestly"),
};

const sandbox = createSandbox();
const server = setupServer(...sandbox.handlers);
const rangeHeaders: (string | null)[] = [];
let clients: AwsClients;
let pool: AudioWorkerPool;

beforeAll(async () => {
  server.listen({ onUnhandledRequest: "error" });
  server.events.on("request:start", ({ request }) => {
    if (request.method === "GET" && new URL(request.url).pathname.includes("/calls/"))
      rangeHeaders.push(request.headers.get("range"));
  });
  clients = await createAwsClients({
    region: "us-west-2",
    endpoint: SANDBOX_ENDPOINT,
    inProcess: true,
    credentials: { accessKeyId: "AKIDSANDBOX", secretAccessKey: "sandbox-secret" },
    limiter: false,
    maxAttempts: 1,
  });
  await clients.s3.send(new CreateBucketCommand({ Bucket: "recordings-bucket" }));
  for (const name of ["s3-a", "s3-b", "s3-c"]) {
    await clients.s3.send(
      new PutObjectCommand({ Bucket: "recordings-bucket", Key: `calls/${name}.wav`, Body: WAV.good }),
    );
  }
  pool = new AudioWorkerPool({ threads: 2 });
});

afterAll(async () => {
  await pool.destroy();
  clients.destroy();
  server.close();
  sandbox.close();
});

/** 60 callers, with each kind of defect planted. */
function writeList(root: string): string {
  const rows: string[] = ["customer_speaker_id,audio,channel,request_id"];
  const add = (id: string, audio: string, bytes?: Uint8Array, channel = "", requestId = "") => {
    if (bytes) put(root, audio, bytes);
    rows.push(`${id.includes(" ") ? `"${id}"` : id},${audio},${channel},${requestId}`);
  };
  for (let i = 0; i < 40; i++) add(`caller${String(i).padStart(3, "0")}`, `rec/good-${i}.wav`, WAV.good);
  add("bad id!", "rec/bad-id-1.wav", WAV.good); // INVALID_SPEAKER_ID
  add("-leading-dash", "rec/bad-id-2.wav", WAV.good); // INVALID_SPEAKER_ID
  add("dupA", "rec/dup-a.wav", WAV.good, "", "R1"); // planned
  add("dupB", "rec/dup-b.wav", WAV.good, "", "R1"); // DUPLICATE_REQUEST_ID
  add("conflict", "rec/conflict-1.wav", WAV.good, "", "R2");
  add("conflict", "rec/conflict-2.wav", WAV.good, "", "R3"); // CONFLICTING_REQUEST_ID
  add("rate1", "rec/16k-1.wav", WAV.rate16k); // SAMPLE_RATE
  add("rate2", "rec/16k-2.wav", WAV.rate16k); // SAMPLE_RATE
  add("stereoOk", "rec/stereo-ok.wav", WAV.stereo, "1"); // planned (channel 1 of 2)
  add("stereoBad", "rec/stereo-bad.wav", WAV.stereo, "2"); // CHANNEL_MISSING
  add("mulaw1", "rec/mulaw-1.wav", WAV.mulaw); // UNSUPPORTED_ENCODING
  add("mulaw2", "rec/mulaw-2.wav", WAV.mulaw); // UNSUPPORTED_ENCODING
  add("short1", "rec/short-1.wav", WAV.short); // TOO_LITTLE_SPEECH
  add("short2", "rec/short-2.wav", WAV.short); // TOO_LITTLE_SPEECH
  add("missing", "rec/missing.wav"); // NOT_FOUND
  add("notwav", "rec/not-a-wav.wav", WAV.notWav); // NOT_WAV
  for (let i = 0; i < 12; i++) add("twelve", `rec/twelve-${i}.wav`, WAV.good); // TOO_MANY_RECORDINGS
  add("s3a", "s3://recordings-bucket/calls/s3-a.wav");
  add("s3b", "s3://recordings-bucket/calls/s3-b.wav");
  add("s3c", "s3://recordings-bucket/calls/s3-c.wav");
  add("s3missing", "s3://recordings-bucket/calls/nope.wav"); // NOT_FOUND
  const list = join(root, "callers.csv");
  writeFileSync(list, `${rows.join("\n")}\n`);
  return list;
}

describe("planEnrollment", () => {
  let root: string;
  let outDir: string;
  let plan: EnrollmentPlan;

  beforeAll(async () => {
    root = tempDir();
    outDir = join(root, "plan");
    sandbox.log.clear();
    plan = await planEnrollment({
      list: writeList(root),
      outDir,
      inputS3Uri: "s3://input-bucket/cvk/",
      s3: clients.s3,
      pool,
      minNetSpeechSeconds: 3,
      maxRequestsPerShard: 20,
      existingSpeakers: 99_990,
    });
  });

  it("counts exactly the planted defects, by reason and by outcome", () => {
    expect(plan.counts.byReason).toEqual({
      INVALID_SPEAKER_ID: 2,
      DUPLICATE_REQUEST_ID: 1,
      CONFLICTING_REQUEST_ID: 1,
      SAMPLE_RATE: 2,
      CHANNEL_MISSING: 1,
      UNSUPPORTED_ENCODING: 2,
      TOO_LITTLE_SPEECH: 2,
      NOT_FOUND: 2,
      NOT_WAV: 1,
      TOO_MANY_RECORDINGS: 1,
    });
    expect(plan.counts).toMatchObject({
      rows: 72,
      speakers: 60,
      plannedSpeakers: 46,
      excludedSpeakers: 14,
      recordings: 72,
      plannedRecordings: 55,
    });
    expect(plan.warnings.join(" ")).toMatch(/100000 speakers per domain/);
    const problems = readFileSync(join(outDir, "problems.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(problems).toHaveLength(15);
    const sampleRate = problems.find((p) => p.reason === "SAMPLE_RATE");
    expect(sampleRate).toMatchObject({ line: 48, excluded: true });
    expect(sampleRate.hint).toMatch(/cvk enroll prepare/);
    expect(problems.find((p) => p.reason === "TOO_MANY_RECORDINGS").excluded).toBe(false);
  });

  it("writes manifests within the shard limit, with upload URIs under the input prefix", () => {
    expect(plan.shards.map((s) => s.requests)).toEqual([20, 20, 6]);
    const requestIds = new Set<string>();
    for (const shard of plan.shards) {
      expect(shard.manifestS3Uri).toMatch(
        new RegExp(`^s3://input-bucket/cvk/manifests/[0-9a-f]{16}/shard-00${shard.index}\\.json$`),
      );
      const manifest = JSON.parse(readFileSync(join(outDir, shard.manifest), "utf8"));
      expect(Object.keys(manifest)).toEqual(["Version", "SpeakerEnrollmentRequests"]);
      expect(manifest.Version).toBe("1.0");
      for (const request of manifest.SpeakerEnrollmentRequests) {
        expect(Object.keys(request)).toEqual(["RequestId", "SpeakerId", "AudioSpecifications"]);
        expect(request.AudioSpecifications.length).toBeGreaterThan(0);
        expect(request.AudioSpecifications.length).toBeLessThanOrEqual(10);
        for (const spec of request.AudioSpecifications) {
          expect(spec.S3Uri).toMatch(
            /^s3:\/\/(input-bucket\/cvk\/recordings\/rec\/|recordings-bucket\/calls\/)/,
          );
          expect([0, 1]).toContain(spec.ChannelId);
        }
        expect(requestIds.has(request.RequestId)).toBe(false);
        requestIds.add(request.RequestId);
      }
    }
    const speakers: PlannedSpeaker[] = readFileSync(join(outDir, "speakers.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(speakers).toHaveLength(46);
    const twelve = speakers.find((s) => s.customerSpeakerId === "twelve");
    expect(twelve?.recordings).toHaveLength(10);
    expect(twelve?.droppedRecordings).toBe(2);
    expect(speakers.find((s) => s.customerSpeakerId === "dupA")?.requestId).toBe("R1");
    expect(speakers.find((s) => s.customerSpeakerId === "stereoOk")?.recordings[0]).toMatchObject({
      channel: 1,
      s3Uri: "s3://input-bucket/cvk/recordings/rec/stereo-ok.wav",
    });
    expect(
      speakers.find((s) => s.customerSpeakerId === "caller000")?.recordings[0]?.speechSeconds,
    ).toBeGreaterThan(3);
  });

  it("reads each S3 object with exactly one ranged GET and writes nothing to AWS", () => {
    expect(sandbox.log.entries({ write: true })).toEqual([]);
    expect(sandbox.log.entries({ operation: "GetObject" })).toHaveLength(4);
    expect(rangeHeaders).toEqual(Array(4).fill("bytes=0-65535"));
  });

  it("writes plan.json last and a summary with masked ids and line numbers", () => {
    const files = ["problems.jsonl", "speakers.jsonl", "summary.txt", ...plan.shards.map((s) => s.manifest)];
    const planTime = statSync(join(outDir, "plan.json")).mtimeMs;
    for (const file of files) expect(statSync(join(outDir, file)).mtimeMs).toBeLessThanOrEqual(planTime);
    expect(readdirSync(outDir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    const summary = readFileSync(join(outDir, "summary.txt"), "utf8");
    expect(summary).toContain("callers planned:    46");
    expect(summary).toContain("SAMPLE_RATE: 2 (excluded)");
    expect(summary).toContain("line 48 ra****e1");
    expect(summary).not.toContain("rate1");
    expect(maskSpeakerId("caller12")).toBe("ca****12");
  });

  it("fails on a broken list without leaving a plan behind", async () => {
    const dir = tempDir();
    const list = join(dir, "broken.csv");
    writeFileSync(list, 'customer_speaker_id,audio\ncaller1,"a.wav\n');
    const out = join(dir, "plan");
    await expect(
      planEnrollment({ list, outDir: out, inputS3Uri: "s3://input-bucket/cvk", pool }),
    ).rejects.toMatchObject({ code: "INPUT_INVALID" });
    expect(existsSync(join(out, "plan.json"))).toBe(false);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });

  it("shards fraudster registrations without SpeakerId", async () => {
    const dir = tempDir();
    put(dir, "f.wav", WAV.good);
    const list = join(dir, "fraud.jsonl");
    writeFileSync(list, '{"customer_speaker_id":"fraud 1","audio":"f.wav"}\n');
    const fraud = await planEnrollment({
      list,
      outDir: join(dir, "plan"),
      inputS3Uri: "s3://input-bucket/cvk",
      kind: "fraudster-registration",
      pool,
      minNetSpeechSeconds: 3,
    });
    const manifest = JSON.parse(readFileSync(join(dir, "plan", "manifests", "shard-001.json"), "utf8"));
    expect(fraud.counts.plannedSpeakers).toBe(1);
    expect(Object.keys(manifest.FraudsterRegistrationRequests[0])).toEqual([
      "RequestId",
      "AudioSpecifications",
    ]);
  });
});

describe("planEnrollment with deep (net speech of S3 recordings)", () => {
  it("measures S3 objects' speech from one full GET each after the ranged header GET, and excludes a silent one", async () => {
    const silent = encodeWav({ channels: [new Float32Array(8000 * 6)], sampleRate: 8000 });
    await clients.s3.send(
      new PutObjectCommand({ Bucket: "recordings-bucket", Key: "calls/silent.wav", Body: silent }),
    );
    const dir = tempDir();
    const list = join(dir, "callers.csv");
    writeFileSync(
      list,
      "customer_speaker_id,audio\nspeaks,s3://recordings-bucket/calls/s3-a.wav\nsilent,s3://recordings-bucket/calls/silent.wav\n",
    );
    sandbox.log.clear();
    rangeHeaders.length = 0;
    const shallow = await planEnrollment({
      list,
      outDir: join(dir, "shallow"),
      inputS3Uri: "s3://input-bucket/cvk",
      s3: clients.s3,
      pool,
      minNetSpeechSeconds: 3,
    });
    // Without deep, the header is all cvk reads: the silent recording cannot be told apart.
    expect(shallow.counts.plannedSpeakers).toBe(2);
    expect(rangeHeaders).toEqual(["bytes=0-65535", "bytes=0-65535"]);

    rangeHeaders.length = 0;
    const deep = await planEnrollment({
      list,
      outDir: join(dir, "deep"),
      inputS3Uri: "s3://input-bucket/cvk",
      s3: clients.s3,
      pool,
      minNetSpeechSeconds: 3,
      deep: true,
    });
    expect(deep.counts.plannedSpeakers).toBe(1);
    expect(deep.counts.byReason).toEqual({ TOO_LITTLE_SPEECH: 1 });
    // One ranged GET for the header and one whole GET for the speech, per object; no writes.
    expect(rangeHeaders.sort()).toEqual(["bytes=0-65535", "bytes=0-65535", null, null]);
    expect(sandbox.log.entries({ write: true })).toEqual([]);
    const speakers = readFileSync(join(dir, "deep", "speakers.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as PlannedSpeaker);
    expect(speakers[0]?.recordings[0]?.speechSeconds).toBeGreaterThan(3);
  });
});
