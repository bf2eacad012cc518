import { linkSync, mkdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { networkInterfaces } from "node:os";
import { dirname, join } from "node:path";
import { encodeWav, synthesizeSpeech } from "@cvk/audio";
import { renderConfiguredFlow } from "@cvk/contact-flow";
import { type CvkErrorCode, seededRandom } from "@cvk/core";

/**
 * The bad-input corpus of the resilience suite (issue 9): malformed caller lists (CSV, JSONL, Voice ID
 * manifests), configs, WAV files, flow templates and their parameters, flow files, plan and run
 * folders — each written into a folder of its own with the command that reads it and the outcome
 * it must have, decided here, before anything runs:
 *
 * - `exit 2`: a usage, configuration or input error (`cvk: CODE: message` + `hint:`);
 * - `exit 1`: a failed operation or check (flow lint findings);
 * - `accepted with problems`: exit 0, the defect recorded per row (problems.jsonl, unfixable.csv);
 * - `accepted`: exit 0 and handled whole (a value that would break JSON, encoded; mixed line endings).
 *
 * Everything is generated (seeded where random), so a failure names an input that can be rebuilt.
 */

export const OUTCOMES = ["exit 2", "exit 1", "accepted with problems", "accepted"] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface BadInput {
  /** `kind/name`, unique. */
  id: string;
  kind: string;
  /** The folder the command runs in (holds the input). */
  dir: string;
  args: string[];
  env?: Record<string, string>;
  outcome: Outcome;
  /** The CvkError code of an `exit 1`/`exit 2` outcome. */
  code?: CvkErrorCode;
  /**
   * What the command writes, relative to `dir` (a folder or a file): after a failure none of it may
   * exist (a folder may, empty); after success, all of it must.
   */
  outputs: string[];
  /** Reasons that must be among the recorded problems (with `problemsFile`). */
  problems?: string[];
  /** problems.jsonl (a `reason` per line) or a CSV with a `reason` column, relative to `dir`. */
  problemsFile?: string;
  /** A further check of an accepted input: a description of what is wrong, or undefined. */
  check?: (dir: string, stdout: string) => string | undefined;
}

const RATE = 8000;
const S3 = "s3://cvk-bad-input/in";
const SANDBOX_CONFIG = `version: 1
environments:
  sandbox:
    region: us-west-2
    accountId: "123456789012"
    voiceId:
      domain:
        name: cvk-bad-input
        create: true
        kmsKeyId: arn:aws:kms:us-west-2:123456789012:key/11111111-2222-3333-4444-555555555555
    enrollment:
      inputS3Uri: s3://cvk-bad-in/enroll
      outputS3Uri: s3://cvk-bad-out/results/
      dataAccessRoleArn: arn:aws:iam::123456789012:role/VoiceIdBatchAccess
      minNetSpeechSeconds: 1
`;

/** A WAV header with every field settable, for headers that lie. */
function rawWav(o: {
  format?: number;
  channels?: number;
  rate?: number;
  bits?: number;
  blockAlign?: number;
  byteRate?: number;
  fmtSize?: number;
  riffSize?: number;
  dataSize?: number;
  riffId?: string;
  waveId?: string;
  data?: Uint8Array;
  omitFmt?: boolean;
  omitData?: boolean;
}): Uint8Array {
  const channels = o.channels ?? 1;
  const bits = o.bits ?? 16;
  const rate = o.rate ?? RATE;
  const data = o.data ?? new Uint8Array(RATE * 2);
  const fmtSize = o.fmtSize ?? 16;
  const chunks: Buffer[] = [];
  if (!o.omitFmt) {
    const fmt = Buffer.alloc(8 + 16);
    fmt.write("fmt ", 0, "latin1");
    fmt.writeUInt32LE(fmtSize, 4);
    fmt.writeUInt16LE(o.format ?? 1, 8);
    fmt.writeUInt16LE(channels, 10);
    fmt.writeUInt32LE(rate >>> 0, 12);
    fmt.writeUInt32LE((o.byteRate ?? (rate * channels * bits) / 8) >>> 0, 16);
    fmt.writeUInt16LE((o.blockAlign ?? (channels * bits) / 8) & 0xffff, 20);
    fmt.writeUInt16LE(bits, 22);
    chunks.push(fmt);
  }
  if (!o.omitData) {
    const head = Buffer.alloc(8);
    head.write("data", 0, "latin1");
    head.writeUInt32LE((o.dataSize ?? data.length) >>> 0, 4);
    chunks.push(head, Buffer.from(data));
  }
  const body = Buffer.concat(chunks);
  const riff = Buffer.alloc(12);
  riff.write(o.riffId ?? "RIFF", 0, "latin1");
  riff.writeUInt32LE((o.riffSize ?? body.length + 4) >>> 0, 4);
  riff.write(o.waveId ?? "WAVE", 8, "latin1");
  return Buffer.concat([riff, body]);
}

function speech(seconds: number, seed: number, rate = RATE): Float32Array {
  return synthesizeSpeech({ voice: `bad-input-${seed}`, seconds, sampleRate: rate, seed });
}

function readReasons(path: string): string[] {
  const text = readFileSync(path, "utf8");
  if (path.endsWith(".jsonl")) {
    return text
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => String((JSON.parse(line) as { reason?: unknown }).reason));
  }
  // unfixable.csv: line,customer_speaker_id,audio,reason,message — reasons are plain words.
  const reasons: string[] = [];
  for (const match of text.matchAll(/,([A-Z][A-Z_]+),/g)) reasons.push(match[1] as string);
  return reasons;
}

/** The reasons recorded in a problems file (for the test's assertion). */
export function recordedReasons(dir: string, file: string): string[] {
  return readReasons(join(dir, file));
}

/** Writes the corpus under `base`; returns every input with its expected outcome. */
export function writeBadInputCorpus(base: string): BadInput[] {
  const inputs: BadInput[] = [];
  const random = seededRandom(2026_09);
  const randomBytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(random() * 256));

  // Shared recordings, hard-linked into each case (one write each).
  const assets = join(base, "_assets");
  mkdirSync(assets, { recursive: true });
  const asset = (name: string, bytes: Uint8Array | string) => {
    writeFileSync(join(assets, name), bytes);
    return join(assets, name);
  };
  const good = [1, 2, 3].map((seed) =>
    asset(`good-${seed}.wav`, encodeWav({ channels: [speech(2, seed)], sampleRate: RATE })),
  );
  const voice16k = speech(2, 7, 16_000);
  const voice8k = speech(2, 8);

  let sequence = 0;
  const folder = (kind: string, name: string): string => {
    const dir = join(base, kind, `${String(++sequence).padStart(3, "0")}-${name}`);
    mkdirSync(dir, { recursive: true });
    return dir;
  };
  const put = (dir: string, rel: string, bytes: Uint8Array | string) => {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), bytes);
  };
  const link = (dir: string, rel: string, target: string) => {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    linkSync(target, join(dir, rel));
  };
  const add = (input: Omit<BadInput, "id"> & { name: string }) => {
    const { name, ...rest } = input;
    inputs.push({ id: `${input.kind}/${name}`, ...rest });
  };

  // --- Caller lists through `cvk enroll plan` (header checks only: fast, and per-row verdicts) ---
  const planArgs = (list: string, extra: string[] = [], inputUri = S3) => [
    "enroll",
    "plan",
    list,
    "--out",
    "plan",
    "--input-s3-uri",
    inputUri,
    "--no-speech",
    "--min-speech",
    "1",
    "--concurrency",
    "1",
    "--no-progress",
    ...extra,
  ];
  /** Two good callers' recordings under audio/, for lists that are otherwise valid. */
  const goodAudio = (dir: string) => {
    link(dir, "audio/a.wav", good[0] as string);
    link(dir, "audio/b.wav", good[1] as string);
  };
  const planFails = (
    kind: string,
    name: string,
    list: string,
    text: string | Uint8Array,
    code: CvkErrorCode,
  ) => {
    const dir = folder(kind, name);
    goodAudio(dir);
    put(dir, list, text);
    add({ kind, name, dir, args: planArgs(list), outcome: "exit 2", code, outputs: ["plan"] });
  };
  const planProblems = (
    kind: string,
    name: string,
    list: string,
    text: string | Uint8Array,
    problems: string[],
    setup?: (dir: string) => void,
  ) => {
    const dir = folder(kind, name);
    goodAudio(dir);
    setup?.(dir);
    put(dir, list, text);
    add({
      kind,
      name,
      dir,
      args: planArgs(list),
      outcome: "accepted with problems",
      outputs: ["plan/plan.json", "plan/problems.jsonl", "plan/summary.txt"],
      problems,
      problemsFile: "plan/problems.jsonl",
    });
  };
  /** Accepted whole: every caller planned. */
  const planAccepted = (
    kind: string,
    name: string,
    list: string,
    text: string | Uint8Array,
    callers: number,
    setup?: (dir: string) => void,
  ) => {
    const dir = folder(kind, name);
    goodAudio(dir);
    setup?.(dir);
    put(dir, list, text);
    add({
      kind,
      name,
      dir,
      args: planArgs(list),
      outcome: "accepted",
      outputs: ["plan/plan.json"],
      check: (d) => {
        const plan = JSON.parse(readFileSync(join(d, "plan/plan.json"), "utf8")) as {
          counts: { plannedSpeakers: number; byReason: Record<string, number> };
        };
        return plan.counts.plannedSpeakers === callers && Object.keys(plan.counts.byReason).length === 0
          ? undefined
          : `planned ${plan.counts.plannedSpeakers} of ${callers}, problems ${JSON.stringify(plan.counts.byReason)}`;
      },
    });
  };

  const HEADER = "customer_speaker_id,audio";
  const GOOD_ROWS = "caller-a,audio/a.wav\ncaller-b,audio/b.wav\n";

  // CSV: quoting
  for (const [name, text] of [
    ["unclosed-quote-in-id", `${HEADER}\n"caller-a,audio/a.wav\n`],
    ["unclosed-quote-in-audio", `${HEADER}\ncaller-a,"audio/a.wav\ncaller-b,audio/b.wav\n`],
    ["quote-inside-unquoted-field", `${HEADER}\ncaller-a,audio/"a".wav\n`],
    ["text-after-closing-quote", `${HEADER}\n"caller-a"x,audio/a.wav\n`],
  ] as const)
    planFails("csv", name, "callers.csv", text, "INPUT_INVALID");
  // CSV: columns
  for (const [name, text] of [
    ["extra-field", `${HEADER}\ncaller-a,audio/a.wav,0,r1,surplus\n`],
    ["missing-field", `${HEADER},channel\ncaller-a,audio/a.wav,0\ncaller-b\n`],
    ["unknown-column", `customer_speaker_id,audio,colour\ncaller-a,audio/a.wav,red\n`],
    ["no-audio-column", `customer_speaker_id,channel\ncaller-a,0\n`],
    ["huge-header-name", `customer_speaker_id,${"h".repeat(200_000)}\ncaller-a,x\n`],
  ] as const)
    planFails("csv", name, "callers.csv", text, "INPUT_INVALID");
  // CSV: empty, BOMs, encodings, garbage
  planFails("csv", "empty-file", "callers.csv", "", "INPUT_INVALID");
  planFails("csv", "only-a-bom", "callers.csv", "\uFEFF", "INPUT_INVALID");
  planAccepted(
    "csv",
    "utf16-with-bom",
    "callers.csv",
    Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${HEADER}\n${GOOD_ROWS}`, "utf16le")]),
    2,
  );
  for (let g = 0; g < 2; g++) {
    planFails("csv", `binary-garbage-${g}`, "callers.csv", randomBytes(64 + g * 6000), "INPUT_INVALID");
  }
  planFails(
    "csv",
    "garbage-after-header",
    "callers.csv",
    Buffer.concat([Buffer.from(`${HEADER}\n`), Buffer.from([0x22]), randomBytes(3000)]),
    "INPUT_INVALID",
  );
  planAccepted("csv", "bom", "callers.csv", `\uFEFF${HEADER}\n${GOOD_ROWS}`, 2);
  // Line endings: CRLF first then LF, LF first then CRLF, CR only, all three.
  planAccepted(
    "csv",
    "crlf-then-lf",
    "callers.csv",
    `${HEADER}\r\ncaller-a,audio/a.wav\ncaller-b,audio/b.wav\r\n`,
    2,
  );
  planAccepted(
    "csv",
    "lf-then-crlf",
    "callers.csv",
    `${HEADER}\ncaller-a,audio/a.wav\r\ncaller-b,audio/b.wav\n`,
    2,
  );
  planAccepted("csv", "cr-only", "callers.csv", `${HEADER}\rcaller-a,audio/a.wav\rcaller-b,audio/b.wav\r`, 2);
  planAccepted(
    "csv",
    "every-line-ending",
    "callers.csv",
    `${HEADER}\r\ncaller-a,audio/a.wav\rcaller-b,audio/b.wav\n`,
    2,
  );
  // A header alone: nothing to plan, still a plan.
  planAccepted("csv", "header-only", "callers.csv", `${HEADER}\n`, 0);
  // Per-row problems in otherwise good lists.
  const rowProblem = (name: string, row: string, problems: string[], setup?: (dir: string) => void) =>
    planProblems(
      "csv",
      name,
      "callers.csv",
      `${HEADER},channel,request_id\n${row}\ncaller-b,audio/b.wav,,\n`,
      problems,
      setup,
    );
  rowProblem("empty-id", ",audio/a.wav,,", ["MISSING_SPEAKER_ID"]);
  rowProblem("empty-audio", "caller-a,,,", ["MISSING_AUDIO"]);
  rowProblem("channel-word", "caller-a,audio/a.wav,left,", ["CHANNEL_INVALID"]);
  rowProblem("channel-2-of-mono", "caller-a,audio/a.wav,2,", ["CHANNEL_MISSING"]);
  rowProblem("s3-uppercase-bucket", "caller-a,s3://Bad_Bucket/a.wav,,", ["S3_URI_INVALID"]);
  rowProblem("missing-recording", "caller-a,audio/nope.wav,,", ["NOT_FOUND"]);
  rowProblem("file-used-as-folder", "caller-a,audio/a.wav/x.wav,,", ["NOT_FOUND"]);
  rowProblem("name-over-255-bytes", `caller-a,audio/${"n".repeat(300)}.wav,,`, ["NOT_FOUND"]);
  rowProblem("path-over-path-max", `caller-a,${"p/".repeat(3000)}a.wav,,`, ["PATH_INVALID"]);
  rowProblem("huge-audio-field", `caller-a,${"x".repeat(2_000_000)},,`, ["PATH_INVALID"]);
  rowProblem("nul-in-audio", `caller-a,"audio/a\u0000.wav",,`, ["PATH_INVALID"]);
  rowProblem("huge-id-field", `${"c".repeat(1_000_000)},audio/a.wav,,`, ["INVALID_SPEAKER_ID"]);
  rowProblem("id-with-quoted-newline", '"caller\na",audio/a.wav,,', ["INVALID_SPEAKER_ID"]);
  rowProblem("duplicate-request-id", "caller-a,audio/a.wav,,r-1\ncaller-c,audio/b.wav,,r-1", [
    "DUPLICATE_REQUEST_ID",
  ]);
  rowProblem(
    "eleven-recordings",
    Array.from({ length: 11 }, (_, i) => `caller-a,audio/a${i}.wav,,`).join("\n"),
    ["TOO_MANY_RECORDINGS"],
    (dir) => {
      for (let i = 0; i < 11; i++) link(dir, `audio/a${i}.wav`, good[i % 3] as string);
    },
  );
  rowProblem("dangling-symlink", "caller-a,audio/dangling.wav,,", ["NOT_FOUND"], (dir) =>
    symlinkSync("nowhere.wav", join(dir, "audio/dangling.wav")),
  );
  // Paths that leave the list's folder: the whole list is refused (PATH_ESCAPE), never read.
  for (const [name, audio] of [
    ["dot-dot", "../outside.wav"],
    ["absolute", join(assets, "good-1.wav")],
  ] as const)
    planFails("csv", `escape-${name}`, "callers.csv", `${HEADER}\ncaller-a,${audio}\n`, "PATH_ESCAPE");
  {
    const dir = folder("csv", "escape-symlinked-folder");
    goodAudio(dir);
    symlinkSync(assets, join(dir, "linked"));
    put(dir, "callers.csv", `${HEADER}\ncaller-a,linked/good-1.wav\n`);
    add({
      kind: "csv",
      name: "escape-symlinked-folder",
      dir,
      args: planArgs("callers.csv"),
      outcome: "exit 2",
      code: "PATH_ESCAPE",
      outputs: ["plan"],
    });
  }
  {
    const dir = folder("csv", "escape-symlinked-file");
    goodAudio(dir);
    symlinkSync(good[2] as string, join(dir, "audio/link.wav"));
    put(dir, "callers.csv", `${HEADER}\ncaller-a,audio/link.wav\n`);
    add({
      kind: "csv",
      name: "escape-symlinked-file",
      dir,
      args: planArgs("callers.csv"),
      outcome: "exit 2",
      code: "PATH_ESCAPE",
      outputs: ["plan"],
    });
  }
  // The list itself: missing, a folder; bad options.
  {
    const dir = folder("csv", "list-missing");
    add({
      kind: "csv",
      name: "list-missing",
      dir,
      args: planArgs("nope.csv"),
      outcome: "exit 2",
      code: "INPUT_NOT_FOUND",
      outputs: ["plan"],
    });
  }
  {
    const dir = folder("csv", "list-is-a-folder");
    mkdirSync(join(dir, "callers.csv"));
    add({
      kind: "csv",
      name: "list-is-a-folder",
      dir,
      args: planArgs("callers.csv"),
      outcome: "exit 2",
      code: "INPUT_INVALID",
      outputs: ["plan"],
    });
  }
  for (const [name, extra, inputUri, code] of [
    ["shard-size-zero", ["--shard-size", "0"], S3, "USAGE"],
    // Given twice: refused, not read as a list (that was INTERNAL).
    ["repeated-option", ["--input-s3-uri", "s3://cvk-other/in"], S3, "USAGE"],
    ["input-uri-not-s3", [], "https://bucket/x", "S3_URI_INVALID"],
    ["input-uri-uppercase", [], "s3://Bucket/x", "S3_URI_INVALID"],
  ] as const) {
    const dir = folder("csv", name);
    goodAudio(dir);
    put(dir, "callers.csv", `${HEADER}\n${GOOD_ROWS}`);
    add({
      kind: "csv",
      name,
      dir,
      args: planArgs("callers.csv", [...extra], inputUri),
      outcome: "exit 2",
      code,
      outputs: ["plan"],
    });
  }

  // --- JSONL lists ---------------------------------------------------------------------------------
  const J = (id: string, audio: string) => JSON.stringify({ customer_speaker_id: id, audio });
  const jsonlGood = `${J("caller-a", "audio/a.wav")}\n${J("caller-b", "audio/b.wav")}\n`;
  for (const [name, text] of [
    ["not-json", `${J("caller-a", "audio/a.wav")}\n{caller-b: audio/b.wav}\n`],
    ["truncated-last-line", `${jsonlGood}{"customer_speaker_id":"caller-c","aud`],
    ["array-line", `${jsonlGood}["caller-c","audio/a.wav"]\n`],
    ["unknown-field", `{"customer_speaker_id":"caller-a","audio":"audio/a.wav","colour":"red"}\n`],
    ["id-is-a-number", `{"customer_speaker_id":12345,"audio":"audio/a.wav"}\n`],
    ["missing-audio-field", `{"customer_speaker_id":"caller-a"}\n`],
    ["object-over-two-lines", `{"customer_speaker_id":"caller-a",\n"audio":"audio/a.wav"}\n`],
    [
      "deeply-nested-value",
      `{"customer_speaker_id":${"[".repeat(50_000)}${"]".repeat(50_000)},"audio":"audio/a.wav"}\n`,
    ],
  ] as const)
    planFails("jsonl", name, "callers.jsonl", text, "INPUT_INVALID");
  planFails("jsonl", "binary-garbage", "callers.jsonl", randomBytes(5000), "INPUT_INVALID");
  planProblems(
    "jsonl",
    "null-audio",
    "callers.jsonl",
    `{"customer_speaker_id":"caller-a","audio":null}\n${J("caller-b", "audio/b.wav")}\n`,
    ["MISSING_AUDIO"],
  );
  planProblems(
    "jsonl",
    "channel-text",
    "callers.jsonl",
    `{"customer_speaker_id":"caller-a","audio":"audio/a.wav","channel":"one"}\n${J("caller-b", "audio/b.wav")}\n`,
    ["CHANNEL_INVALID"],
  );
  planAccepted(
    "jsonl",
    "bom-and-camel-case",
    "callers.jsonl",
    `\uFEFF{"customerSpeakerId":"caller-a","audio":"audio/a.wav"}\n\n${J("caller-b", "audio/b.wav")}\r\n`,
    2,
  );

  // --- Voice ID manifests as caller lists ------------------------------------------------------------
  const manifest = (requests: unknown, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ Version: "1.0", SpeakerEnrollmentRequests: requests, ...extra });
  const request = (id: string, specs: unknown, requestId = `r-${id}`) => ({
    RequestId: requestId,
    SpeakerId: id,
    AudioSpecifications: specs,
  });
  for (const [name, text] of [
    ["not-json", '{"Version": "1.0", "SpeakerEnrollmentRequests": [}'],
    ["empty-file", ""],
    ["json-array", "[]"],
    ["no-version", JSON.stringify({ SpeakerEnrollmentRequests: [] })],
    ["version-2", manifest([], { Version: "2.0" })],
    ["requests-not-a-list", manifest({ RequestId: "r1" })],
    ["request-without-audio", manifest([request("caller-a", [])])],
    ["audio-specifications-not-a-list", manifest([request("caller-a", "audio/a.wav")])],
    [
      "deeply-nested",
      `{"Version":"1.0","SpeakerEnrollmentRequests":${"[".repeat(100_000)}${"]".repeat(100_000)}}`,
    ],
  ] as const)
    planFails("manifest", name, "manifest.json", text, "INPUT_INVALID");
  planFails("manifest", "binary-garbage", "manifest.json", randomBytes(3000), "INPUT_INVALID");
  planFails(
    "manifest",
    "escaping-local-path",
    "manifest.json",
    manifest([request("caller-a", [{ S3Uri: "../../etc/hostname", ChannelId: 0 }])]),
    "PATH_ESCAPE",
  );
  const specs = (audio: unknown, channel: unknown = 0) => [{ S3Uri: audio, ChannelId: channel }];
  const manifestProblem = (name: string, bad: unknown, problems: string[]) =>
    planProblems(
      "manifest",
      name,
      "manifest.json",
      manifest([bad, request("caller-b", specs("audio/b.wav"))]),
      problems,
    );
  manifestProblem("s3-uri-invalid", request("caller-a", specs("s3://NOT_A_BUCKET/a.wav")), [
    "S3_URI_INVALID",
  ]);
  manifestProblem("s3-uri-missing", request("caller-a", [{ ChannelId: 0 }]), ["MISSING_AUDIO"]);
  manifestProblem("channel-text", request("caller-a", specs("audio/a.wav", "zero")), ["CHANNEL_INVALID"]);
  manifestProblem("speaker-id-invalid", request("bad id!", specs("audio/a.wav")), ["INVALID_SPEAKER_ID"]);
  manifestProblem("duplicate-request-id", request("caller-a", specs("audio/a.wav"), "r-caller-b"), [
    "DUPLICATE_REQUEST_ID",
  ]);

  // --- WAV files in an otherwise valid list (enroll plan: header checks) ----------------------------
  const pcm = (seconds: number, seed: number) =>
    encodeWav({ channels: [speech(seconds, seed)], sampleRate: RATE }).subarray(44);
  const wavCase = (name: string, bytes: string | Uint8Array | ((path: string) => void), problems: string[]) =>
    planProblems(
      "wav",
      name,
      "callers.csv",
      `${HEADER}\ncaller-a,audio/bad.wav\ncaller-a,audio/a.wav\ncaller-b,audio/b.wav\n`,
      problems,
      (dir) => {
        const path = join(dir, "audio/bad.wav");
        if (typeof bytes === "function") bytes(path);
        else writeFileSync(path, bytes);
      },
    );
  const twoSeconds = pcm(2, 11);
  const full = rawWav({ data: twoSeconds });
  wavCase("zero-length", new Uint8Array(0), ["EMPTY"]);
  wavCase("one-byte", new Uint8Array([0x52]), ["TRUNCATED"]);
  wavCase("cut-inside-fmt", full.subarray(0, 30), ["TRUNCATED"]);
  wavCase("cut-after-data-header", full.subarray(0, 44), ["TRUNCATED"]);
  wavCase("cut-mid-data", full.subarray(0, 44 + 4000), ["TRUNCATED"]);
  wavCase("data-size-lies-larger", rawWav({ data: twoSeconds, dataSize: twoSeconds.length * 50 }), [
    "TRUNCATED",
  ]);
  // 0 and 0xFFFFFFFF are what streaming recorders leave: not the plain WAV Voice ID documents.
  wavCase("data-size-0xffffffff", rawWav({ data: twoSeconds, dataSize: 0xffffffff }), [
    "UNSUPPORTED_ENCODING",
  ]);
  // The RIFF size is read past, as most readers do, when the chunks themselves are whole.
  for (const [name, riffSize] of [
    ["riff-size-lies-smaller", 20],
    ["riff-size-lies-larger", 0x7fffffff],
  ] as const)
    planAccepted(
      "wav",
      name,
      "callers.csv",
      `${HEADER}\ncaller-a,audio/bad.wav\ncaller-b,audio/b.wav\n`,
      2,
      (dir) => writeFileSync(join(dir, "audio/bad.wav"), rawWav({ data: twoSeconds, riffSize })),
    );
  wavCase("fmt-size-lies", rawWav({ data: twoSeconds, fmtSize: 4000 }), ["NOT_WAV"]);
  wavCase("no-fmt-chunk", rawWav({ data: twoSeconds, omitFmt: true }), ["NOT_WAV"]);
  wavCase("no-data-chunk", rawWav({ data: twoSeconds, omitData: true }), ["NOT_WAV"]);
  wavCase("rifx-big-endian", rawWav({ data: twoSeconds, riffId: "RIFX" }), ["UNSUPPORTED_ENCODING"]);
  wavCase("not-wave-form", rawWav({ data: twoSeconds, waveId: "AVI " }), ["NOT_WAV"]);
  wavCase("zero-channels", rawWav({ data: twoSeconds, channels: 0 }), ["NOT_WAV"]);
  wavCase("zero-bits", rawWav({ data: twoSeconds, bits: 0 }), ["UNSUPPORTED_ENCODING"]);
  wavCase("4-ghz-sample-rate", rawWav({ data: twoSeconds, rate: 0xffffffff }), ["SAMPLE_RATE"]);
  wavCase("adpcm", rawWav({ data: twoSeconds, format: 2, bits: 4, blockAlign: 256 }), [
    "UNSUPPORTED_ENCODING",
  ]);
  wavCase("16-khz", encodeWav({ channels: [voice16k], sampleRate: 16_000 }), ["SAMPLE_RATE"]);
  wavCase("mulaw", encodeWav({ channels: [voice8k], sampleRate: RATE, encoding: "mulaw" }), [
    "UNSUPPORTED_ENCODING",
  ]);
  wavCase("float-32", encodeWav({ channels: [voice8k], sampleRate: RATE, encoding: "float" }), [
    "UNSUPPORTED_ENCODING",
  ]);
  wavCase("pcm-8-bit", encodeWav({ channels: [voice8k], sampleRate: RATE, bitsPerSample: 8 }), ["BIT_DEPTH"]);
  wavCase("random-bytes", randomBytes(9000), ["NOT_WAV"]);
  wavCase(
    "over-20-mb-sparse",
    (path) => {
      const size = 21_000_000;
      writeFileSync(path, rawWav({ data: new Uint8Array(0), dataSize: size - 44, riffSize: size - 8 }));
      truncateSync(path, size);
    },
    ["TOO_LARGE"],
  );

  // --- WAV files through `cvk enroll prepare`: what cannot be fixed goes to unfixable.csv ------------
  const prepareCase = (name: string, bytes: Uint8Array, problems: string[]) => {
    const dir = folder("wav-prepare", name);
    goodAudio(dir);
    put(dir, "audio/bad.wav", bytes);
    put(
      dir,
      "callers.csv",
      `${HEADER}\ncaller-a,audio/bad.wav\ncaller-a,audio/a.wav\ncaller-b,audio/b.wav\n`,
    );
    add({
      kind: "wav-prepare",
      name,
      dir,
      args: [
        "enroll",
        "prepare",
        "callers.csv",
        "--out",
        "prepared",
        "--min-speech",
        "1",
        "--concurrency",
        "1",
        "--no-progress",
      ],
      outcome: "accepted with problems",
      outputs: ["prepared/callers.csv", "prepared/unfixable.csv"],
      problems,
      problemsFile: "prepared/unfixable.csv",
    });
  };
  prepareCase("zero-length", new Uint8Array(0), ["EMPTY"]);
  prepareCase("truncated", full.subarray(0, 44 + 4000), ["TRUNCATED"]);
  prepareCase("data-size-lies-larger", rawWav({ data: twoSeconds, dataSize: twoSeconds.length * 50 }), [
    "TRUNCATED",
  ]);
  prepareCase("adpcm", rawWav({ data: twoSeconds, format: 2, bits: 4, blockAlign: 256 }), [
    "UNSUPPORTED_ENCODING",
  ]);
  prepareCase("random-bytes", randomBytes(9000), ["NOT_WAV"]);
  prepareCase("zero-channels", rawWav({ data: twoSeconds, channels: 0 }), ["NOT_WAV"]);
  {
    const dir = folder("wav-prepare", "out-is-the-list-folder");
    goodAudio(dir);
    put(dir, "callers.csv", `${HEADER}\n${GOOD_ROWS}`);
    add({
      kind: "wav-prepare",
      name: "out-is-the-list-folder",
      dir,
      args: ["enroll", "prepare", "callers.csv", "--out", ".", "--concurrency", "1"],
      outcome: "exit 2",
      code: "USAGE",
      outputs: ["unfixable.csv"],
    });
  }

  // --- Configs: cvk doctor, cvk iam policy, cvk enroll plan --env ----------------------------------
  const configCase = (
    name: string,
    text: string | Uint8Array,
    code: CvkErrorCode,
    args: string[] = ["doctor"],
    env?: Record<string, string>,
  ) => {
    const dir = folder("config", name);
    put(dir, "cvk.config.yaml", text);
    add({ kind: "config", name, dir, args, outcome: "exit 2", code, outputs: [], ...(env ? { env } : {}) });
  };
  const env = (body: string) => `version: 1\nenvironments:\n  dev:\n${body}`;
  // Wrong types
  configCase("region-number", env("    region: 5\n"), "CONFIG_INVALID");
  configCase("account-id-number", env("    accountId: 123456789012\n"), "CONFIG_INVALID");
  configCase("threshold-text", env("    voiceId:\n      authenticationThreshold: high\n"), "CONFIG_INVALID");
  configCase("threshold-101", env("    voiceId:\n      authenticationThreshold: 101\n"), "CONFIG_INVALID");
  configCase("version-2", "version: 2\nenvironments:\n  dev: {}\n", "CONFIG_INVALID");
  configCase("no-environments", "version: 1\nenvironments: {}\n", "CONFIG_INVALID");
  // Unknown keys (typos)
  configCase("unknown-top-level-key", "version: 1\nenvironment:\n  dev: {}\n", "CONFIG_INVALID");
  configCase("unknown-env-key", env("    regoin: us-west-2\n"), "CONFIG_INVALID");
  // S3 URIs and ARNs
  configCase(
    "s3-uri-uppercase-bucket",
    env("    enrollment:\n      inputS3Uri: s3://Cvk-In/x\n"),
    "CONFIG_INVALID",
  );
  configCase(
    "role-arn-user",
    env("    enrollment:\n      dataAccessRoleArn: arn:aws:iam::123456789012:user/me\n"),
    "CONFIG_INVALID",
  );
  // YAML syntax
  configCase("tab-indentation", "version: 1\nenvironments:\n\tdev: {}\n", "CONFIG_INVALID");
  configCase("unclosed-flow-sequence", env("    region: [us-west-2\n"), "CONFIG_INVALID");
  configCase("duplicate-keys", env("    region: us-west-2\n    region: us-east-1\n"), "CONFIG_INVALID");
  configCase(
    "alias-bomb",
    `a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]\n${["b", "c", "d", "e", "f", "g"].map((n, i) => `${n}: &${n} [${Array(9).fill(`*${"abcdef"[i]}`).join(", ")}]`).join("\n")}\n`,
    "CONFIG_INVALID",
  );
  configCase("empty-file", "", "CONFIG_INVALID");
  configCase("binary-garbage", randomBytes(4000), "CONFIG_INVALID");
  {
    const dir = folder("config", "config-is-a-folder");
    mkdirSync(join(dir, "cvk.config.yaml"));
    add({
      kind: "config",
      name: "config-is-a-folder",
      dir,
      args: ["doctor"],
      outcome: "exit 2",
      code: "CONFIG_INVALID",
      outputs: [],
    });
  }
  // Missing or unknown environments, missing settings a command needs
  const twoEnvs =
    "version: 1\nenvironments:\n  dev:\n    region: us-west-2\n  prod:\n    region: us-east-1\n";
  configCase("env-not-defined", twoEnvs, "CONFIG_ENV_UNKNOWN", ["doctor", "--env", "staging"]);
  configCase("cvk-env-not-defined", twoEnvs, "CONFIG_ENV_UNKNOWN", ["doctor"], { CVK_ENV: "qa" });
  configCase("several-envs-no-env", twoEnvs, "USAGE", ["doctor"]);
  configCase("config-flag-missing-file", twoEnvs, "CONFIG_NOT_FOUND", ["doctor", "--config", "nope.yaml"]);
  {
    const dir = folder("config", "env-without-any-config");
    add({
      kind: "config",
      name: "env-without-any-config",
      dir,
      args: ["doctor", "--env", "dev"],
      outcome: "exit 2",
      code: "CONFIG_NOT_FOUND",
      outputs: [],
    });
  }
  configCase("iam-without-account", env("    region: us-west-2\n"), "CONFIG_INVALID", [
    "iam",
    "policy",
    "--env",
    "dev",
  ]);
  configCase(
    "iam-without-input-uri",
    env('    region: us-west-2\n    accountId: "123456789012"\n'),
    "CONFIG_INVALID",
    ["iam", "policy", "--env", "dev"],
  );
  configCase("plan-without-input-uri", env("    region: us-west-2\n"), "CONFIG_INVALID", [
    "enroll",
    "plan",
    "callers.csv",
    "--out",
    "plan",
    "--env",
    "dev",
  ]);
  configCase("sandbox-and-endpoint", SANDBOX_CONFIG, "USAGE", [
    "doctor",
    "--sandbox",
    "--endpoint-url",
    "http://127.0.0.1:1",
  ]);

  // --- Sandbox fault files and options (cvk sandbox serve fails before it listens) -----------------
  const faultsCase = (name: string, text: string, code: CvkErrorCode, extra: string[] = []) => {
    const dir = folder("faults", name);
    put(dir, "faults.json", text);
    add({
      kind: "faults",
      name,
      dir,
      args: ["sandbox", "serve", "--port", "0", "--data-dir", "state", "--faults", "faults.json", ...extra],
      outcome: "exit 2",
      code,
      outputs: [],
    });
  };
  faultsCase("not-json", '{"seed": 7, "global": {', "INPUT_INVALID");
  faultsCase("probability-as-text", '{"global": {"throttle": "0.2"}}', "INPUT_INVALID");
  faultsCase("probability-over-1", '{"global": {"serverError": 5}}', "INPUT_INVALID");
  faultsCase("misspelt-rule-key", '{"global": {"throtle": 0.2}}', "INPUT_INVALID");
  faultsCase("unknown-key", '{"sead": 7}', "INPUT_INVALID");
  faultsCase("port-out-of-range", "{}", "USAGE", ["--port", "70000"]);
  // A documentation address (RFC 5737) that is not an interface of this machine.
  const local = new Set(
    Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address)),
  );
  const foreign = ["192.0.2.123", "198.51.100.123", "203.0.113.123"].find((address) => !local.has(address));
  faultsCase("host-not-on-this-machine", "{}", "USAGE", ["--host", foreign ?? "192.0.2.123"]);
  faultsCase("jobs-progression-unknown", "{}", "USAGE", ["--jobs", "fast"]);

  // --- Templates and parameter values: cvk flow render --template … --param … --out flow.json -----
  const renderArgs = (template: string, params: string[]) => [
    "flow",
    "render",
    "--template",
    template,
    ...params.flatMap((p) => ["--param", p]),
    "--out",
    "flow.json",
  ];
  const templateCase = (
    name: string,
    text: string | Uint8Array,
    code: CvkErrorCode,
    params: string[] = ["v=1"],
  ) => {
    const dir = folder("template", name);
    put(dir, "t.json.hbs", text);
    add({
      kind: "template",
      name,
      dir,
      args: renderArgs("./t.json.hbs", params),
      outcome: "exit 2",
      code,
      outputs: ["flow.json"],
    });
  };
  const declared = (parameters: Record<string, unknown>, body: string) =>
    `{{!-- cvk-template ${JSON.stringify({ parameters })} --}}\n${body}`;
  templateCase("unclosed-if", '{"a": {{#if v}}{{json v}} }', "TEMPLATE_INVALID");
  templateCase("triple-stash-close", '{"a": {"b": {{json v}}}}', "TEMPLATE_INVALID");
  templateCase("bare-variable", '{"a": {{v}} }', "TEMPLATE_INVALID");
  templateCase("json-inside-a-string", '{"a": "x{{json v}}x"}', "TEMPLATE_INVALID");
  templateCase("partial", '{"a": {{> other}} }', "TEMPLATE_INVALID");
  templateCase("renders-trailing-comma", '{"a": {{json v}}, }', "TEMPLATE_INVALID");
  templateCase(
    "renders-deep-nesting",
    `{"a": ${"[".repeat(30_000)}{{json v}}${"]".repeat(30_000)}}`,
    "TEMPLATE_INVALID",
  );
  templateCase("binary-garbage", randomBytes(3000), "TEMPLATE_INVALID");
  templateCase(
    "manifest-not-json",
    '{{!-- cvk-template {"parameters": {v: 1}} --}}\n{"a": {{json v}} }',
    "TEMPLATE_INVALID",
  );
  templateCase("undeclared-variable", '{"a": {{json w}} }', "TEMPLATE_PARAMETER");
  templateCase("prototype-variable", '{"a": {{json constructor}} }', "TEMPLATE_PARAMETER", []);
  const typed = declared(
    {
      n: { type: "integer", minimum: 0, maximum: 100, default: 5 },
      b: { type: "boolean", default: true },
      s: { type: "string", required: true, pattern: "^[a-z]+$" },
      e: { type: "string", enum: ["one", "two"], default: "one" },
    },
    '{"n": {{json n}}, "b": {{json b}}, "s": {{json s}}, "e": {{json e}} }',
  );
  for (const [name, params] of [
    ["required-missing", []],
    ["unknown-parameter", ["s=ok", "x=1"]],
    ["integer-text", ["s=ok", "n=ten"]],
    ["integer-over-maximum", ["s=ok", "n=101"]],
    ["pattern-mismatch", ["s=NOT OK"]],
    ["json-breaking-in-pattern", ['s=ok","injected":"1']],
  ] as const)
    templateCase(name, typed, "TEMPLATE_PARAMETER", [...params]);
  for (const [name, params] of [
    ["param-without-equals", ["s"]],
    ["param-name-with-dash", ["a-b=1"]],
  ] as const)
    templateCase(name, typed, "USAGE", [...params]);
  {
    const dir = folder("template", "template-not-found");
    add({
      kind: "template",
      name: "template-not-found",
      dir,
      args: renderArgs("./nope.json.hbs", []),
      outcome: "exit 2",
      code: "TEMPLATE_NOT_FOUND",
      outputs: ["flow.json"],
    });
  }
  {
    const dir = folder("template", "template-bad-name");
    add({
      kind: "template",
      name: "template-bad-name",
      dir,
      args: renderArgs("voice id flow", []),
      outcome: "exit 2",
      code: "TEMPLATE_NOT_FOUND",
      outputs: ["flow.json"],
    });
  }
  // Values that would break JSON or a naive template: encoded, never injected; rendered back verbatim.
  const free = declared(
    { v: { type: "string", required: true } },
    '{"Version": "2019-10-30", "v": {{json v}} }',
  );
  const valueCase = (name: string, value: string) => {
    const dir = folder("param", name);
    put(dir, "t.json.hbs", free);
    add({
      kind: "param",
      name,
      dir,
      args: renderArgs("./t.json.hbs", [`v=${value}`]),
      outcome: "accepted",
      outputs: ["flow.json"],
      check: (d) => {
        const rendered = JSON.parse(readFileSync(join(d, "flow.json"), "utf8")) as Record<string, unknown>;
        const keys = Object.keys(rendered).sort().join(",");
        if (keys !== "Version,v") return `rendered keys ${keys}`;
        return rendered.v === value ? undefined : `rendered ${JSON.stringify(rendered.v)?.slice(0, 80)}`;
      },
    });
  };
  for (const [name, value] of [
    ["double-quote", 'say "hi"'],
    ["close-string-and-inject-key", '","Version":"1999-01-01","x":"'],
    ["close-object", '"}, "Actions": [], "y": {"'],
    ["backslashes", "C:\\temp\\new\\"],
    ["mustaches", "{{json v}} {{{v}}} {{> p}}"],
    ["newlines-and-tabs", "line 1\nline 2\r\n\ttab"],
    ["control-characters", "\u0001\u0002\u0007\u001b[31m\u007f"],
    ["line-separators", "a\u2028b\u2029c"],
    ["emoji-and-rtl", "📞 مرحبا \u202e txet"],
    ["lone-surrogate-text", "\\ud800"],
    ["json-looking", '{"a":1}'],
    ["true-looking", "true"],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a flow-language placeholder, literally.
    ["placeholder-looking", "${Attributes.x}"],
    ["long-100k", 'x"\\'.repeat(33_000)],
  ] as const)
    valueCase(name, value);

  // --- Flow files: cvk flow lint (findings: exit 1) and cvk flow graph (unreadable: exit 2) -------
  const baseFlow = renderConfiguredFlow({
    flow: { name: "base", template: "voiceid-sample-flow" },
    parameters: { customerId: "$.Attributes.customerSpeakerId" },
  }).text;
  type Flow = { Version: string; StartAction: string; Actions: Record<string, unknown>[] } & Record<
    string,
    unknown
  >;
  const mutate = (change: (flow: Flow) => void): string => {
    const flow = JSON.parse(baseFlow) as Flow;
    change(flow);
    return JSON.stringify(flow, null, 2);
  };
  const action = (flow: Flow, type: string) =>
    flow.Actions.find((a) => a.Type === type) as Record<string, Record<string, unknown>>;
  const lintCase = (name: string, text: string | Uint8Array) => {
    const dir = folder("flow", name);
    put(dir, "flow.json", text);
    add({
      kind: "flow",
      name,
      dir,
      args: ["flow", "lint", "flow.json"],
      outcome: "exit 1",
      code: "CHECK_FAILED",
      outputs: [],
    });
  };
  lintCase("empty-file", "");
  lintCase("binary-garbage", randomBytes(4000));
  lintCase("a-json-array", "[]");
  lintCase(
    "over-256000-characters",
    mutate((f) => {
      f.Metadata = { padding: "x".repeat(260_000) };
    }),
  );
  lintCase(
    "deeply-nested-parameters",
    baseFlow.replace(
      '"Parameters": {}',
      `"Parameters": {"Deep": ${'{"a": '.repeat(20_000)}1${"}".repeat(20_000)}}`,
    ),
  );
  lintCase("nested-array-bomb", `${"[".repeat(120_000)}${"]".repeat(120_000)}`);
  for (let cut = 1; cut <= 2; cut++)
    lintCase(`truncated-${cut}`, baseFlow.slice(0, Math.floor((baseFlow.length * cut) / 3)));
  lintCase(
    "no-start-action",
    mutate((f) => {
      delete (f as Partial<Flow>).StartAction;
    }),
  );
  lintCase(
    "start-action-unknown",
    mutate((f) => {
      f.StartAction = "nowhere";
    }),
  );
  lintCase(
    "unknown-action-type",
    mutate((f) => {
      (f.Actions[1] as Record<string, unknown>).Type = "TeleportParticipant";
    }),
  );
  lintCase(
    "duplicate-identifiers",
    mutate((f) => {
      (f.Actions[1] as Record<string, unknown>).Identifier = (
        f.Actions[0] as Record<string, unknown>
      ).Identifier;
    }),
  );
  lintCase(
    "dangling-next-action",
    mutate((f) => {
      (f.Actions[0] as Record<string, Record<string, unknown>>).Transitions = { NextAction: "gone" };
    }),
  );
  lintCase(
    "parameters-a-list",
    mutate((f) => {
      (f.Actions[0] as Record<string, unknown>).Parameters = ["x"];
    }),
  );
  lintCase(
    "check-voice-id-bad-option",
    mutate((f) => {
      action(f, "CheckVoiceId").Parameters = { CheckVoiceIdOption: "voiceprint" };
    }),
  );
  lintCase(
    "too-many-actions",
    mutate((f) => {
      const end = f.Actions.find((a) => a.Type === "DisconnectParticipant") as Record<string, unknown>;
      for (let i = 0; i < 300; i++) f.Actions.push({ ...end, Identifier: `extra-${i}` });
    }),
  );
  {
    const dir = folder("flow", "file-missing");
    add({
      kind: "flow",
      name: "file-missing",
      dir,
      args: ["flow", "lint", "nope.json"],
      outcome: "exit 2",
      code: "INPUT_NOT_FOUND",
      outputs: [],
    });
  }
  {
    const dir = folder("flow", "file-is-a-folder");
    mkdirSync(join(dir, "flow.json"));
    add({
      kind: "flow",
      name: "file-is-a-folder",
      dir,
      args: ["flow", "lint", "flow.json"],
      outcome: "exit 2",
      code: "INPUT_NOT_FOUND",
      outputs: [],
    });
  }
  const graphCase = (name: string, text: string) => {
    const dir = folder("flow-graph", name);
    put(dir, "flow.json", text);
    add({
      kind: "flow-graph",
      name,
      dir,
      args: ["flow", "graph", "flow.json", "--out", "flow.mmd"],
      outcome: "exit 2",
      code: "FLOW_DOCUMENT_INVALID",
      outputs: ["flow.mmd"],
    });
  };
  graphCase("not-json", baseFlow.slice(0, 100));
  graphCase("actions-not-objects", '{"Version":"2019-10-30","StartAction":"x","Actions":[null, 1, "a"]}');
  graphCase(
    "errors-not-a-list",
    mutate((f) => {
      action(f, "CheckVoiceId").Transitions = { NextAction: f.StartAction, Errors: "x" };
    }),
  );
  graphCase("a-json-array", "[]");

  // --- Plan and run folders that are damaged or half-written: cvk enroll run --sandbox -------------
  const planDirCase = (name: string, damage: (plan: string) => void, code: CvkErrorCode) => {
    const dir = folder("plan-folder", name);
    put(dir, "cvk.config.yaml", SANDBOX_CONFIG);
    // A real plan: one good caller.
    const plan = join(dir, "plan");
    const speakers = [
      {
        customerSpeakerId: "caller-a",
        requestId: "r-a",
        recordings: [
          {
            audio: join(dir, "audio/a.wav"),
            channel: 0,
            s3Uri: "s3://cvk-bad-in/enroll/recordings/audio/a.wav",
            bytes: 0,
          },
        ],
        droppedRecordings: 0,
        shard: 1,
      },
    ];
    goodAudio(dir);
    const manifestBody = JSON.stringify({
      Version: "1.0",
      SpeakerEnrollmentRequests: [
        {
          RequestId: "r-a",
          SpeakerId: "caller-a",
          AudioSpecifications: [{ S3Uri: "s3://cvk-bad-in/enroll/recordings/audio/a.wav", ChannelId: 0 }],
        },
      ],
    });
    put(plan, "manifests/shard-001.json", manifestBody);
    put(plan, "speakers.jsonl", `${JSON.stringify(speakers[0])}\n`);
    put(plan, "problems.jsonl", "");
    put(
      plan,
      "plan.json",
      JSON.stringify({
        version: 1,
        kind: "speaker-enrollment",
        createdAt: "2026-09-01T00:00:00.000Z",
        source: { path: join(dir, "callers.csv"), format: "csv", rows: 1 },
        inputS3Uri: "s3://cvk-bad-in/enroll",
        shards: [],
        counts: {
          rows: 1,
          speakers: 1,
          plannedSpeakers: 1,
          excludedSpeakers: 0,
          recordings: 1,
          plannedRecordings: 1,
          byReason: {},
        },
        warnings: [],
      }),
    );
    damage(plan);
    add({
      kind: "plan-folder",
      name,
      dir,
      args: [
        "enroll",
        "run",
        "plan",
        "--sandbox",
        "--run-dir",
        "run",
        "--poll-interval",
        "20",
        "--no-progress",
      ],
      outcome: "exit 2",
      code,
      outputs: ["run/report.csv", "run/report.json"],
    });
  };
  planDirCase(
    "plan-json-missing",
    (plan) => {
      rmSync(join(plan, "plan.json"));
      writeFileSync(join(plan, ".plan.json.1a2b3c.tmp"), "{");
    },
    "INPUT_NOT_FOUND",
  );
  planDirCase(
    "plan-json-truncated",
    (plan) => writeFileSync(join(plan, "plan.json"), '{"version": 1, "kind": "speaker-'),
    "INPUT_INVALID",
  );
  planDirCase(
    "plan-json-wrong-version",
    (plan) => writeFileSync(join(plan, "plan.json"), '{"version": 7}'),
    "INPUT_INVALID",
  );
  planDirCase("plan-json-a-list", (plan) => writeFileSync(join(plan, "plan.json"), "[]"), "INPUT_INVALID");
  {
    const dir = folder("plan-folder", "plan-folder-missing");
    put(dir, "cvk.config.yaml", SANDBOX_CONFIG);
    add({
      kind: "plan-folder",
      name: "plan-folder-missing",
      dir,
      args: ["enroll", "run", "plan", "--sandbox", "--run-dir", "run", "--no-progress"],
      outcome: "exit 2",
      code: "INPUT_NOT_FOUND",
      outputs: ["run/report.csv"],
    });
  }

  // --- Fraudster lists through cvk fraudsters register --sandbox (the list is read before any AWS write)
  const fraudCase = (name: string, text: string, code: CvkErrorCode) => {
    const dir = folder("fraudsters", name);
    put(dir, "cvk.config.yaml", SANDBOX_CONFIG);
    goodAudio(dir);
    put(dir, "fraudsters.csv", text);
    add({
      kind: "fraudsters",
      name,
      dir,
      args: [
        "fraudsters",
        "register",
        "fraudsters.csv",
        "--sandbox",
        "--out",
        "fplan",
        "--run-dir",
        "frun",
        "--poll-interval",
        "20",
        "--no-progress",
      ],
      outcome: "exit 2",
      code,
      outputs: ["fplan", "frun/report.csv"],
    });
  };
  fraudCase("unclosed-quote", `${HEADER}\n"mallory,audio/a.wav\n`, "INPUT_INVALID");
  fraudCase("unknown-column", "fraudster,recording\nmallory,audio/a.wav\n", "INPUT_INVALID");
  fraudCase("path-escape", `${HEADER}\nmallory,../../a.wav\n`, "PATH_ESCAPE");

  return inputs;
}
