// Shared by the migration tests and the CLI's black-box migrate tests; excluded from the build
// (tsconfig.build.json: src/**/test-support.ts). Writes a small project: recordings, lists, config.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodeWav, synthesizeSpeech } from "@cvk/audio";

export const DEV_INSTANCE_ID = "3f6c1a52-7d2e-4b8e-9a41-0c5e8d7b2a11";
export const PROD_INSTANCE_ID = "9b2e4f71-1c3d-4e5f-8a9b-6d7c8e9f0a12";

export interface MiniProjectOptions {
  /** Good callers (default 6). */
  callers?: number;
  /** Seconds per good recording (default 6: with a 3 s minimum). */
  seconds?: number;
  /** enrollment.minNetSpeechSeconds (default 3; the sandbox must be created with the same). */
  minSpeech?: number;
  /** Add a 16 kHz recording (prepare fixes it), a too-short one and a fraudster's voice (default true). */
  defects?: boolean;
  phoneNumbers?: boolean;
}

function wav(voice: string, seconds: number, seed: number, sampleRate = 8000): Uint8Array {
  return encodeWav({
    channels: [synthesizeSpeech({ voice, seconds, sampleRate, seed, speechRatio: 0.92 })],
    sampleRate,
  });
}

/**
 * A project in `dir`: `cvk.config.yaml` with `dev` and `prod`, `callers.csv` and `fraudsters.csv`
 * with their recordings. Returns the config path.
 */
export function writeMiniProject(dir: string, options: MiniProjectOptions = {}): string {
  const seconds = options.seconds ?? 6;
  const minSpeech = options.minSpeech ?? 3;
  const count = options.callers ?? 6;
  mkdirSync(join(dir, "recordings"), { recursive: true });
  const callers = ["customer_speaker_id,audio,channel"];
  for (let i = 1; i <= count; i++) {
    const id = `caller-${String(i).padStart(2, "0")}`;
    writeFileSync(join(dir, "recordings", `${id}.wav`), wav(`voice-${id}`, seconds, i));
    callers.push(`${id},recordings/${id}.wav,0`);
  }
  if (options.defects !== false) {
    writeFileSync(join(dir, "recordings", "wideband.wav"), wav("voice-wideband", seconds, 1, 16000));
    callers.push("caller-wideband,recordings/wideband.wav,0");
    writeFileSync(join(dir, "recordings", "short.wav"), wav("voice-short", Math.max(1, minSpeech / 3), 1));
    callers.push("caller-short,recordings/short.wav,0");
    // A voiceprint needs ~10 s of speech to match its fraudster reliably (≥ 75 against the threshold 60).
    writeFileSync(
      join(dir, "recordings", "impostor.wav"),
      wav("voice-fraudster-1", Math.max(seconds, 12), 77),
    );
    callers.push("caller-impostor,recordings/impostor.wav,0");
  }
  writeFileSync(join(dir, "callers.csv"), `${callers.join("\n")}\n`);
  mkdirSync(join(dir, "recordings", "fraudsters"), { recursive: true });
  writeFileSync(
    join(dir, "recordings", "fraudsters", "F-1.wav"),
    wav("voice-fraudster-1", Math.max(seconds, 12), 901),
  );
  writeFileSync(
    join(dir, "fraudsters.csv"),
    "customer_speaker_id,audio,channel\nF-1,recordings/fraudsters/F-1.wav,0\n",
  );
  const env = (name: string, region: string, instanceId: string, number: string) => `  ${name}:
    region: ${region}
    voiceId:
      domain:
        name: cvk-test-${name}
    enrollment:
      inputS3Uri: s3://cvk-test-${name}-input/recordings
      outputS3Uri: s3://cvk-test-${name}-output/jobs
      dataAccessRoleArn: arn:aws:iam::123456789012:role/cvk-test-${name}
    connect:
      instanceId: ${instanceId}
${options.phoneNumbers === false ? "" : `      phoneNumbers:\n        - number: "${number}"\n          flow: cvk Voice ID authentication\n`}`;
  const config = `version: 1
defaults:
  accountId: "123456789012"
  voiceId:
    domain:
      kmsKeyId: alias/cvk-test
      create: true
    watchlist:
      name: known-fraudsters
  enrollment:
    callers: callers.csv
    minNetSpeechSeconds: ${minSpeech}
    existingEnrollmentAction: SKIP
    fraudDetection:
      action: FAIL
      riskThreshold: 60
  fraudsters:
    list: fraudsters.csv
  connect:
    flows:
      - name: cvk Voice ID authentication
        template: voiceid-sample-flow
        parameters:
          customerId: $.Attributes.customerSpeakerId
environments:
${env("dev", "us-west-2", DEV_INSTANCE_ID, "+12065550150")}
${env("prod", "us-east-1", PROD_INSTANCE_ID, "+12065550160")}`;
  const path = join(dir, "cvk.config.yaml");
  writeFileSync(path, config);
  return path;
}
