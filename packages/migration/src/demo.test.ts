import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { readWavInfoSync } from "@cvk/audio";
import { describe, expect, it } from "vitest";
import { demoFixturesDir, materializeDemo, readDemoRecordings } from "./demo.ts";
import { parseCsv } from "./enrollment-step.ts";

const HEADER =
  "file,voice,seconds,seed,speech_ratio,sample_rate,channels,voice_channel,encoding,truncate,note";

function fixtures(rows: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), "cvk-demo-fixtures-"));
  writeFileSync(join(dir, "recordings.csv"), `${[HEADER, ...rows].join("\n")}\n`);
  for (const file of ["cvk.config.yaml", "callers.csv", "fraudsters.csv"])
    writeFileSync(join(dir, file), "x\n");
  return dir;
}

describe("the shipped demo fixtures", () => {
  it("list 200 callers whose every recording recordings.csv says how to make, bad ones included", () => {
    const dir = demoFixturesDir();
    expect(dir).toBe(resolve(import.meta.dirname, "../../../fixtures/demo"));
    const recordings = readDemoRecordings(join(dir as string, "recordings.csv"));
    const files = new Set(recordings.map((r) => `recordings/${r.file}`));
    const callers = parseCsv(readFileSync(join(dir as string, "callers.csv"), "utf8"));
    expect(new Set(callers.map((c) => c.customer_speaker_id)).size).toBe(200);
    for (const caller of callers) expect(files.has(caller.audio ?? "")).toBe(true);
    for (const fraudster of parseCsv(readFileSync(join(dir as string, "fraudsters.csv"), "utf8")))
      expect(files.has(fraudster.audio ?? "")).toBe(true);
    expect(recordings.filter((r) => r.sampleRate === 16000).length).toBeGreaterThan(0);
    expect(recordings.filter((r) => r.channels === 2).length).toBeGreaterThan(0);
    expect(recordings.filter((r) => r.encoding === "mulaw").length).toBeGreaterThan(0);
    expect(recordings.filter((r) => r.truncate < 1).length).toBeGreaterThan(0);
    expect(recordings.filter((r) => r.voice.startsWith("voice-fraudster-")).length).toBeGreaterThan(3);
  });
});

describe("readDemoRecordings", () => {
  it("names the line and column of a bad row", () => {
    const dir = fixtures(["a.wav,v,5,1,0.9,8000,1,0,mp3,1,"]);
    expect(() => readDemoRecordings(join(dir, "recordings.csv"))).toThrow(
      /recordings\.csv:2: encoding "mp3"/,
    );
    const outside = fixtures(["../a.wav,v,5,1,0.9,8000,1,0,pcm,1,"]);
    expect(() => readDemoRecordings(join(outside, "recordings.csv"))).toThrow(
      /must be a relative \.wav path/,
    );
  });
});

describe("materializeDemo", () => {
  it("generates each recording once, deterministically, with its defects", async () => {
    const dir = fixtures([
      "a.wav,voice-a,4,1,0.9,8000,1,0,pcm,1,",
      'b.wav,voice-b,3,2,0.9,16000,2,1,mulaw,1,"stereo, mu-law"',
      "c.wav,voice-c,4,3,0.9,8000,1,0,pcm,0.5,truncated",
    ]);
    const first = mkdtempSync(join(tmpdir(), "cvk-demo-"));
    const made = await materializeDemo({ dir: first, fixturesDir: dir, threads: 1 });
    expect(made).toMatchObject({ recordings: 3, generated: 3 });
    const again = await materializeDemo({ dir: first, fixturesDir: dir, threads: 1 });
    expect(again.generated).toBe(0);
    const second = mkdtempSync(join(tmpdir(), "cvk-demo-"));
    await materializeDemo({ dir: second, fixturesDir: dir, threads: 1 });
    for (const file of ["a.wav", "b.wav", "c.wav"])
      expect(
        readFileSync(join(first, "recordings", file)).equals(readFileSync(join(second, "recordings", file))),
      ).toBe(true);
    expect(readWavInfoSync(join(first, "recordings", "b.wav"))).toMatchObject({
      channels: 2,
      sampleRate: 16000,
      encoding: "mulaw",
    });
    expect(readWavInfoSync(join(first, "recordings", "c.wav")).truncated).toBe(true);
    // A changed row is generated again; the others are kept.
    writeFileSync(
      join(dir, "recordings.csv"),
      `${[HEADER, "a.wav,voice-a,4,1,0.9,8000,1,0,pcm,1,", 'b.wav,voice-b,3,2,0.9,16000,2,1,mulaw,1,"stereo, mu-law"', "c.wav,voice-c,5,3,0.9,8000,1,0,pcm,0.5,truncated"].join("\n")}\n`,
    );
    expect((await materializeDemo({ dir: first, fixturesDir: dir, threads: 1 })).generated).toBe(1);
  });
});
