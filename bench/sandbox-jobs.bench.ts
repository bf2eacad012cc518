// Sandbox batch-job throughput: a speaker enrollment job of BENCH_JOB_REQUESTS requests (default
// 2,000: a rate, so a fifth of the 10,000-request quota measures it in ~4 minutes instead of ~17) with 35-second recordings runs to completion in the sandbox, served on a
// loopback port and driven by the real SDK. Reports requests/s and audio-seconds analysed per wall
// second (real time = 1×). BENCH_JOB_RECORDINGS distinct recordings (default 100) are shared by the
// requests so the corpus fits on disk; the sandbox's analysis cache is off, so every request is
// analysed in full.
import {
  CreateDomainCommand,
  DescribeSpeakerEnrollmentJobCommand,
  type DescribeSpeakerEnrollmentJobCommandOutput,
  StartSpeakerEnrollmentJobCommand,
  VoiceIDClient,
} from "@aws-sdk/client-voice-id";
import { encodeWav, synthesizeSpeech } from "@cvk/audio";
import { createSandbox, serveSandbox } from "@cvk/harness";
import { type Figure, report } from "./lib.ts";

const REQUESTS = Number(process.env.BENCH_JOB_REQUESTS ?? 2_000);
const RECORDINGS = Number(process.env.BENCH_JOB_RECORDINGS ?? 100);
const SECONDS = 35;

async function main(): Promise<void> {
  const sandbox = createSandbox({ jobs: { mode: "immediate" }, cacheAudioAnalysis: false });
  const server = await serveSandbox(sandbox, { port: 0 });
  const voiceId = new VoiceIDClient({
    region: "us-west-2",
    endpoint: server.url,
    credentials: { accessKeyId: "AKIDBENCH", secretAccessKey: "bench" },
  });
  try {
    const s3 = sandbox.engine.s3;
    s3.createBucket("bench-input", "us-west-2");
    s3.createBucket("bench-output", "us-west-2");
    for (let r = 0; r < RECORDINGS; r++) {
      const samples = synthesizeSpeech({
        voice: `bench-speaker-${r}`,
        seconds: SECONDS,
        sampleRate: 8000,
        seed: r,
        speechRatio: 0.95,
      });
      await s3.putObject(
        "bench-input",
        `audio/r${r}.wav`,
        encodeWav({ channels: [samples], sampleRate: 8000 }),
      );
    }
    const manifest = {
      Version: "1.0",
      SpeakerEnrollmentRequests: Array.from({ length: REQUESTS }, (_, i) => ({
        RequestId: `req-${i}`,
        SpeakerId: `caller-${i}`,
        AudioSpecifications: [{ S3Uri: `s3://bench-input/audio/r${i % RECORDINGS}.wav`, ChannelId: 0 }],
      })),
    };
    await s3.putObject("bench-input", "manifest.json", new TextEncoder().encode(JSON.stringify(manifest)));
    const domain = await voiceId.send(
      new CreateDomainCommand({
        Name: "bench",
        ServerSideEncryptionConfiguration: { KmsKeyId: "alias/bench" },
      }),
    );
    const domainId = domain.Domain?.DomainId ?? "";

    const start = process.hrtime.bigint();
    const started = await voiceId.send(
      new StartSpeakerEnrollmentJobCommand({
        DomainId: domainId,
        DataAccessRoleArn: "arn:aws:iam::123456789012:role/bench",
        InputDataConfig: { S3Uri: "s3://bench-input/manifest.json" },
        OutputDataConfig: { S3Uri: "s3://bench-output/jobs" },
        // Fraud checks against the (empty) default watchlist still run; nothing matches.
        EnrollmentConfig: { ExistingEnrollmentAction: "SKIP" },
      }),
    );
    const jobId = started.Job?.JobId ?? "";
    let status = "";
    let described: DescribeSpeakerEnrollmentJobCommandOutput | undefined;
    while (!["COMPLETED", "COMPLETED_WITH_ERRORS", "FAILED"].includes(status)) {
      described = await voiceId.send(
        new DescribeSpeakerEnrollmentJobCommand({ DomainId: domainId, JobId: jobId }),
      );
      status = described.Job?.JobStatus ?? "";
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (status !== "COMPLETED")
      throw new Error(`job ended ${status}: ${JSON.stringify(described?.Job?.FailureDetails)}`);
    const figures: Figure[] = [
      {
        name: `enrollment job, ${REQUESTS} requests × ${SECONDS} s recordings, to COMPLETED`,
        unit: "requests/s",
        value: REQUESTS / seconds,
        runs: 1,
        note: `${seconds.toFixed(1)} s wall`,
      },
      {
        name: "audio analysed per wall second (checks, net speech, voiceprint, fraud comparison)",
        unit: "× real time",
        value: (REQUESTS * SECONDS) / seconds,
        runs: 1,
      },
    ];
    report("sandbox-jobs", figures, {
      requests: REQUESTS,
      recordings: RECORDINGS,
      secondsPerRecording: SECONDS,
    });
  } finally {
    voiceId.destroy();
    await server.close();
    sandbox.close();
  }
}

await main();
