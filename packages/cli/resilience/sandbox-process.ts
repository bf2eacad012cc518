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
import { expect } from "vitest";
import { bin, type CvkRun, type KillPoint } from "../test/cvk-bin.ts";

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
  options: { minSpeechSeconds: number; buckets: string[]; faults?: object; jobs?: string },
): Promise<SandboxProcess> {
  const requestLog = `${dataDir}.requests.jsonl`;
  const args = ["sandbox", "serve", "--port", "0", "--data-dir", dataDir, "--json"];
  args.push("--min-speech", String(options.minSpeechSeconds), "--request-log", requestLog);
  if (options.jobs) args.push("--jobs", options.jobs);
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
      let enrollmentToken: string | undefined;
      do {
        const page = await client.send(
          new ListSpeakerEnrollmentJobsCommand({
            DomainId,
            ...(enrollmentToken ? { NextToken: enrollmentToken } : {}),
          }),
        );
        result.enrollment.push(...(page.JobSummaries ?? []));
        enrollmentToken = page.NextToken;
      } while (enrollmentToken);
      let registrationToken: string | undefined;
      do {
        const page = await client.send(
          new ListFraudsterRegistrationJobsCommand({
            DomainId,
            ...(registrationToken ? { NextToken: registrationToken } : {}),
          }),
        );
        result.registration.push(...(page.JobSummaries ?? []));
        registrationToken = page.NextToken;
      } while (registrationToken);
    }
    return result;
  } finally {
    client.destroy();
  }
}

/** How a crash run may stop on its own: clearly, and resumably (the hint says to re-run). */
export const RESUMABLE_CODES = ["JOB_FAILED", "AWS_SERVICE", "AWS_THROTTLED", "AWS_UNREACHABLE"];

/** The CvkError a run ended with (`--json`: an `error` line on stdout). */
export function failureOf(run: CvkRun): { code?: string; message?: string; hint?: string } | undefined {
  return run.events.findLast((event) => event.type === "error") as
    | { code?: string; message?: string; hint?: string }
    | undefined;
}

export function errorCode(run: CvkRun): string | undefined {
  return failureOf(run)?.code;
}

/** What a failed assertion shows of a run: its error, or the end of its output. */
export function shown(run: CvkRun): string {
  return JSON.stringify(failureOf(run)) ?? `${run.stdout.slice(-1500)}\n${run.stderr.slice(-500)}`;
}

/** Distinct jobs the sandbox created, from its request log (an idempotent replay names the same job). */
export function jobsCreated(sandbox: SandboxProcess, operation: string): string[] {
  return [
    ...new Set(
      sandbox
        .requests()
        .filter((entry) => entry.operation === operation && entry.status === 200 && entry.resource)
        .map((entry) => entry.resource as string),
    ),
  ];
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

/** A stretch of a migration where a crash run may kill it, and which of its events count. */
export interface CrashStage {
  name: string;
  /** The migration step it lies in: the title `<env>/migrate` announces it with. */
  during: string;
  /** The events that count (their `step`), and optionally their message. */
  step: RegExp;
  message?: RegExp;
  /** Also kill once at the stage's first event (a job just started, before it was polled). */
  entry?: boolean;
  /** Random kills land after 1–maxEvents of its progress events; 0: none here. */
  maxEvents: number;
}

/** A kill point to arm afresh for each invocation (it counts events as they come). */
export interface CrashKill {
  name: string;
  arm(): KillPoint;
}

/**
 * Kill points for a crash run of `cvk migrate`, in the order a resumed migration reaches them:
 * `count` random ones (seeded), each in a stage drawn at random after a random number of its
 * progress events, plus one at the entry of each `entry` stage. A stage is reachable again after a
 * kill because every step either restarts (checks, plan, verify) or resumes where it stopped; a
 * kill whose stage ends early fires at the first event of a later stage.
 */
export function crashKillPoints(seed: number, count: number, stages: CrashStage[]): CrashKill[] {
  const random = seededRandom(seed);
  const eligible = stages
    .map((stage, index) => ({ stage, index }))
    .filter(({ stage }) => stage.maxEvents > 0);
  const drawn = Array.from({ length: count }, () => {
    const { index, stage } = eligible[Math.floor(random() * eligible.length)] ?? {
      index: 0,
      stage: stages[0],
    };
    return { index, after: 1 + Math.floor(random() * (stage?.maxEvents ?? 1)) };
  });
  /** The stage an event belongs to (the latest that matches), given the migration step it is in. */
  const stageOf = (during: string, step: string, message: string): number => {
    let found = -1;
    stages.forEach((stage, index) => {
      if (stage.during === during && stage.step.test(step) && (!stage.message || stage.message.test(message)))
        found = index;
    });
    return found;
  };
  const kill = (name: string, own: number, after: number, anyType: boolean): CrashKill => ({
    name,
    arm: () => {
      let during = "";
      let seen = 0;
      return {
        name,
        when: (e) => {
          const step = String(e.step ?? "");
          const message = String(e.message ?? "");
          if (/\/migrate$/.test(step) && e.type === "progress") during = message;
          const stage = stageOf(during, step, message);
          // A stage can end before the kill's count (a job that FAILED at once): the migration
          // then moves on, and the kill lands at the first event past the stage instead.
          if (stage > own) return true;
          return stage === own && (anyType || e.type === "progress") && ++seen >= after;
        },
      };
    },
  });
  const kills: CrashKill[] = [];
  stages.forEach((stage, index) => {
    if (stage.entry) kills.push(kill(`${stage.name}: its first event`, index, 1, true));
    for (const { after } of drawn.filter((d) => d.index === index).sort((a, b) => a.after - b.after)) {
      kills.push(kill(`random: ${stage.name}, progress event ${after}`, index, after, false));
    }
  });
  return kills;
}

/**
 * A crash run: `invoke` once per kill point, each armed afresh, then once more without one. A run
 * may stop on its own before its kill point (at most `maxStops` times in all) only with a resumable
 * error whose hint says to re-run; it is then invoked again with the same kill point armed anew.
 * Every kill point must be reached before the work could finish, and the last run must succeed.
 */
export async function runThroughKills(
  kills: CrashKill[],
  invoke: (kill?: KillPoint) => Promise<CvkRun>,
  maxStops = 3,
): Promise<{ outcomes: string[]; stoppedOnTheirOwn: CvkRun[] }> {
  const outcomes: string[] = [];
  const stoppedOnTheirOwn: CvkRun[] = [];
  const stoppedOnItsOwn = (run: CvkRun, name: string) => {
    stoppedOnTheirOwn.push(run);
    outcomes.push(`${name}: stopped on its own, exit ${run.code} ${errorCode(run)}`);
    expect(RESUMABLE_CODES, shown(run)).toContain(errorCode(run));
    expect(failureOf(run)?.hint, shown(run)).toMatch(/re-run/i);
    expect(stoppedOnTheirOwn.length, "runs that stopped on their own").toBeLessThanOrEqual(maxStops);
  };
  for (const kill of kills) {
    let run = await invoke(kill.arm());
    while (!run.killedAt && run.code !== 0) {
      stoppedOnItsOwn(run, kill.name);
      run = await invoke(kill.arm());
    }
    outcomes.push(`${kill.name}: ${run.killedAt ? `killed at ${run.killedAt}` : `exit ${run.code}`}`);
    expect(run.killedAt, `${outcomes.join("\n")}\n${shown(run)}`).toBeDefined();
  }
  let final = await invoke();
  while (final.code !== 0) {
    stoppedOnItsOwn(final, "final run");
    final = await invoke();
  }
  outcomes.push("final run: exit 0");
  return { outcomes, stoppedOnTheirOwn };
}

/**
 * Removes a scratch folder of a scale run in a detached process, so the suite does not wait on it:
 * tens of thousands of files, and on a file system mounted with `discard` each unlink waits for the
 * device (minutes for one 25,000-caller run).
 */
export function removeInBackground(path: string): void {
  const script = "require('node:fs').rmSync(process.argv[1], { recursive: true, force: true })";
  spawn(process.execPath, ["-e", script, path], { detached: true, stdio: "ignore" }).unref();
}
