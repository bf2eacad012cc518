// `verifySpeakers` (what `cvk verify speakers` runs) on a domain of BENCH_VERIFY_SPEAKERS speakers
// (default 100,000, the per-domain quota), every one of them expected, against the sandbox served on
// loopback with quota enforcement on: a request over the documented TPS gets ThrottlingException, as
// on AWS (ListSpeakers 5 TPS, DescribeSpeaker 10 TPS; aws-facts.md §3). The clients pace themselves
// through a fresh QuotaLimiter per run, as cvk's do.
// Goals (issue 7): ≤ 1,010 API calls, and wall time within 10% of the quota bound (calls ÷ TPS).
// The peer, in the same run: the per-caller plan (one DescribeSpeaker per caller). At 100,000 callers
// it is 100,000 calls at 10 TPS = 10,000 s, so it is measured on BENCH_VERIFY_SAMPLE callers (default
// 500, ~50 s) and extrapolated linearly to the whole domain — the figure says so.
// Speakers are loaded with the sandbox's seedSpeakers (no enrollment jobs: seeding is not what is
// measured). Scale with BENCH_VERIFY_SPEAKERS, BENCH_VERIFY_SAMPLE and BENCH_RUNS (default 3; at
// 100,000 speakers each run takes ~4 minutes, so one run is the default there). Build first (`npx turbo run build`).
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateDomainCommand } from "@aws-sdk/client-voice-id";
import { createAwsClients, DOCUMENTED_QUOTAS, QuotaLimiter } from "@cvk/core";
import { createSandbox, serveSandbox } from "@cvk/harness";
import { verifySpeakers } from "@cvk/verification";
import { type Figure, median, report, spread } from "./lib.ts";

const SPEAKERS = Number(process.env.BENCH_VERIFY_SPEAKERS ?? 100_000);
const SAMPLE = Math.min(SPEAKERS, Number(process.env.BENCH_VERIFY_SAMPLE ?? 500));
// Paced by the quota, the sweep's time is nearly deterministic: one run at the full domain (~4
// minutes) unless BENCH_VERIFY_RUNS or BENCH_RUNS asks for more.
const RUNS = Number(process.env.BENCH_VERIFY_RUNS ?? process.env.BENCH_RUNS ?? (SPEAKERS >= 50_000 ? 1 : 3));
const LIST_TPS = DOCUMENTED_QUOTAS["voiceid:ListSpeakers"]?.tps ?? 5;
const DESCRIBE_TPS = DOCUMENTED_QUOTAS["voiceid:DescribeSpeaker"]?.tps ?? 10;
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

interface Measured {
  seconds: number;
  /** Every request the sandbox answered during the run, throttled ones included. */
  calls: number;
  throttled: number;
  strategy: string;
  enrolled: number;
}

async function main(): Promise<void> {
  // tmpfs when there is one: the sandbox writes its state through to disk, and the domain's 256
  // speaker shards should not make the seeding measure the disk.
  const root = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
  const dataDir = await mkdtemp(join(root, "cvk-bench-verify-"));
  const sandbox = createSandbox({ dataDir, enforceQuotas: true });
  const server = await serveSandbox(sandbox, { port: 0 });
  try {
    const setup = await createAwsClients({
      region: "us-west-2",
      endpoint: server.url,
      credentials: { accessKeyId: "AKIDBENCH", secretAccessKey: "bench" },
    });
    const { Domain } = await setup.voiceId.send(
      new CreateDomainCommand({
        Name: "bench-verify",
        ServerSideEncryptionConfiguration: { KmsKeyId: "alias/bench" },
      }),
    );
    setup.destroy();
    const domainId = Domain?.DomainId ?? "";
    const expected = Array.from({ length: SPEAKERS }, (_, i) => ({ customerSpeakerId: `caller-${i}` }));
    const seedStart = process.hrtime.bigint();
    sandbox.engine.voiceId.seedSpeakers(domainId, expected);
    const seedSeconds = Number(process.hrtime.bigint() - seedStart) / 1e9;
    console.log(`seeded ${SPEAKERS} speakers in ${seedSeconds.toFixed(1)} s`);

    const measure = async (strategy: "auto" | "describe", callers: typeof expected): Promise<Measured> => {
      // A fresh limiter and clients per run; the pause lets the server's token buckets refill too.
      await new Promise((r) => setTimeout(r, 1500));
      const clients = await createAwsClients({
        region: "us-west-2",
        endpoint: server.url,
        credentials: { accessKeyId: "AKIDBENCH", secretAccessKey: "bench" },
        limiter: new QuotaLimiter(),
      });
      const before = sandbox.log.entries({ service: "voiceid" }).length;
      const start = process.hrtime.bigint();
      const result = await verifySpeakers({
        voiceId: clients.voiceId,
        domainId,
        expected: callers,
        strategy,
      });
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      clients.destroy();
      const entries = sandbox.log.entries({ service: "voiceid" }).slice(before);
      if (result.counts.ENROLLED !== callers.length)
        throw new Error(`expected every caller ENROLLED: ${JSON.stringify(result.counts)}`);
      return {
        seconds,
        calls: entries.length,
        throttled: entries.filter((e) => e.error === "ThrottlingException").length,
        strategy: result.plan.strategy,
        enrolled: result.counts.ENROLLED,
      };
    };

    const sweeps: Measured[] = [];
    const perCaller: Measured[] = [];
    for (let run = 0; run < RUNS; run++) {
      const sweep = await measure("auto", expected);
      sweeps.push(sweep);
      console.log(
        `run ${run + 1}: ${sweep.strategy} ${sweep.seconds.toFixed(1)} s, ${sweep.calls} calls (${sweep.throttled} throttled)`,
      );
      // The same number of random callers each run, a different sample each time.
      const offset = Math.floor(Math.random() * Math.max(1, SPEAKERS - SAMPLE));
      const sample = await measure("describe", expected.slice(offset, offset + SAMPLE));
      perCaller.push(sample);
      console.log(
        `run ${run + 1}: per-caller ${SAMPLE} in ${sample.seconds.toFixed(1)} s, ${sample.calls} calls (${sample.throttled} throttled)`,
      );
    }

    const sweepSeconds = sweeps.map((m) => m.seconds);
    const sweepCalls = Math.max(...sweeps.map((m) => m.calls));
    // The quota bound of what was sent: ListSpeakers at 5 TPS (the few domain calls ride along).
    const bound = median(sweeps.map((m) => m.calls)) / LIST_TPS;
    const perCallerRate = perCaller.map((m) => m.calls / m.seconds);
    const extrapolated = perCaller.map((m) => (m.seconds / SAMPLE) * SPEAKERS);
    const figures: Figure[] = [
      {
        name: `verify ${SPEAKERS.toLocaleString("en-US")} expected speakers (auto plan: ${sweeps[0]?.strategy}), wall time`,
        unit: "s",
        value: median(sweepSeconds),
        spread: spread(sweepSeconds),
        runs: RUNS,
        limit: { name: `quota bound, calls ÷ ${LIST_TPS} TPS`, value: bound },
        peer: {
          name: `per-caller DescribeSpeaker plan, ${SAMPLE} callers measured, extrapolated ×${(SPEAKERS / SAMPLE).toFixed(0)}`,
          value: median(extrapolated),
        },
        ratio: median(extrapolated) / median(sweepSeconds),
        goal: "≤ 1.10 × quota bound",
        note: `${(median(sweepSeconds) / bound).toFixed(3)} × the quota bound`,
      },
      {
        name: "API calls to verify the domain (every request the sandbox answered)",
        unit: "calls",
        value: sweepCalls,
        runs: RUNS,
        limit: { name: `⌈${SPEAKERS} / 100⌉ ListSpeakers pages`, value: Math.ceil(SPEAKERS / 100) },
        goal: "≤ 1,010",
        note: `${Math.max(...sweeps.map((m) => m.throttled))} throttled at most; per-caller plan: ${SPEAKERS} calls`,
      },
      {
        name: `per-caller plan: DescribeSpeaker rate over ${SAMPLE} callers`,
        unit: "calls/s",
        value: median(perCallerRate),
        spread: spread(perCallerRate),
        runs: RUNS,
        limit: { name: "DescribeSpeaker quota", value: DESCRIBE_TPS },
      },
    ];
    report("verify", figures, {
      speakers: SPEAKERS,
      sample: SAMPLE,
      seedSeconds,
      sweeps,
      perCaller,
      wallOverBound: sweepSeconds.map((s) => s / bound),
    });
  } finally {
    await server.close();
    sandbox.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
