/**
 * The demo (`npm run demo`, `cvk migrate --demo`): the shipped fixtures in `fixtures/demo/` — a
 * config with dev and prod, a caller list of 200 synthetic callers, a fraudster list and
 * `recordings.csv`, which says how every recording is synthesised — materialised into a working
 * folder (default `.cvk/demo`, git-ignored): the config and lists are copied, and the recordings are
 * generated there on first run, deterministically (@cvk/audio's synthetic voices), on worker threads.
 * No audio is committed.
 *
 * A realistic handful of the recordings are bad on purpose — 16 kHz, stereo 44.1 kHz with the caller
 * on channel 1, G.711 μ-law, too little speech, a known fraudster's voice, a truncated file — so the
 * migration's report shows real problems and how `prepare` fixes some of them.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CvkError, type CvkEventListener, stepReporter, writeFileAtomic } from "@cvk/core";
import { Piscina } from "piscina";
import type { DemoTask } from "./demo-worker.ts";
import { parseCsv } from "./enrollment-step.ts";

export interface DemoRecording {
  /** Path relative to the working folder's `recordings/`. */
  file: string;
  voice: string;
  seconds: number;
  seed: number;
  speechRatio: number;
  sampleRate: number;
  channels: number;
  /** The channel the caller speaks on (the other one, if any, is the agent). */
  voiceChannel: number;
  encoding: "pcm" | "mulaw";
  /** 1: the whole file; less: the file is cut at this fraction (its header still promises all of it). */
  truncate: number;
  /** What is wrong with it, if anything, in words. */
  note: string;
}

export interface DemoCaller {
  customerSpeakerId: string;
  audio: string;
  channel: number;
}

export interface DemoWorkspace {
  dir: string;
  config: string;
  recordings: number;
  generated: number;
  /** Generation time in ms (0 when every recording was there already). */
  generationMs: number;
}

const FILES = ["cvk.config.yaml", "callers.csv", "fraudsters.csv", "recordings.csv"] as const;

// From dist the worker is plain JS; from src (the test runner) it is TypeScript and needs a loader.
const workerUrl = new URL(
  import.meta.url.endsWith(".ts") ? "./demo-worker.ts" : "./demo-worker.js",
  import.meta.url,
);
const workerExecArgv = import.meta.url.endsWith(".ts") ? ["--import", "tsx"] : [];

/**
 * The repository's `fixtures/demo/`, found by walking up from this module (the same folder from
 * `src` and from `dist`); `CVK_DEMO_FIXTURES` overrides it.
 */
export function demoFixturesDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.CVK_DEMO_FIXTURES) return resolve(env.CVK_DEMO_FIXTURES);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, "fixtures", "demo");
    if (existsSync(join(candidate, "recordings.csv"))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function invalid(path: string, line: number, message: string): CvkError {
  return new CvkError("INPUT_INVALID", `${path}:${line}: ${message}`, {
    hint: "recordings.csv columns: file,voice,seconds,seed,speech_ratio,sample_rate,channels,voice_channel,encoding,truncate,note.",
  });
}

/** Reads and checks `recordings.csv`. */
export function readDemoRecordings(path: string): DemoRecording[] {
  const rows = parseCsv(readFileSync(path, "utf8"));
  return rows.map((row, index) => {
    const line = index + 2;
    const number = (key: string, min: number, max: number): number => {
      const value = Number(row[key]);
      if (!Number.isFinite(value) || value < min || value > max)
        throw invalid(path, line, `${key} "${row[key] ?? ""}" is not a number in ${min}–${max}`);
      return value;
    };
    const file = row.file ?? "";
    if (!/^[A-Za-z0-9_./-]+\.wav$/.test(file) || file.includes(".."))
      throw invalid(path, line, `file "${file}" must be a relative .wav path`);
    const encoding = row.encoding;
    if (encoding !== "pcm" && encoding !== "mulaw")
      throw invalid(path, line, `encoding "${encoding}" must be pcm or mulaw`);
    const channels = number("channels", 1, 2);
    return {
      file,
      voice: row.voice || file,
      seconds: number("seconds", 1, 300),
      seed: number("seed", 0, 2 ** 31),
      speechRatio: number("speech_ratio", 0.1, 1),
      sampleRate: number("sample_rate", 8000, 48000),
      channels,
      voiceChannel: number("voice_channel", 0, channels - 1),
      encoding,
      truncate: number("truncate", 0.1, 1),
      note: row.note ?? "",
    };
  });
}

/**
 * Copies the demo's config and lists into `dir` and generates the recordings missing there (all of
 * them when recordings.csv changed). Returns where the config is.
 */
export async function materializeDemo(options: {
  dir: string;
  fixturesDir?: string;
  threads?: number;
  onEvent?: CvkEventListener;
}): Promise<DemoWorkspace> {
  const fixtures = options.fixturesDir ?? demoFixturesDir();
  if (!fixtures || !existsSync(join(fixtures, "recordings.csv"))) {
    throw new CvkError("INPUT_NOT_FOUND", "The demo fixtures (fixtures/demo/) were not found", {
      hint: "Run the demo from a clone of the cvk repository (`npm run demo`), or set CVK_DEMO_FIXTURES to the fixtures/demo folder.",
    });
  }
  const dir = resolve(options.dir);
  const report = stepReporter("demo", options.onEvent);
  await mkdir(dir, { recursive: true });
  for (const file of FILES) await writeFileAtomic(join(dir, file), await readFile(join(fixtures, file)));
  const recordings = readDemoRecordings(join(fixtures, "recordings.csv"));
  // What each file was generated from: a row that changed is generated again, the others are kept.
  const rowHash = (r: DemoRecording) =>
    createHash("sha256").update(JSON.stringify(r)).digest("hex").slice(0, 16);
  const stampPath = join(dir, "recordings", ".generated.json");
  let stamps: Record<string, string> = {};
  try {
    stamps = existsSync(stampPath)
      ? (JSON.parse(readFileSync(stampPath, "utf8")) as Record<string, string>)
      : {};
  } catch {}
  const missing = recordings.filter((r) => {
    const path = join(dir, "recordings", r.file);
    return stamps[r.file] !== rowHash(r) || !existsSync(path) || statSync(path).size === 0;
  });
  let generationMs = 0;
  if (missing.length > 0) {
    const started = performance.now();
    report.started(
      missing.length,
      `synthesising ${missing.length} recording(s) into ${join(dir, "recordings")} (first run only)`,
    );
    const threads = Math.max(1, options.threads ?? availableParallelism());
    const pool = new Piscina<DemoTask, number>({
      filename: fileURLToPath(workerUrl),
      minThreads: threads,
      maxThreads: threads,
      execArgv: workerExecArgv,
    });
    let done = 0;
    try {
      // Longest first, so the last task to finish is a short one.
      const ordered = [...missing].sort((a, b) => b.seconds * b.channels - a.seconds * a.channels);
      await Promise.all(
        ordered.map(async (recording) => {
          const path = join(dir, "recordings", recording.file);
          try {
            await pool.run({ recording, path });
          } catch (error) {
            // Errors cross the thread boundary as plain objects: name the file and keep the reason.
            throw new CvkError(
              "IO_FAILED",
              `Could not generate the demo recording ${path}: ${(error as Error).message}`,
              {
                hint: "Check that the folder is writable and the disk is not full, then run the demo again.",
                cause: error,
              },
            );
          }
          done++;
          if (done % 10 === 0 || done === missing.length)
            report.progress(done, missing.length, recording.file);
        }),
      );
    } finally {
      await pool.destroy();
    }
    await writeFileAtomic(
      stampPath,
      `${JSON.stringify(Object.fromEntries(recordings.map((r) => [r.file, rowHash(r)])), null, 1)}\n`,
    );
    generationMs = Math.round(performance.now() - started);
    report.finished(`${missing.length} recording(s) synthesised in ${(generationMs / 1000).toFixed(1)} s`);
  } else {
    report.info(`${recordings.length} recordings already generated in ${join(dir, "recordings")}`);
  }
  return {
    dir,
    config: join(dir, "cvk.config.yaml"),
    recordings: recordings.length,
    generated: missing.length,
    generationMs,
  };
}
