// Audio conversion: cvk vs sox on the same generated corpus, in the same run.
// Figures: conversion throughput ratio (goal ≥ 1), SNR against sox's very-high-quality `rate -v`
// (goal ≥ 40 dB), stop-band attenuation (goal ≥ 60 dB), header checks per second (goal ≥ 20,000).
// Scale with BENCH_AUDIO_FILES (default 200) and BENCH_RUNS (default 3).
import { spawn } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import {
  AudioWorkerPool,
  decodeFrames,
  encodeWav,
  readWavInfo,
  resample,
  synthesizeSpeech,
  synthesizeTone,
} from "@cvk/audio";
import { forEachConcurrently } from "@cvk/core";
import { type Figure, median, report, spread, timeRuns, which } from "./lib.ts";

const FILES = Number(process.env.BENCH_AUDIO_FILES ?? 200);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SECONDS = 60;
const UNIQUE = 8;
const threads = availableParallelism();

function sox(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("sox", args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`sox ${args.join(" ")}: ${stderr}`)),
    );
  });
}

async function readMono(path: string): Promise<Float32Array> {
  const bytes = new Uint8Array(await readFile(path));
  const info = await readWavInfo(path);
  return (
    decodeFrames(bytes.subarray(info.dataOffset, info.dataOffset + info.dataLength), info)[0] ??
    new Float32Array()
  );
}

/** SNR of `test` against `reference`, at the best alignment within ±4 samples. */
function snrDb(reference: Float32Array, test: Float32Array): number {
  let best = -Infinity;
  for (let lag = -4; lag <= 4; lag++) {
    let signal = 0;
    let noise = 0;
    const n = Math.min(reference.length, test.length) - 8;
    for (let i = 8; i < n; i++) {
      const r = reference[i] ?? 0;
      const t = test[i + lag] ?? 0;
      signal += r * r;
      noise += (r - t) * (r - t);
    }
    best = Math.max(best, 10 * Math.log10(signal / Math.max(noise, 1e-20)));
  }
  return best;
}

function rms(x: Float32Array, skip = 0): number {
  let sum = 0;
  for (let i = skip; i < x.length - skip; i++) sum += (x[i] ?? 0) ** 2;
  return Math.sqrt(sum / Math.max(1, x.length - 2 * skip));
}

async function main(): Promise<void> {
  const soxPath = which("sox");
  const dir = await mkdtemp(join(tmpdir(), "cvk-bench-audio-"));
  const corpus = join(dir, "in");
  await mkdir(corpus);
  const figures: Figure[] = [];
  try {
    // Corpus: half 16 kHz stereo PCM-16 (caller left, agent right), half 8 kHz G.711 μ-law mono.
    // UNIQUE distinct recordings per kind, copied to FILES files (synthesis is not what is measured).
    const files: { path: string; kind: "stereo16k" | "mulaw8k" }[] = [];
    for (let u = 0; u < UNIQUE; u++) {
      const caller = synthesizeSpeech({
        voice: `bench-caller-${u}`,
        seconds: SECONDS,
        sampleRate: 16000,
        seed: u,
      });
      const agent = synthesizeSpeech({
        voice: `bench-agent-${u}`,
        seconds: SECONDS,
        sampleRate: 16000,
        seed: 100 + u,
      });
      await writeFile(
        join(corpus, `u${u}-stereo16k.wav`),
        encodeWav({ channels: [caller, agent], sampleRate: 16000 }),
      );
      const narrow = synthesizeSpeech({
        voice: `bench-caller-${u}`,
        seconds: SECONDS,
        sampleRate: 8000,
        seed: 50 + u,
      });
      await writeFile(
        join(corpus, `u${u}-mulaw8k.wav`),
        encodeWav({ channels: [narrow], sampleRate: 8000, encoding: "mulaw", bitsPerSample: 8 }),
      );
    }
    for (let i = 0; i < FILES; i++) {
      const kind = i % 2 === 0 ? "stereo16k" : "mulaw8k";
      const path = join(corpus, `f${String(i).padStart(4, "0")}-${kind}.wav`);
      await copyFile(join(corpus, `u${i % UNIQUE}-${kind}.wav`), path);
      files.push({ path, kind });
    }

    // cvk: the worker pool, one thread per core.
    const pool = new AudioWorkerPool({ threads });
    const cvkOut = join(dir, "cvk");
    await mkdir(cvkOut, { recursive: true });
    const cvkTimes = await timeRuns(RUNS, async () => {
      await Promise.all(files.map((f, i) => pool.convert(f.path, join(cvkOut, `${i}.wav`), { channel: 0 })));
    });
    await pool.destroy();
    const audioSeconds = FILES * SECONDS;
    const cvkRate = audioSeconds / median(cvkTimes);

    if (!soxPath) {
      console.log("sox is not installed: the peer comparison is skipped (apt-get install sox).");
      figures.push({
        name: `convert ${FILES}×${SECONDS}s (16k stereo + 8k μ-law) → 8k PCM-16`,
        unit: "audio-s/s",
        value: cvkRate,
        spread: spread(cvkTimes),
        runs: RUNS,
        note: "sox absent: no peer",
      });
    } else {
      // sox: the same conversions, default (high) quality `rate`, as many processes at once as cores.
      const soxOut = join(dir, "sox");
      await mkdir(soxOut, { recursive: true });
      const soxTimes = await timeRuns(RUNS, () =>
        forEachConcurrently(
          files.map((f, i) => ({ ...f, i })),
          threads,
          (f) =>
            sox([
              f.path,
              "-b",
              "16",
              "-e",
              "signed-integer",
              join(soxOut, `${f.i}.wav`),
              "remix",
              "1",
              "rate",
              "8000",
            ]),
        ),
      );
      const soxRate = audioSeconds / median(soxTimes);
      figures.push({
        name: `convert ${FILES}×${SECONDS}s (16k stereo + 8k μ-law) → 8k PCM-16, ${threads} threads`,
        unit: "audio-s/s",
        value: cvkRate,
        spread: spread(cvkTimes),
        runs: RUNS,
        peer: { name: `sox rate (${threads} processes)`, value: soxRate },
        ratio: cvkRate / soxRate,
        goal: "ratio ≥ 1",
      });

      // Quality: cvk against sox's very-high-quality resampler on the same input.
      const reference = join(dir, "reference.wav");
      await sox([
        join(corpus, "u0-stereo16k.wav"),
        "-b",
        "16",
        "-e",
        "signed-integer",
        reference,
        "remix",
        "1",
        "rate",
        "-v",
        "8000",
      ]);
      const cvkSingle = join(dir, "cvk-single.wav");
      const single = new AudioWorkerPool({ threads: 1 });
      await single.convert(join(corpus, "u0-stereo16k.wav"), cvkSingle, { channel: 0 });
      await single.destroy();
      figures.push({
        name: "SNR of cvk's output against sox `rate -v` (16k → 8k)",
        unit: "dB",
        value: snrDb(await readMono(reference), await readMono(cvkSingle)),
        goal: "≥ 40 dB",
      });
    }

    // Stop-band: tones above the new Nyquist (4 kHz) must vanish; the worst one counts.
    const attenuations: number[] = [];
    for (const inputRate of [16000, 44100, 48000]) {
      for (const frequency of [
        4500,
        5000,
        6000,
        7000,
        7900,
        ...(inputRate > 16000 ? [10000, 15000, 20000] : []),
      ]) {
        const tone = synthesizeTone(frequency, 2, inputRate, 0.5);
        const out = resample(tone, inputRate, 8000);
        attenuations.push(20 * Math.log10(rms(tone, 100) / Math.max(rms(out, 400), 1e-12)));
      }
    }
    figures.push({
      name: "stop-band attenuation, worst tone 4.5–20 kHz (16k/44.1k/48k → 8k)",
      unit: "dB",
      value: Math.min(...attenuations),
      goal: "≥ 60 dB",
    });

    // Header checks: many small files from a warm page cache, one read each.
    const headers = join(dir, "headers");
    await mkdir(headers);
    const small = encodeWav({ channels: [synthesizeTone(440, 0.1, 8000, 0.3)], sampleRate: 8000 });
    const headerFiles = Array.from({ length: 20000 }, (_, i) => join(headers, `h${i}.wav`));
    await forEachConcurrently(headerFiles, 64, (path) => writeFile(path, small));
    const headerPool = new AudioWorkerPool({ threads });
    const items = headerFiles.map((path) => ({ path }));
    const headerTimes = await timeRuns(RUNS, async () => {
      const checks = await headerPool.checkHeaders(items);
      if (checks.some((check) => !check.info)) throw new Error("a header check failed");
    });
    await headerPool.destroy();
    figures.push({
      name: `header checks (checkHeaders: one ≤ 64 KiB read + fstat per file, ${threads} threads)`,
      unit: "files/s",
      value: headerFiles.length / median(headerTimes),
      spread: spread(headerTimes),
      runs: RUNS,
      goal: "≥ 20,000 files/s",
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  report("audio", figures, { files: FILES, secondsPerFile: SECONDS, threads });
}

await main();
