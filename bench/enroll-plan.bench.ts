// `cvk enroll plan` on BENCH_PLAN_CALLERS callers (default 100,000), one local 8 kHz PCM-16 recording
// each, header checks only (--no-speech): wall time and peak RSS of the real CLI as a child process.
// Goals (issue 5): ≤ 10 s and ≤ 300 MB on a 2-core machine. No peer plans a Voice ID enrollment;
// the limit shown is a bare single-thread `readWavInfoSync` loop over the same files.
// Every caller has its own file: BENCH_PLAN_BASE distinct recordings (default 200, 35 s each, so the
// callers pass the 30 s rule on duration) hard-linked into nested folders, one path per row.
// Scale with BENCH_PLAN_CALLERS and BENCH_RUNS (default 3). Build first (`npx turbo run build`).
import { spawn } from "node:child_process";
import { linkSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { encodeWav, readWavInfoSync, synthesizeTone } from "@cvk/audio";
import { type Figure, median, report, spread, timeRuns } from "./lib.ts";

const CALLERS = Number(process.env.BENCH_PLAN_CALLERS ?? 100_000);
const BASE = Number(process.env.BENCH_PLAN_BASE ?? 200);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SECONDS = 35;
const PER_FOLDER = 1000;
const bin = resolve(import.meta.dirname, "../packages/cli/bin/cvk.js");

interface PlanRun {
  seconds: number;
  maxRssBytes: number;
  /** Seconds from spawn to the end of each phase, from the events' timestamps (--json). */
  phases: Record<string, number>;
}

/** Phase ends from cvk's NDJSON events: list read, headers checked, plan written, process exit. */
function phasesOf(stdout: string, spawnedAt: number, exitedAt: number): Record<string, number> {
  const phases: Record<string, number> = {};
  for (const line of stdout.split("\n")) {
    let event: { type?: string; step?: string; message?: string; at?: string };
    try {
      event = JSON.parse(line);
    } catch {
      continue;
    }
    if (!event.at) continue;
    const t = (Date.parse(event.at) - spawnedAt) / 1000;
    if (phases.firstEvent === undefined) phases.firstEvent = t;
    if (event.type === "info" && /rows, \d+ callers/.test(event.message ?? "")) phases.listRead = t;
    if (event.type === "progress" && /headers checked/.test(event.message ?? "")) phases.headersChecked = t;
    if (event.type === "finished" && event.step === "enroll-plan") phases.planWritten = t;
  }
  phases.exited = (exitedAt - spawnedAt) / 1000;
  return phases;
}

/** One `cvk enroll plan` child; a preloaded module records the process's peak RSS at exit. */
function planOnce(dir: string, rssHook: string, outDir: string): Promise<PlanRun> {
  const rssFile = join(dir, "rss.txt");
  return new Promise((resolvePromise, reject) => {
    const start = process.hrtime.bigint();
    const spawnedAt = Date.now();
    const child = spawn(
      process.execPath,
      [
        "--import",
        rssHook,
        bin,
        "enroll",
        "plan",
        join(dir, "callers.csv"),
        "--out",
        outDir,
        "--input-s3-uri",
        "s3://bench-input/voiceid",
        "--no-speech",
        "--json",
      ],
      {
        cwd: dir,
        env: { ...process.env, CVK_BENCH_RSS_FILE: rssFile },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (code !== 0) {
        reject(new Error(`cvk enroll plan exited ${code}:\n${stderr}\n${stdout}`));
        return;
      }
      const planned = JSON.parse(readFileSync(join(outDir, "plan.json"), "utf8")) as {
        counts: { plannedSpeakers: number };
      };
      if (planned.counts.plannedSpeakers !== CALLERS) {
        reject(new Error(`planned ${planned.counts.plannedSpeakers} of ${CALLERS} callers:\n${stdout}`));
        return;
      }
      resolvePromise({
        seconds,
        maxRssBytes: Number(readFileSync(rssFile, "utf8")) * 1024,
        phases: phasesOf(stdout, spawnedAt, Date.now()),
      });
    });
  });
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "cvk-bench-plan-"));
  try {
    // Corpus: BASE distinct recordings, then one hard link per caller (its own path, its own header
    // check) in folders of PER_FOLDER files.
    const baseDir = join(dir, "base");
    mkdirSync(baseDir);
    for (let b = 0; b < BASE; b++) {
      const tone = synthesizeTone(200 + 7 * b, SECONDS, 8000, 0.3);
      writeFileSync(join(baseDir, `b${b}.wav`), encodeWav({ channels: [tone], sampleRate: 8000 }));
    }
    const paths: string[] = [];
    const rows = ["customer_speaker_id,audio"];
    for (let i = 0; i < CALLERS; i++) {
      const folder = `audio/d${String(Math.floor(i / PER_FOLDER)).padStart(4, "0")}`;
      if (i % PER_FOLDER === 0) mkdirSync(join(dir, folder), { recursive: true });
      const rel = `${folder}/c${String(i).padStart(6, "0")}.wav`;
      linkSync(join(baseDir, `b${i % BASE}.wav`), join(dir, rel));
      paths.push(join(dir, rel));
      rows.push(`caller-${String(i).padStart(6, "0")},${rel}`);
    }
    writeFileSync(join(dir, "callers.csv"), `${rows.join("\n")}\n`);
    const rssHook = join(dir, "rss-hook.mjs");
    writeFileSync(
      rssHook,
      `import { writeFileSync } from "node:fs";
process.on("exit", () => writeFileSync(process.env.CVK_BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)));
`,
    );

    // cvk: the CLI end to end (process start, list parse, header checks on every core, manifests).
    const runs: PlanRun[] = [];
    let n = 0;
    await timeRuns(RUNS, async () => {
      const run = await planOnce(dir, rssHook, join(dir, `plan-${n++}`));
      runs.push(run);
    });
    const measured = runs.slice(1); // the first was timeRuns' warm-up
    const times = measured.map((r) => r.seconds);
    const rssMb = measured.map((r) => r.maxRssBytes / 1e6);

    // The limit: a bare loop of header reads over the same files, one thread, warm page cache.
    const bareTimes = await timeRuns(RUNS, async () => {
      for (const path of paths) readWavInfoSync(path);
    });
    const bareSeconds = median(bareTimes);
    const cvkSeconds = median(times);

    const figures: Figure[] = [
      {
        name: `cvk enroll plan --no-speech, ${CALLERS.toLocaleString("en")} callers × 1 local 8 kHz PCM-16 file (wall, CLI process)`,
        unit: "s",
        value: cvkSeconds,
        spread: spread(times),
        runs: RUNS,
        limit: { name: "bare readWavInfoSync loop, 1 thread, s", value: bareSeconds },
        goal: "≤ 10 s",
        note: "no peer tool plans Voice ID enrollments",
      },
      {
        name: "cvk enroll plan: peak RSS (process.resourceUsage().maxRSS, workers included)",
        unit: "MB",
        value: median(rssMb),
        spread: spread(rssMb),
        runs: RUNS,
        goal: "≤ 300 MB",
      },
      {
        name: "cvk enroll plan: callers planned per second",
        unit: "callers/s",
        value: CALLERS / cvkSeconds,
        spread: spread(times),
        runs: RUNS,
        limit: { name: "header reads/s, bare loop", value: paths.length / bareSeconds },
      },
    ];
    report("enroll-plan", figures, {
      callers: CALLERS,
      distinctRecordings: BASE,
      secondsPerRecording: SECONDS,
      threads: availableParallelism(),
      runsSeconds: times,
      runsRssMb: rssMb,
      runsPhases: measured.map((r) => r.phases),
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
