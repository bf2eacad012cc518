// Uploading BENCH_UPLOAD_FILES recordings (default 2,000; 8 kHz PCM-16, 10 s ≈ 160 KB each) to the
// sandbox's S3 over loopback: `cvk enroll run --endpoint-url` (its upload step: SHA-256, one
// ListObjectsV2, one PutObject with its SHA-256 per recording (multipart above 8 MB), 64 in flight by default, journaled) against
// `aws s3 cp --recursive` (the Debian AWS CLI, its default 10 in flight), in the same run.
// Both are whole CLI processes, timed from spawn: the AWS CLI until it exits; cvk until it prints
// the upload step's `finished` event (then it is stopped with SIGINT before any job starts).
// The sandbox is served by a separate process (`cvk sandbox serve`, jobs frozen), fresh for each
// run, so every run uploads into empty buckets. Its data directory is on tmpfs (/dev/shm) when there
// is one: on disk, the sandbox's synchronous fsync per object caps both clients at the same rate and
// the figure would measure the disk (BENCH_UPLOAD_SANDBOX_DIR overrides the location).
// Goal (issue 5): cvk ≥ 2× the AWS CLI's throughput.
// Scale with BENCH_UPLOAD_FILES and BENCH_RUNS (default 5). Build first (`npx turbo run build`).
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { encodeWav, synthesizeTone } from "@cvk/audio";
import { type Figure, median, report, spread } from "./lib.ts";

const FILES = Number(process.env.BENCH_UPLOAD_FILES ?? 2000);
// Five rounds rather than the usual three: the figure is a ratio of two CLI processes, each
// sharing the 2 cores with the sandbox, and a single slow round moves a 3-round median a lot.
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SECONDS = 10;
/** cvk's uploads in flight: its default (64) unless BENCH_UPLOAD_CVK_CONCURRENCY says otherwise. */
const CVK_CONCURRENCY = process.env.BENCH_UPLOAD_CVK_CONCURRENCY;
const AWS = "/usr/bin/aws";
const bin = resolve(import.meta.dirname, "../packages/cli/bin/cvk.js");
const credentials = { AWS_ACCESS_KEY_ID: "x", AWS_SECRET_ACCESS_KEY: "y" };
const SANDBOX_ROOT = process.env.BENCH_UPLOAD_SANDBOX_DIR ?? (existsSync("/dev/shm") ? "/dev/shm" : tmpdir());
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

interface Measured {
  seconds: number;
  /** cvk only: seconds from spawn to its upload step's `started` event (process start, domain, plan read). */
  beforeUploads?: number;
  files: number;
  bytes: number;
}

function collect(child: ChildProcess): { out: () => string; err: () => string } {
  let out = "";
  let err = "";
  child.stdout?.on("data", (d) => {
    out += d;
  });
  child.stderr?.on("data", (d) => {
    err += d;
  });
  return { out: () => out, err: () => err };
}

/** `cvk sandbox serve` on a free port with a fresh data directory. */
async function startSandbox(dataDir: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(
    process.execPath,
    [bin, "sandbox", "serve", "--data-dir", dataDir, "--port", "0", "--jobs", "polls:1000000", "--json"],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const output = collect(child);
  const url = await new Promise<string>((resolvePromise, reject) => {
    const onData = () => {
      for (const line of output.out().split("\n")) {
        try {
          const parsed = JSON.parse(line) as { type?: string; url?: string };
          if (parsed.type === "listening" && parsed.url) {
            child.stdout?.off("data", onData);
            resolvePromise(parsed.url);
            return;
          }
        } catch {}
      }
    };
    child.stdout?.on("data", onData);
    child.on("exit", (code) => reject(new Error(`cvk sandbox serve exited ${code}: ${output.err()}`)));
  });
  return {
    url,
    stop: () =>
      new Promise((resolvePromise) => {
        if (child.exitCode !== null) return resolvePromise();
        child.once("exit", () => resolvePromise());
        child.kill("SIGINT");
      }),
  };
}

async function createBuckets(url: string, buckets: string[]): Promise<S3Client> {
  const s3 = new S3Client({
    region: "us-west-2",
    endpoint: url,
    forcePathStyle: true,
    credentials: { accessKeyId: "x", secretAccessKey: "y" },
  });
  for (const bucket of buckets) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return s3;
}

async function countObjects(s3: S3Client, bucket: string): Promise<number> {
  let count = 0;
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, ...(token ? { ContinuationToken: token } : {}) }),
    );
    count += page.KeyCount ?? 0;
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return count;
}

/** `cvk enroll run` up to the end of its upload step, then SIGINT (no job is started). */
function cvkUpload(cwd: string, url: string, runDir: string): Promise<Measured> {
  return new Promise((resolvePromise, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(
      process.execPath,
      [
        bin,
        ...["enroll", "run", "plan", "--endpoint-url", url, "--run-dir", runDir, "--json"],
        ...(CVK_CONCURRENCY ? ["--concurrency", CVK_CONCURRENCY] : []),
      ],
      { cwd, env: { ...process.env, ...credentials }, stdio: ["ignore", "pipe", "pipe"] },
    );
    const output = collect(child);
    let measured: Measured | undefined;
    let beforeUploads: number | undefined;
    let pending = "";
    child.stdout.on("data", (chunk: Buffer) => {
      pending += chunk.toString("utf8");
      let newline = pending.indexOf("\n");
      while (newline >= 0 && !measured) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        newline = pending.indexOf("\n");
        let event: { type?: string; step?: string; summary?: { uploaded?: number; bytes?: number } };
        try {
          event = JSON.parse(line);
        } catch {
          continue;
        }
        if (event.step === "upload" && event.type === "started")
          beforeUploads = Number(process.hrtime.bigint() - start) / 1e9;
        if (event.step === "upload" && event.type === "finished") {
          measured = {
            seconds: Number(process.hrtime.bigint() - start) / 1e9,
            ...(beforeUploads === undefined ? {} : { beforeUploads }),
            files: event.summary?.uploaded ?? 0,
            bytes: event.summary?.bytes ?? 0,
          };
          child.kill("SIGINT");
        }
      }
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (measured) resolvePromise(measured);
      else reject(new Error(`cvk enroll run exited ${code} before its uploads finished:\n${output.err()}`));
    });
  });
}

function awsUpload(source: string, url: string, bytes: number): Promise<Measured> {
  return new Promise((resolvePromise, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(
      AWS,
      [
        "s3",
        "cp",
        "--recursive",
        source,
        "s3://bench-aws/in/recordings",
        "--endpoint-url",
        url,
        "--region",
        "us-west-2",
        "--only-show-errors",
      ],
      {
        env: { ...process.env, ...credentials, AWS_CONFIG_FILE: "/dev/null", AWS_PAGER: "" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const output = collect(child);
    child.on("error", reject);
    child.on("close", (code) => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (code !== 0) reject(new Error(`aws s3 cp exited ${code}:\n${output.err()}`));
      else resolvePromise({ seconds, files: FILES, bytes });
    });
  });
}

/** The sandbox's own ceiling: bare PutObject calls from one SDK client, RAW_IN_FLIGHT at once. */
const RAW_IN_FLIGHT = 48;
async function rawUpload(s3: S3Client, source: string, bytes: number): Promise<Measured> {
  const names = readdirSync(source);
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: RAW_IN_FLIGHT }, async () => {
      for (let name = names[next++]; name !== undefined; name = names[next++]) {
        const body = await readFile(join(source, name));
        await s3.send(
          new PutObjectCommand({ Bucket: "bench-raw", Key: `in/recordings/${name}`, Body: body }),
        );
      }
    }),
  );
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, files: names.length, bytes };
}

function runCli(args: string[], cwd: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    const output = collect(child);
    child.on("close", (code) =>
      code === 0
        ? resolvePromise()
        : reject(new Error(`cvk ${args.join(" ")} exited ${code}:\n${output.err()}`)),
    );
  });
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "cvk-bench-upload-"));
  const sandboxRoot = await mkdtemp(join(SANDBOX_ROOT, "cvk-bench-upload-sandbox-"));
  try {
    // The corpus: FILES distinct 10 s recordings, and a plan for them (not timed).
    const audio = join(dir, "recordings");
    mkdirSync(audio);
    const rows = ["customer_speaker_id,audio"];
    let bytes = 0;
    for (let i = 0; i < FILES; i++) {
      const wav = encodeWav({
        channels: [synthesizeTone(200 + i * 0.37, SECONDS, 8000, 0.3)],
        sampleRate: 8000,
      });
      const name = `r${String(i).padStart(5, "0")}.wav`;
      writeFileSync(join(audio, name), wav);
      bytes += wav.length;
      rows.push(`caller-${String(i).padStart(5, "0")},recordings/${name}`);
    }
    writeFileSync(join(dir, "callers.csv"), `${rows.join("\n")}\n`);
    writeFileSync(
      join(dir, "cvk.config.yaml"),
      `version: 1
environments:
  bench:
    region: us-west-2
    voiceId:
      domain:
        name: bench
        create: true
        kmsKeyId: alias/bench
    enrollment:
      inputS3Uri: s3://bench-cvk/in
      outputS3Uri: s3://bench-out/results/
      dataAccessRoleArn: arn:aws:iam::123456789012:role/bench
`,
    );
    await runCli(["enroll", "plan", "callers.csv", "--out", "plan", "--no-speech", "--min-speech", "1"], dir);

    const hasAws = await new Promise<boolean>((resolvePromise) => {
      const probe = spawn(AWS, ["--version"], { stdio: "ignore" });
      probe.on("error", () => resolvePromise(false));
      probe.on("close", (code) => resolvePromise(code === 0));
    });
    if (!hasAws) console.log(`${AWS} is not installed: the peer is skipped (apt-get install awscli).`);

    const cvkRuns: Measured[] = [];
    const awsRuns: Measured[] = [];
    const rawRuns: Measured[] = [];
    // One warm-up round (page cache, JIT), then RUNS rounds; the order alternates between rounds.
    for (let round = 0; round <= RUNS; round++) {
      const dataDir = join(sandboxRoot, `sandbox-${round}`);
      const sandbox = await startSandbox(dataDir);
      try {
        const s3 = await createBuckets(sandbox.url, ["bench-cvk", "bench-aws", "bench-raw"]);
        const cvk = () => cvkUpload(dir, sandbox.url, join(dir, `run-${round}`));
        const aws = () => awsUpload(audio, sandbox.url, bytes);
        let cvkResult: Measured;
        let awsResult: Measured | undefined;
        if (round % 2 === 0 || !hasAws) {
          cvkResult = await cvk();
          if (hasAws) awsResult = await aws();
        } else {
          awsResult = await aws();
          cvkResult = await cvk();
        }
        // Both really uploaded everything (cvk: the recordings and the manifest).
        const cvkObjects = await countObjects(s3, "bench-cvk");
        if (cvkObjects !== FILES + 1 || cvkResult.files !== FILES + 1)
          throw new Error(`cvk uploaded ${cvkResult.files}, bucket holds ${cvkObjects}`);
        if (hasAws && (await countObjects(s3, "bench-aws")) !== FILES)
          throw new Error("the AWS CLI did not upload every file");
        const rawResult = await rawUpload(s3, audio, bytes);
        if ((await countObjects(s3, "bench-raw")) !== FILES) throw new Error("raw PutObject lost files");
        s3.destroy();
        if (round > 0) {
          cvkRuns.push(cvkResult);
          if (awsResult) awsRuns.push(awsResult);
          rawRuns.push(rawResult);
        }
        console.log(
          `round ${round}${round === 0 ? " (warm-up)" : ""}: cvk ${cvkResult.seconds.toFixed(2)} s${awsResult ? `, aws ${awsResult.seconds.toFixed(2)} s` : ""}, raw PutObject ${rawResult.seconds.toFixed(2)} s`,
        );
      } finally {
        await sandbox.stop();
        await rm(dataDir, { recursive: true, force: true });
      }
    }

    const mbps = (m: Measured) => m.bytes / 1e6 / m.seconds;
    const fps = (m: Measured) => m.files / m.seconds;
    const cvkMb = cvkRuns.map(mbps);
    const cvkFiles = cvkRuns.map(fps);
    const awsMb = awsRuns.map(mbps);
    const awsFiles = awsRuns.map(fps);
    const rawName = `sandbox ceiling: bare PutObject, ${RAW_IN_FLIGHT} in flight, in-process SDK`;
    const label = `${FILES} × ${SECONDS} s 8 kHz PCM-16 (${(bytes / FILES / 1000).toFixed(0)} KB) to the sandbox over loopback`;
    const peerName = "aws s3 cp --recursive (aws-cli 2.9.19, Debian)";
    const figures: Figure[] = [
      {
        name: `upload ${label}: cvk enroll run upload step (${CVK_CONCURRENCY ?? "64, the default,"} in flight) vs ${peerName}`,
        unit: "MB/s",
        value: median(cvkMb),
        spread: spread(cvkMb),
        runs: RUNS,
        ...(hasAws
          ? {
              peer: { name: "aws s3 cp", value: median(awsMb) },
              ratio: median(cvkMb) / median(awsMb),
            }
          : { note: "aws CLI absent: no peer" }),
        limit: { name: rawName, value: median(rawRuns.map(mbps)) },
        goal: "ratio ≥ 2",
      },
      {
        name: `upload ${label}: files per second`,
        unit: "files/s",
        value: median(cvkFiles),
        spread: spread(cvkFiles),
        runs: RUNS,
        ...(hasAws
          ? {
              peer: { name: "aws s3 cp", value: median(awsFiles) },
              ratio: median(cvkFiles) / median(awsFiles),
            }
          : {}),
        limit: { name: rawName, value: median(rawRuns.map(fps)) },
        goal: "ratio ≥ 2",
      },
    ];
    // Each round's own ratio (cvk and the AWS CLI measured back to back, on the same sandbox): the
    // machine's speed drifts between rounds, and a paired ratio cancels the drift.
    const pairedRatios = awsRuns.map((aws, round) => mbps(cvkRuns[round] as Measured) / mbps(aws));
    if (pairedRatios.length > 0) {
      console.log(
        `per-round ratios: ${pairedRatios.map((ratio) => ratio.toFixed(2)).join(", ")} (median ${median(pairedRatios).toFixed(2)})`,
      );
    }
    report(CVK_CONCURRENCY ? `upload (cvk --concurrency ${CVK_CONCURRENCY})` : "upload", figures, {
      pairedRatios,
      files: FILES,
      bytesPerFile: bytes / FILES,
      cvkSeconds: cvkRuns.map((m) => m.seconds),
      cvkSecondsBeforeUploadStep: cvkRuns.map((m) => m.beforeUploads),
      awsSeconds: awsRuns.map((m) => m.seconds),
      rawPutObjectSeconds: rawRuns.map((m) => m.seconds),
      sandboxDataDir: SANDBOX_ROOT,
      note: "Both timed as CLI processes from spawn (process start included); cvk also uploads its manifest (FILES + 1 objects).",
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
    await rm(sandboxRoot, { recursive: true, force: true });
  }
}

await main();
