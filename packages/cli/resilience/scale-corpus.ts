import { linkSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodeWav, synthesizeSpeech, synthesizeTone } from "@cvk/audio";

/**
 * A synthetic caller list at scale with planted defects of every kind, and what cvk must report for
 * each caller. Recordings are hard links to a few distinct files (one path per caller, so every
 * caller is its own header check and its own upload), short enough that the whole corpus stays
 * small: the sandbox is run with a lower net-speech minimum to match (`MIN_SPEECH_SECONDS`).
 */

export const MIN_SPEECH_SECONDS = 3;
const RATE = 8000;
const SECONDS = 6;
/** Distinct good voices; callers cycle through them. */
const VOICES = 16;
/** One caller in DEFECT_EVERY has a defect (5%). */
const DEFECT_EVERY = 20;

/** What a planted defect should end as in report.csv. */
export interface Expectation {
  status: "NEW_ENROLLMENT" | "EXCLUDED_IN_PLAN" | "FAILED";
  /** error_code for EXCLUDED_IN_PLAN; a reason fragment (case-insensitive) for FAILED. */
  code?: string;
}

interface DefectKind {
  name: string;
  expect: Expectation;
  /** Problems plan records for it (problems.jsonl reasons). */
  planReason?: string;
}

export const DEFECTS: readonly DefectKind[] = [
  { name: "invalid-id", expect: { status: "EXCLUDED_IN_PLAN", code: "INVALID_SPEAKER_ID" } },
  { name: "duplicate-request-id", expect: { status: "EXCLUDED_IN_PLAN", code: "DUPLICATE_REQUEST_ID" } },
  { name: "missing-file", expect: { status: "EXCLUDED_IN_PLAN", code: "NOT_FOUND" } },
  { name: "not-wav", expect: { status: "EXCLUDED_IN_PLAN", code: "NOT_WAV" } },
  { name: "16khz", expect: { status: "EXCLUDED_IN_PLAN", code: "SAMPLE_RATE" } },
  { name: "mulaw", expect: { status: "EXCLUDED_IN_PLAN", code: "UNSUPPORTED_ENCODING" } },
  { name: "no-channel-1", expect: { status: "EXCLUDED_IN_PLAN", code: "CHANNEL_MISSING" } },
  { name: "empty", expect: { status: "EXCLUDED_IN_PLAN", code: "EMPTY" } },
  { name: "truncated", expect: { status: "EXCLUDED_IN_PLAN", code: "TRUNCATED" } },
  { name: "empty-audio-field", expect: { status: "EXCLUDED_IN_PLAN", code: "MISSING_AUDIO" } },
  { name: "bad-channel", expect: { status: "EXCLUDED_IN_PLAN", code: "CHANNEL_INVALID" } },
  // Planned with a problem on record, but still enrolled: the repeat row is ignored.
  {
    name: "duplicate-row",
    expect: { status: "NEW_ENROLLMENT" },
    planReason: "DUPLICATE_RECORDING",
  },
  // Header checks pass (plan runs with --no-speech); Voice ID itself finds no speech in a tone.
  { name: "no-speech", expect: { status: "FAILED", code: "speech" } },
  // A registered fraudster's voice: fraud detection (action FAIL) rejects the enrollment.
  { name: "fraudster", expect: { status: "FAILED", code: "fraud" } },
];

export interface ScaleCorpus {
  /** caller-list.csv, relative to the corpus folder. */
  list: string;
  /** fraudsters.csv: the fraudster's recording. */
  fraudsters: string;
  /** Expected report row per customer_speaker_id. */
  expected: Map<string, Expectation>;
  /** Callers per defect kind. */
  planted: Record<string, number>;
  callers: number;
}

function wav(samples: Float32Array, options: { sampleRate?: number; encoding?: "mulaw" } = {}): Uint8Array {
  return encodeWav({
    channels: [samples],
    sampleRate: options.sampleRate ?? RATE,
    ...(options.encoding ? { encoding: options.encoding } : {}),
  });
}

/** Writes the corpus into `dir` (deterministic for `callers`). */
export function writeScaleCorpus(dir: string, callers: number): ScaleCorpus {
  const base = join(dir, "base");
  mkdirSync(base, { recursive: true });
  const voices = Array.from({ length: VOICES }, (_, v) => {
    const file = join(base, `voice-${v}.wav`);
    writeFileSync(
      file,
      wav(synthesizeSpeech({ voice: `scale-voice-${v}`, seconds: SECONDS, sampleRate: RATE, seed: v + 1 })),
    );
    return file;
  });
  const fraudster = join(base, "fraudster.wav");
  writeFileSync(
    fraudster,
    wav(synthesizeSpeech({ voice: "scale-fraudster", seconds: SECONDS, sampleRate: RATE, seed: 99 })),
  );
  const baseFile = (name: string, bytes: Uint8Array | string) => {
    const file = join(base, name);
    writeFileSync(file, bytes);
    return file;
  };
  const speech16k = synthesizeSpeech({ voice: "scale-16k", seconds: SECONDS, sampleRate: 16000 });
  const speech8k = synthesizeSpeech({ voice: "scale-other", seconds: SECONDS, sampleRate: RATE });
  const bad = {
    notWav: baseFile("not-wav.wav", "customer_speaker_id,audio\nthis is a CSV, not audio\n"),
    wideband: baseFile("16khz.wav", wav(speech16k, { sampleRate: 16000 })),
    mulaw: baseFile("mulaw.wav", wav(speech8k, { encoding: "mulaw" })),
    empty: baseFile("empty.wav", new Uint8Array(0)),
    truncated: baseFile(
      "truncated.wav",
      wav(speech8k).subarray(0, 44 + 4000), // the header promises 6 s, the file holds 0.25 s
    ),
    tone: baseFile("tone.wav", wav(synthesizeTone(440, SECONDS, RATE, 0.3))),
  };
  writeFileSync(join(dir, "fraudsters.csv"), "customer_speaker_id,audio\nfraudster-1,base/fraudster.wav\n");

  const rows = ["customer_speaker_id,audio,channel,request_id"];
  const expected = new Map<string, Expectation>();
  const planted: Record<string, number> = {};
  let folder = "";
  for (let i = 0; i < callers; i++) {
    if (i % 1000 === 0) {
      folder = `audio/d${String(i / 1000).padStart(3, "0")}`;
      mkdirSync(join(dir, folder), { recursive: true });
    }
    const id = `caller-${String(i).padStart(6, "0")}`;
    const rel = `${folder}/${id}.wav`;
    const link = (target: string) => linkSync(target, join(dir, rel));
    const defect =
      i % DEFECT_EVERY === DEFECT_EVERY - 1
        ? DEFECTS[Math.floor(i / DEFECT_EVERY) % DEFECTS.length]
        : undefined;
    const good = voices[i % VOICES] as string;
    let callerId = id;
    switch (defect?.name) {
      case undefined:
      case "duplicate-request-id":
        link(good);
        break;
      case "invalid-id":
        link(good);
        callerId = `${id}@example.com`;
        break;
      case "missing-file":
        break;
      case "not-wav":
        link(bad.notWav);
        break;
      case "16khz":
        link(bad.wideband);
        break;
      case "mulaw":
        link(bad.mulaw);
        break;
      case "no-channel-1":
      case "bad-channel":
      case "duplicate-row":
        link(good);
        break;
      case "empty":
        link(bad.empty);
        break;
      case "truncated":
        link(bad.truncated);
        break;
      case "empty-audio-field":
        break;
      case "no-speech":
        link(bad.tone);
        break;
      case "fraudster":
        link(fraudster);
        break;
      default:
        throw new Error(`unknown defect ${defect?.name}`);
    }
    const audio = defect?.name === "empty-audio-field" ? "" : rel;
    const channel = defect?.name === "no-channel-1" ? "1" : defect?.name === "bad-channel" ? "left" : "";
    // A duplicate RequestId: this caller reuses the previous (good) caller's explicit one.
    const previous = `caller-${String(i - 1).padStart(6, "0")}`;
    const requestId =
      defect?.name === "duplicate-request-id"
        ? `req-${previous}`
        : i % DEFECT_EVERY === DEFECT_EVERY - 2
          ? `req-${id}`
          : "";
    rows.push(`${callerId},${audio},${channel},${requestId}`);
    if (defect?.name === "duplicate-row") rows.push(`${callerId},${audio},${channel},${requestId}`);
    expected.set(callerId, defect?.expect ?? { status: "NEW_ENROLLMENT" });
    if (defect) planted[defect.name] = (planted[defect.name] ?? 0) + 1;
  }
  writeFileSync(join(dir, "callers.csv"), `${rows.join("\n")}\n`);
  return { list: "callers.csv", fraudsters: "fraudsters.csv", expected, planted, callers };
}
