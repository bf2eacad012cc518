/**
 * `cvk enroll plan`: validate a caller list and every recording before anything touches AWS, and
 * write a plan directory that `cvk enroll run` can submit as is (plan-types.ts describes it).
 *
 * The rules come from aws-facts.md §2–3 (the Voice ID API reference, the batch schema pages and the
 * quotas page): CustomerSpeakerId `^[a-zA-Z0-9][a-zA-Z0-9_-]*$`, 1–256 characters; at most 10 audio
 * files per request, each an 8 kHz PCM-16 .wav of at most 20 MB, ChannelId 0 or 1; ~30 s of net
 * speech to enroll; at most 10,000 requests per enrollment job (500 per registration job) and
 * 100,000 speakers per domain.
 */

import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdtemp, readdir, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import type { S3Client } from "@aws-sdk/client-s3";
import {
  type AudioIssue,
  AudioWorkerPool,
  checkHeader,
  checkWavInfo,
  HEADER_PROBE_BYTES,
  issueFromError,
  parseWavHeader,
  VOICE_ID_AUDIO_RULES,
} from "@cvk/audio";
import {
  awsErrorName,
  CvkError,
  type CvkEventListener,
  forEachConcurrently,
  fromAwsError,
  isNotFoundError,
  joinS3Key,
  parseS3Uri,
  stepReporter,
  writeFileAtomic,
} from "@cvk/core";
import { AtomicLineWriter } from "./atomic-lines.ts";
import { detectCallerListFormat, readCallerList } from "./caller-list.ts";
import {
  type EnrollmentPlan,
  MAX_RECORDINGS_PER_REQUEST,
  MAX_REQUESTS_PER_ENROLLMENT_JOB,
  MAX_REQUESTS_PER_REGISTRATION_JOB,
  MAX_SPEAKERS_PER_DOMAIN,
  type PlannedRecording,
  type PlannedShard,
  type PlannedSpeaker,
  type PlanProblem,
} from "./plan-types.ts";

export interface PlanEnrollmentOptions {
  /** The caller list (CSV, JSONL or a Voice ID manifest). */
  list: string;
  /** The plan directory to write. */
  outDir: string;
  /** Upload target of `cvk enroll run`: recordings under `recordings/`, manifests under `manifests/`. */
  inputS3Uri: string;
  allowOutside?: boolean;
  /** Measure net speech of S3 objects too (downloads each whole object once more). */
  deep?: boolean;
  /** Measure net speech of local files (default true); false: header checks only. */
  measureSpeech?: boolean;
  /** Net speech a speaker needs across its recordings (default 30 s, the documented figure). */
  minNetSpeechSeconds?: number;
  kind?: "speaker-enrollment" | "fraudster-registration";
  /** For s3:// recordings: one ranged GET per object for the header check. A factory is called only if needed. */
  s3?: S3Client | (() => Promise<S3Client>);
  pool?: AudioWorkerPool;
  onEvent?: CvkEventListener;
  /** Current number of speakers in the domain, for the 100,000-speaker warning. */
  existingSpeakers?: number;
  /** Requests per manifest; default and maximum: the per-job quota for `kind`. */
  maxRequestsPerShard?: number;
  /** Concurrent S3 requests (default 16). */
  s3Concurrency?: number;
}

/** The CustomerSpeakerId rule (aws-facts.md §2, the Voice ID API reference). */
export const CUSTOMER_SPEAKER_ID_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_-]*$/;
const MAX_SPEAKER_ID_LENGTH = 256;
/** How many examples of each problem summary.txt shows. */
const EXAMPLES_PER_REASON = 5;
const HEADER_CHUNK = 2048;
const PREPARE_HINT = "Run `cvk enroll prepare <list> --out DIR` to fix it, then plan the new list.";

/**
 * CustomerSpeakerIds are marked sensitive in the Voice ID model: summaries show only the first and
 * last two characters (`ca****12`).
 */
export function maskSpeakerId(id: string): string {
  return id.length <= 4 ? "****" : `${id.slice(0, 2)}****${id.slice(-2)}`;
}

export function isValidCustomerSpeakerId(id: string): boolean {
  return id.length >= 1 && id.length <= MAX_SPEAKER_ID_LENGTH && CUSTOMER_SPEAKER_ID_PATTERN.test(id);
}

/** Compact state per recording: what the manifest needs plus what ranking needs. */
interface RecordingEntry {
  line: number;
  audio: string;
  channel: number;
  bytes?: number;
  duration?: number;
  speech?: number;
  bad: boolean;
}

interface SpeakerEntry {
  id: string;
  line: number;
  requestId?: string;
  recordings: RecordingEntry[];
  excluded: boolean;
}

/** Problems go straight to problems.jsonl; only counts and the first examples stay in memory. */
class ProblemSink {
  readonly byReason: Record<string, number> = {};
  readonly examples = new Map<string, PlanProblem[]>();
  readonly #writer: AtomicLineWriter;

  constructor(writer: AtomicLineWriter) {
    this.#writer = writer;
  }

  async add(problem: PlanProblem): Promise<void> {
    this.byReason[problem.reason] = (this.byReason[problem.reason] ?? 0) + 1;
    const examples = this.examples.get(problem.reason) ?? [];
    if (examples.length < EXAMPLES_PER_REASON) examples.push(problem);
    this.examples.set(problem.reason, examples);
    await this.#writer.write(JSON.stringify(problem));
  }
}

function* recordingsOf(speakers: Map<string, SpeakerEntry>, filter: (r: RecordingEntry) => boolean) {
  for (const speaker of speakers.values()) {
    if (speaker.excluded) continue;
    for (const recording of speaker.recordings)
      if (!recording.bad && filter(recording)) yield { speaker, recording };
  }
}

const isS3 = (audio: string) => audio.startsWith("s3://");

/** Where `cvk enroll run` uploads a local recording (see the brief: recordings/<relative path>). */
function uploadKey(root: string, audio: string): string {
  const rel = relative(root, audio);
  if (rel === "" || rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    const digest = createHash("sha256").update(audio).digest("hex");
    return `recordings/external/${digest}/${basename(audio)}`;
  }
  return `recordings/${rel.split(sep).join("/")}`;
}

function seconds(value: number): string {
  return `${Math.round(value * 10) / 10} s`;
}

/** The total object size from `Content-Range: bytes 0-65535/123456`. */
function totalSize(contentRange: string | undefined, fallback: number): number {
  const match = /\/(\d+)$/.exec(contentRange ?? "");
  return match ? Number(match[1]) : fallback;
}

/**
 * Plans an enrollment (or fraudster registration): reads the list as a stream, checks every
 * recording, groups by speaker, shards into manifests and writes the plan directory (plan.json
 * last, so its presence means the plan is complete). No AWS writes.
 */
export async function planEnrollment(options: PlanEnrollmentOptions): Promise<EnrollmentPlan> {
  const kind = options.kind ?? "speaker-enrollment";
  const jobLimit =
    kind === "speaker-enrollment" ? MAX_REQUESTS_PER_ENROLLMENT_JOB : MAX_REQUESTS_PER_REGISTRATION_JOB;
  const perShard = options.maxRequestsPerShard ?? jobLimit;
  if (!Number.isInteger(perShard) || perShard < 1 || perShard > jobLimit) {
    throw new CvkError("USAGE", `A shard size of ${perShard} is not a whole number in 1–${jobLimit}`, {
      hint: `Voice ID accepts at most ${jobLimit} requests per ${kind} job (aws-facts.md §3); --shard-size sets fewer.`,
    });
  }
  const minSpeech = options.minNetSpeechSeconds ?? VOICE_ID_AUDIO_RULES.minNetSpeechSeconds;
  const inputS3Uri = options.inputS3Uri.replace(/\/+$/, "");
  const input = parseS3Uri(inputS3Uri);
  const listPath = resolve(options.list);
  const outDir = resolve(options.outDir);
  const format = await detectCallerListFormat(listPath);
  const report = stepReporter("enroll-plan", options.onEvent);
  const root = await realpath(dirname(listPath));

  // A plan.json from an earlier run must not sit next to half-written new files.
  await rm(join(outDir, "plan.json"), { force: true });
  const problemWriter = await AtomicLineWriter.create(join(outDir, "problems.jsonl"));
  const speakerWriter = await AtomicLineWriter.create(join(outDir, "speakers.jsonl"));
  const ownPool = options.pool === undefined;
  let pool: AudioWorkerPool | undefined = options.pool;
  try {
    const problems = new ProblemSink(problemWriter);
    const speakers = new Map<string, SpeakerEntry>();
    const requestOwners = new Map<string, string>();
    const pendingProblems: PlanProblem[] = [];
    let rows = 0;
    let recordingCount = 0;

    // --- 1. Read the list ------------------------------------------------------------------------
    report.started(undefined, `reading ${listPath} (${format})`);
    for await (const row of readCallerList(listPath, {
      format,
      allowOutside: options.allowOutside === true,
      onInvalidRow: (problem) => {
        rows++;
        pendingProblems.push(problem);
      },
    })) {
      rows++;
      recordingCount++;
      for (const problem of pendingProblems.splice(0)) await problems.add(problem);
      let speaker = speakers.get(row.customerSpeakerId);
      if (!speaker) {
        speaker = { id: row.customerSpeakerId, line: row.line, recordings: [], excluded: false };
        speakers.set(row.customerSpeakerId, speaker);
        // Fraudster lists group rows by this label only; it never reaches Voice ID.
        if (kind === "speaker-enrollment" && !isValidCustomerSpeakerId(row.customerSpeakerId)) {
          speaker.excluded = true;
          await problems.add({
            line: row.line,
            customerSpeakerId: row.customerSpeakerId,
            reason: "INVALID_SPEAKER_ID",
            message:
              row.customerSpeakerId.length > MAX_SPEAKER_ID_LENGTH
                ? `The CustomerSpeakerId is ${row.customerSpeakerId.length} characters long; Voice ID allows 1–256.`
                : "The CustomerSpeakerId has characters Voice ID does not allow: it must start with a letter or digit, then only letters, digits, _ and -.",
            hint: "Map the id to one matching ^[a-zA-Z0-9][a-zA-Z0-9_-]*$ (e.g. a hash of your own id).",
            excluded: true,
          });
        }
      }
      if (row.requestId !== undefined) {
        const owner = requestOwners.get(row.requestId);
        if (owner !== undefined && owner !== speaker.id) {
          if (!speaker.excluded)
            await problems.add({
              line: row.line,
              customerSpeakerId: speaker.id,
              reason: "DUPLICATE_REQUEST_ID",
              message: `RequestId ${row.requestId} is already used by another caller; RequestIds must be unique in a manifest.`,
              hint: "Give every caller its own request_id, or leave the column empty to have cvk generate them.",
              excluded: true,
            });
          speaker.excluded = true;
        } else if (speaker.requestId !== undefined && speaker.requestId !== row.requestId) {
          if (!speaker.excluded)
            await problems.add({
              line: row.line,
              customerSpeakerId: speaker.id,
              reason: "CONFLICTING_REQUEST_ID",
              message: `This caller has rows with different request ids (${speaker.requestId} and ${row.requestId}); one caller is one request.`,
              hint: "Use the same request_id on every row of a caller, or leave it empty.",
              excluded: true,
            });
          speaker.excluded = true;
        } else {
          requestOwners.set(row.requestId, speaker.id);
          speaker.requestId = row.requestId;
        }
      }
      if (speaker.recordings.some((r) => r.audio === row.audio && r.channel === row.channel)) {
        await problems.add({
          line: row.line,
          customerSpeakerId: speaker.id,
          audio: row.audio,
          reason: "DUPLICATE_RECORDING",
          message: "The same recording and channel are listed twice for this caller; the repeat is ignored.",
          excluded: false,
        });
        continue;
      }
      speaker.recordings.push({ line: row.line, audio: row.audio, channel: row.channel, bad: false });
      if (rows % 50_000 === 0) report.progress(rows, undefined, "rows read");
    }
    for (const problem of pendingProblems.splice(0)) await problems.add(problem);
    report.info(`${rows} rows, ${speakers.size} callers`);

    const recordingProblem = async (recording: RecordingEntry, speaker: SpeakerEntry, issue: AudioIssue) => {
      recording.bad = true;
      await problems.add({
        line: recording.line,
        customerSpeakerId: speaker.id,
        audio: recording.audio,
        reason: issue.reason,
        message: issue.message,
        hint: issue.fixable ? `${issue.hint} ${PREPARE_HINT}` : issue.hint,
        excluded: true,
      });
    };
    /** Per-recording speech is judged per speaker (its recordings add up), so that issue is dropped here. */
    const recordingIssues = (issues: AudioIssue[]) => issues.filter((i) => i.reason !== "TOO_LITTLE_SPEECH");

    // --- 2. Header checks of local files, on this thread --------------------------------------------
    // One ≤ 64 KiB synchronous read and a parse per file (~16 µs): shipping them to worker threads
    // cost more in structured cloning than it saved (100,000 files: 2.2–3.3 s through the pool vs
    // 1.6 s in a bare loop), and two idle worker isolates are ~70 MB of the plan's peak RSS (issue 5's
    // ≤ 300 MB goal). Chunks yield to the event loop so progress events and Ctrl-C still get through.
    let checked = 0;
    let localCount = 0;
    for (const _ of recordingsOf(speakers, (r) => !isS3(r.audio))) localCount++;
    if (localCount > 0) {
      report.info(`checking ${localCount} local recordings`);
      for (const { speaker, recording } of recordingsOf(speakers, (r) => !isS3(r.audio))) {
        const check = checkHeader({ path: recording.audio, channel: recording.channel });
        if (check.info) {
          recording.bytes = check.info.fileSize ?? check.info.dataOffset + check.info.dataLength;
          recording.duration = check.info.durationSeconds;
        }
        for (const issue of recordingIssues(check.issues)) await recordingProblem(recording, speaker, issue);
        if (++checked % HEADER_CHUNK === 0 || checked === localCount) {
          report.progress(checked, localCount, "headers checked");
          await yieldToEventLoop();
        }
      }
    }

    // --- 3. Header checks of S3 objects: one ranged GET each -------------------------------------
    const remote = [...recordingsOf(speakers, (r) => isS3(r.audio))];
    let s3: S3Client | undefined;
    if (remote.length > 0) {
      if (!options.s3) {
        throw new CvkError("CONFIG_INVALID", `${listPath} names S3 recordings, but no S3 access was given`, {
          hint: "Run with AWS credentials and a Region (or --sandbox / --endpoint-url) so cvk can read their headers.",
        });
      }
      s3 = typeof options.s3 === "function" ? await options.s3() : options.s3;
      const client = s3;
      const { GetObjectCommand } = await import("@aws-sdk/client-s3");
      report.info(`checking ${remote.length} S3 recordings (one ranged GET each)`);
      let done = 0;
      await forEachConcurrently(remote, options.s3Concurrency ?? 16, async ({ speaker, recording }) => {
        const { bucket, key } = parseS3Uri(recording.audio);
        let issues: AudioIssue[];
        try {
          const response = await client.send(
            new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=0-${HEADER_PROBE_BYTES - 1}` }),
          );
          const head = (await response.Body?.transformToByteArray()) ?? new Uint8Array(0);
          const size = totalSize(response.ContentRange, response.ContentLength ?? head.length);
          try {
            const info = parseWavHeader(head, { fileSize: size });
            recording.bytes = size;
            recording.duration = info.durationSeconds;
            issues = checkWavInfo(info, { channel: recording.channel });
          } catch (error) {
            issues = [issueFromError(error)];
          }
        } catch (error) {
          if (isNotFoundError(error)) {
            issues = [
              {
                reason: "NOT_FOUND",
                message: `${recording.audio} does not exist.`,
                hint: "Check the bucket and key.",
                fixable: false,
              },
            ];
          } else if (awsErrorName(error) === "InvalidRange") {
            issues = [
              {
                reason: "EMPTY",
                message: `${recording.audio} is empty.`,
                hint: "Use a different recording.",
                fixable: false,
              },
            ];
          } else {
            throw fromAwsError(error, { operation: "GetObject", resource: recording.audio });
          }
        }
        for (const issue of recordingIssues(issues)) await recordingProblem(recording, speaker, issue);
        done++;
        if (done % 500 === 0) report.progress(done, remote.length, "S3 headers checked");
      });
    }

    // --- 4. Net speech: local files by default, S3 objects with `deep` ---------------------------
    const measureLocal = options.measureSpeech !== false;
    const toMeasure = [
      ...recordingsOf(speakers, (r) => (isS3(r.audio) ? options.deep === true : measureLocal)),
    ];
    if (toMeasure.length > 0) {
      pool ??= new AudioWorkerPool();
      const measurePool = pool;
      report.info(`measuring net speech of ${toMeasure.length} recordings`);
      let scratch: string | undefined;
      let done = 0;
      try {
        await forEachConcurrently(toMeasure, measurePool.threads * 2, async ({ speaker, recording }) => {
          let path = recording.audio;
          if (isS3(path) && s3) {
            scratch ??= await mkdtemp(join(tmpdir(), "cvk-plan-"));
            const { GetObjectCommand } = await import("@aws-sdk/client-s3");
            const { bucket, key } = parseS3Uri(path);
            const local = join(
              scratch,
              `${done}-${createHash("sha256").update(path).digest("hex").slice(0, 16)}.wav`,
            );
            try {
              const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
              await pipeline(response.Body as NodeJS.ReadableStream, createWriteStream(local));
            } catch (error) {
              throw fromAwsError(error, { operation: "GetObject", resource: path });
            }
            path = local;
          }
          try {
            const inspection = await measurePool.inspect(path, { channel: recording.channel });
            recording.speech = inspection.speechSecondsByChannel?.[recording.channel];
            for (const issue of recordingIssues(inspection.issues))
              await recordingProblem(recording, speaker, issue);
          } finally {
            if (path !== recording.audio) await rm(path, { force: true });
          }
          done++;
          if (done % 100 === 0) report.progress(done, toMeasure.length, "recordings measured");
        });
      } finally {
        if (scratch) await rm(scratch, { recursive: true, force: true });
      }
    }

    // --- 5. Speakers: choose recordings, judge speech, shard -------------------------------------
    const shards: PlannedShard[] = [];
    const shardBodies: string[] = [];
    let shardRequests: Record<string, unknown>[] = [];
    let plannedSpeakers = 0;
    let excludedSpeakers = 0;
    let plannedRecordings = 0;
    const manifestKey =
      kind === "speaker-enrollment" ? "SpeakerEnrollmentRequests" : "FraudsterRegistrationRequests";
    const flushShard = async () => {
      if (shardRequests.length === 0) return;
      const index = shards.length + 1;
      const name = `shard-${String(index).padStart(3, "0")}.json`;
      const body = JSON.stringify({ Version: "1.0", [manifestKey]: shardRequests });
      await writeFileAtomic(join(outDir, "manifests", name), body);
      shards.push({
        index,
        manifest: `manifests/${name}`,
        manifestS3Uri: "",
        requests: shardRequests.length,
        sha256: createHash("sha256").update(body).digest("hex"),
      });
      shardBodies.push(name);
      shardRequests = [];
    };

    for (const speaker of speakers.values()) {
      if (speaker.excluded) {
        excludedSpeakers++;
        continue;
      }
      const usable = speaker.recordings.filter((r) => !r.bad);
      if (usable.length === 0) {
        // Each of its recordings already has its own problem.
        excludedSpeakers++;
        continue;
      }
      const score = (r: RecordingEntry) => r.speech ?? r.duration ?? 0;
      let kept = usable;
      if (usable.length > MAX_RECORDINGS_PER_REQUEST) {
        kept = [...usable].sort((a, b) => score(b) - score(a)).slice(0, MAX_RECORDINGS_PER_REQUEST);
        await problems.add({
          line: speaker.line,
          customerSpeakerId: speaker.id,
          reason: "TOO_MANY_RECORDINGS",
          message: `The caller has ${usable.length} usable recordings; a request takes at most ${MAX_RECORDINGS_PER_REQUEST}. The ${MAX_RECORDINGS_PER_REQUEST} with the most net speech are used.`,
          excluded: false,
        });
      }
      // Without a measurement, a recording's duration bounds its speech from above.
      const measured = kept.every((r) => r.speech !== undefined);
      const total = kept.reduce((sum, r) => sum + score(r), 0);
      if (total < minSpeech) {
        excludedSpeakers++;
        await problems.add({
          line: speaker.line,
          customerSpeakerId: speaker.id,
          reason: "TOO_LITTLE_SPEECH",
          message: measured
            ? `The caller's recordings hold ${seconds(total)} of net speech together; Voice ID needs ${minSpeech} s to enroll.`
            : `The caller's recordings last ${seconds(total)} together; Voice ID needs ${minSpeech} s of net speech to enroll.`,
          hint: "Add more recordings of this caller (up to 10); prepare cannot add speech.",
          excluded: true,
        });
        continue;
      }
      let requestId = speaker.requestId;
      if (requestId === undefined) {
        // Deterministic, so re-planning the same list yields the same manifests (and ClientTokens).
        requestId = `r-${createHash("sha256").update(speaker.id).digest("hex").slice(0, 24)}`;
        while (requestOwners.has(requestId)) requestId = `${requestId}x`;
      }
      const recordings: PlannedRecording[] = kept.map((r) => ({
        audio: r.audio,
        channel: r.channel,
        s3Uri: isS3(r.audio)
          ? r.audio
          : `s3://${input.bucket}/${joinS3Key(input.key, uploadKey(root, r.audio))}`,
        ...(r.bytes === undefined ? {} : { bytes: r.bytes }),
        ...(r.speech === undefined ? {} : { speechSeconds: r.speech }),
      }));
      const planned: PlannedSpeaker = {
        customerSpeakerId: speaker.id,
        requestId,
        recordings,
        droppedRecordings: usable.length - kept.length,
        shard: shards.length + 1,
      };
      await speakerWriter.write(JSON.stringify(planned));
      const audioSpecifications = recordings.map((r) => ({ S3Uri: r.s3Uri, ChannelId: r.channel }));
      shardRequests.push(
        kind === "speaker-enrollment"
          ? { RequestId: requestId, SpeakerId: speaker.id, AudioSpecifications: audioSpecifications }
          : { RequestId: requestId, AudioSpecifications: audioSpecifications },
      );
      plannedSpeakers++;
      plannedRecordings += recordings.length;
      if (shardRequests.length >= perShard) await flushShard();
    }
    await flushShard();

    // The plan id names the manifests' S3 folder; derived from their content, so the same plan
    // uploads to the same place and a re-run finds what it already uploaded.
    // Same formula as run.ts's planIdOf, so both name the same folder.
    const planHash = createHash("sha256").update(`${kind}\n${inputS3Uri}\n`);
    for (const shard of shards) planHash.update(`${shard.index}:${shard.sha256}\n`);
    const planId = planHash.digest("hex").slice(0, 16);
    for (const shard of shards) {
      shard.manifestS3Uri = `s3://${input.bucket}/${joinS3Key(input.key, "manifests", planId, basename(shard.manifest))}`;
    }
    // Manifests of an earlier, bigger plan in the same directory would be mistaken for this one's.
    const current = new Set(shardBodies);
    for (const name of await readdir(join(outDir, "manifests")).catch(() => [] as string[])) {
      if (/^shard-\d+\.json$/.test(name) && !current.has(name))
        await rm(join(outDir, "manifests", name), { force: true });
    }

    const warnings: string[] = [];
    const existing = options.existingSpeakers ?? 0;
    if (kind === "speaker-enrollment" && existing + plannedSpeakers > MAX_SPEAKERS_PER_DOMAIN) {
      const warning = `The domain has ${existing} speakers; enrolling ${plannedSpeakers} more would pass Voice ID's limit of ${MAX_SPEAKERS_PER_DOMAIN} speakers per domain, and the jobs would fail with 402 for the callers beyond it.`;
      warnings.push(warning);
      report.warning("SPEAKER_LIMIT", warning);
    }
    if (speakers.size === 0) warnings.push("The caller list has no rows.");

    const plan: EnrollmentPlan = {
      version: 1,
      kind,
      createdAt: new Date().toISOString(),
      source: { path: listPath, format, rows },
      inputS3Uri,
      shards,
      counts: {
        rows,
        speakers: speakers.size,
        plannedSpeakers,
        excludedSpeakers,
        recordings: recordingCount,
        plannedRecordings,
        byReason: problems.byReason,
      },
      warnings,
    };
    await problemWriter.commit();
    await speakerWriter.commit();
    await writeFileAtomic(join(outDir, "summary.txt"), renderSummary(plan, planId, problems.examples));
    // Last: a plan.json means every other file of the plan is complete.
    await writeFileAtomic(join(outDir, "plan.json"), `${JSON.stringify(plan, null, 2)}\n`);
    report.finished(
      `${plannedSpeakers} callers planned in ${shards.length} manifest(s), ${excludedSpeakers} excluded`,
      { plannedSpeakers, excludedSpeakers, shards: shards.length },
    );
    return plan;
  } catch (error) {
    await problemWriter.abort();
    await speakerWriter.abort();
    throw error;
  } finally {
    if (ownPool && pool) await pool.destroy();
  }
}

/** summary.txt: counts by outcome and by reason, and the first examples of each problem. */
export function renderSummary(
  plan: EnrollmentPlan,
  planId: string,
  examples: Map<string, PlanProblem[]>,
): string {
  const { counts } = plan;
  const lines = [
    `Enrollment plan ${planId} (${plan.kind}), ${plan.createdAt}`,
    `Source: ${plan.source.path} (${plan.source.format}, ${counts.rows} rows)`,
    "",
    "Outcome",
    `  callers planned:    ${counts.plannedSpeakers}`,
    `  callers excluded:   ${counts.excludedSpeakers}`,
    `  callers in list:    ${counts.speakers}`,
    `  recordings planned: ${counts.plannedRecordings} of ${counts.recordings}`,
    `  manifests:          ${plan.shards.length} (${plan.shards.map((s) => s.requests).join(", ") || "none"} requests)`,
  ];
  if (plan.warnings.length > 0) lines.push("", "Warnings", ...plan.warnings.map((w) => `  ${w}`));
  const reasons = Object.entries(counts.byReason).sort((a, b) => b[1] - a[1]);
  if (reasons.length > 0) {
    lines.push("", "Problems by reason");
    for (const [reason, count] of reasons) {
      const sample = examples.get(reason) ?? [];
      const effect = sample[0]?.excluded === false ? "warning" : "excluded";
      lines.push(`  ${reason}: ${count} (${effect})`);
      for (const problem of sample) {
        const who =
          problem.customerSpeakerId === undefined ? "" : ` ${maskSpeakerId(problem.customerSpeakerId)}`;
        const what = problem.audio === undefined ? "" : ` ${problem.audio}`;
        lines.push(`    line ${problem.line}${who}${what}: ${problem.message}`);
      }
      if (sample[0]?.hint) lines.push(`    hint: ${sample[0].hint}`);
    }
  }
  lines.push("", "Files: plan.json, speakers.jsonl, problems.jsonl, manifests/shard-NNN.json");
  return `${lines.join("\n")}\n`;
}
