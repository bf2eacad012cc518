import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import {
  type FraudsterRegistrationJobSummary,
  ListDomainsCommand,
  ListFraudsterRegistrationJobsCommand,
  ListSpeakerEnrollmentJobsCommand,
  type SpeakerEnrollmentJobSummary,
  VoiceIDClient,
} from "@aws-sdk/client-voice-id";
import { seededRandom } from "@cvk/core";
import type { LoggedRequest } from "@cvk/harness";
import { bin, type KillPoint } from "../test/cvk-bin.ts";

/** Any key works on the sandbox; the resilience runs pass these to every cvk and SDK client. */
export const CREDENTIALS = { AWS_ACCESS_KEY_ID: "AKIDSCALE", AWS_SECRET_ACCESS_KEY: "scale-secret" };
const clientConfig = (endpoint: string) => ({
  region: "us-west-2",
  endpoint,
  credentials: {
    accessKeyId: CREDENTIALS.AWS_ACCESS_KEY_ID,
    secretAccessKey: CREDENTIALS.AWS_SECRET_ACCESS_KEY,
  },
  // Faults are drawn per request, so the test's own calls retry like any client would.
  maxAttempts: 10,
});

export interface SandboxProcess {
  url: string;
  /** The `--request-log` file: every request the sandbox answered, one JSON line each. */
  requestLog: string;
  /** The requests logged so far. */
  requests(): LoggedRequest[];
  stop(): Promise<void>;
}

/**
 * `cvk sandbox serve` as its own process on a free port, its state in `dataDir`, with the buckets
 * `buckets` created, `faults` injected (a `--faults` file) and every request logged to a file.
 */
export async function serveSandboxProcess(
  dataDir: string,
  options: { minSpeechSeconds: number; buckets: string[]; faults?: object },
): Promise<SandboxProcess> {
  const requestLog = `${dataDir}.requests.jsonl`;
  const args = ["sandbox", "serve", "--port", "0", "--data-dir", dataDir, "--json"];
  args.push("--min-speech", String(options.minSpeechSeconds), "--request-log", requestLog);
  if (options.faults) {
    const file = `${dataDir}.faults.json`;
    writeFileSync(file, JSON.stringify(options.faults));
    args.push("--faults", file);
  }
  const child: ChildProcess = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stderr?.on("data", (d) => {
    err += d;
  });
  const url = await new Promise<string>((resolvePromise, reject) => {
    child.stdout?.on("data", (d) => {
      out += d;
      const match = /"url":"([^"]+)"/.exec(out);
      if (match?.[1]) resolvePromise(match[1]);
    });
    child.on("exit", (code) => reject(new Error(`sandbox serve exited ${code}: ${err}`)));
  });
  const s3 = new S3Client({ ...clientConfig(url), forcePathStyle: true });
  for (const bucket of options.buckets) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  s3.destroy();
  return {
    url,
    requestLog,
    requests: () =>
      readFileSync(requestLog, "utf8")
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as LoggedRequest),
    stop: () =>
      new Promise((resolvePromise) => {
        if (child.exitCode !== null) return resolvePromise();
        child.once("exit", () => resolvePromise());
        child.kill("SIGINT");
      }),
  };
}

export interface SandboxJobs {
  domains: string[];
  enrollment: SpeakerEnrollmentJobSummary[];
  registration: FraudsterRegistrationJobSummary[];
}

/** Every job of every domain on the sandbox at `url`, through the Voice ID List APIs. */
export async function sandboxJobs(url: string): Promise<SandboxJobs> {
  const client = new VoiceIDClient(clientConfig(url));
  try {
    const { DomainSummaries = [] } = await client.send(new ListDomainsCommand({}));
    const result: SandboxJobs = {
      domains: DomainSummaries.map((d) => d.Name ?? ""),
      enrollment: [],
      registration: [],
    };
    for (const { DomainId } of DomainSummaries) {
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListSpeakerEnrollmentJobsCommand({ DomainId, ...(token ? { NextToken: token } : {}) }),
        );
        result.enrollment.push(...(page.JobSummaries ?? []));
        token = page.NextToken;
      } while (token);
      do {
        const page = await client.send(
          new ListFraudsterRegistrationJobsCommand({ DomainId, ...(token ? { NextToken: token } : {}) }),
        );
        result.registration.push(...(page.JobSummaries ?? []));
        token = page.NextToken;
      } while (token);
    }
    return result;
  } finally {
    client.destroy();
  }
}

/** Jobs by the shard number in their name (`cvk-<plan id>-shard-NNN-<attempt>`). */
export function jobsByShard<T extends { JobName?: string | undefined }>(jobs: T[]): Map<string, T[]> {
  const shards = new Map<string, T[]>();
  for (const job of jobs) {
    const shard = /-shard-(\d{3})-\d+$/.exec(job.JobName ?? "")?.[1] ?? `? ${job.JobName}`;
    shards.set(shard, [...(shards.get(shard) ?? []), job]);
  }
  return shards;
}

/** Generated ids (speakers, the watchlist) differ between sandboxes; everything else must be identical. */
export function comparableReport(rows: Record<string, string>[]): string[] {
  return rows
    .map((row) =>
      JSON.stringify({
        ...row,
        generated_speaker_id: row.generated_speaker_id ? "<id>" : "",
        reason: (row.reason ?? "").replace(/watchlist [A-Za-z0-9]{22}/g, "watchlist <id>"),
      }),
    )
    .sort();
}

/**
 * Kill points for a crash run: `count` drawn from a seeded PRNG — each kills its invocation after
 * 1–`maxEvents` progress events, so they fall across every step a resumed run passes through —
 * then one inside each shard's job (an event of the `jobs` step, any prefix, naming "shard k/n").
 */
export function crashKillPoints(seed: number, count: number, maxEvents: number, shards: number): KillPoint[] {
  const random = seededRandom(seed);
  const kills: KillPoint[] = [];
  for (let k = 0; k < count; k++) {
    const after = 1 + Math.floor(random() * maxEvents);
    let seen = 0;
    kills.push({
      name: `random kill ${k + 1}: after ${after} progress event(s)`,
      when: (e) => e.type === "progress" && ++seen >= after,
    });
  }
  for (let shard = 1; shard <= shards; shard++) {
    const inShardJob = new RegExp(`shard ${shard}/${shards}\\b`);
    kills.push({
      name: `shard ${shard}'s job running`,
      when: (e) => /(^|\/)jobs$/.test(String(e.step)) && inShardJob.test(String(e.message ?? "")),
    });
  }
  return kills;
}
