import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeWav, synthesizeSpeech } from "@cvk/audio";
import { describe, expect, it } from "vitest";
import { cvk } from "./cvk-bin.ts";

function workspace(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "cvk-enroll-cli-")));
  mkdirSync(join(dir, "rec"));
  const speech = synthesizeSpeech({ voice: "cli", seconds: 6, sampleRate: 8000, seed: 2 });
  writeFileSync(join(dir, "rec", "a.wav"), encodeWav({ channels: [speech], sampleRate: 8000 }));
  writeFileSync(join(dir, "rec", "b.wav"), encodeWav({ channels: [speech], sampleRate: 16000 }));
  writeFileSync(
    join(dir, "callers.csv"),
    "customer_speaker_id,audio\ncaller0001,rec/a.wav\ncaller0002,rec/b.wav\n",
  );
  return dir;
}

describe("cvk enroll plan / prepare (black-box)", () => {
  it("writes a plan, exits 0 and says how many callers were excluded", () => {
    const dir = workspace();
    const result = cvk(
      [
        "enroll",
        "plan",
        "callers.csv",
        "--out",
        "plan",
        "--input-s3-uri",
        "s3://input-bucket/cvk",
        "--min-speech",
        "3",
        "--concurrency",
        "1",
      ],
      dir,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("1 callers planned in 1 manifest(s), 1 excluded");
    expect(result.stdout).toContain("SAMPLE_RATE: 1");
    expect(existsSync(join(dir, "plan", "plan.json"))).toBe(true);
    const json = cvk(
      [
        "enroll",
        "plan",
        "callers.csv",
        "--out",
        "plan2",
        "--input-s3-uri",
        "s3://input-bucket/cvk",
        "--min-speech",
        "3",
        "--json",
      ],
      dir,
    );
    expect(json.code).toBe(0);
    const lines = json.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.find((l) => l.type === "plan")?.plan.counts.plannedSpeakers).toBe(1);
  });

  it("exits 2 without a stack trace or a half-written plan on input and usage errors", () => {
    const dir = workspace();
    writeFileSync(join(dir, "broken.csv"), 'customer_speaker_id,audio\ncaller1,"rec/a.wav\n');
    const broken = cvk(
      ["enroll", "plan", "broken.csv", "--out", "plan", "--input-s3-uri", "s3://input-bucket/cvk"],
      dir,
    );
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain("cvk: INPUT_INVALID:");
    expect(broken.stderr).toContain("broken.csv:2");
    expect(broken.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, "plan", "plan.json"))).toBe(false);
    expect(existsSync(join(dir, "plan")) ? readdirSync(join(dir, "plan")) : []).toEqual([]);

    writeFileSync(join(dir, "escape.csv"), "customer_speaker_id,audio\ncaller1,../x.wav\n");
    const outside = cvk(
      ["enroll", "plan", "escape.csv", "--out", "plan", "--input-s3-uri", "s3://input-bucket/cvk"],
      dir,
    );
    expect(outside.code).toBe(2);
    expect(outside.stderr).toContain("PATH_ESCAPE");

    const noTarget = cvk(["enroll", "plan", "callers.csv", "--out", "plan"], dir);
    expect(noTarget.code).toBe(2);
    expect(noTarget.stderr).toContain("--input-s3-uri");

    const missing = cvk(["enroll", "plan", "nope.csv", "--input-s3-uri", "s3://input-bucket/cvk"], dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("INPUT_NOT_FOUND");
  });

  it("prepare converts, writes a new list that plans clean", () => {
    const dir = workspace();
    const prepared = cvk(["enroll", "prepare", "callers.csv", "--out", "prepared", "--min-speech", "1"], dir);
    expect(prepared.code).toBe(0);
    expect(prepared.stdout).toContain("1 converted");
    expect(readFileSync(join(dir, "prepared", "callers.csv"), "utf8")).toContain("caller0002,rec/b.wav,0,");
    const plan = cvk(
      [
        "enroll",
        "plan",
        "prepared/callers.csv",
        "--out",
        "plan",
        "--input-s3-uri",
        "s3://input-bucket/cvk",
        "--min-speech",
        "1",
        "--allow-outside",
      ],
      dir,
    );
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain("2 callers planned in 1 manifest(s), 0 excluded");
  });
});
