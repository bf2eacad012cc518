import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AudioWorkerPool } from "./audio-pool.ts";
import { inspectRecording } from "./inspect.ts";
import { synthesizeSpeech } from "./synth.ts";
import { tempDir } from "./test-support.ts";
import { encodeWav } from "./wav-writer.ts";

const caller = (seconds: number, rate: number, seed = 1) =>
  synthesizeSpeech({ voice: "caller-42", seconds, sampleRate: rate, seed, speechRatio: 0.8 });

describe("inspectRecording", () => {
  it("accepts a conforming recording and measures its speech", async () => {
    const dir = tempDir();
    const path = join(dir, "good.wav");
    writeFileSync(path, encodeWav({ channels: [caller(45, 8000)], sampleRate: 8000 }));
    const result = await inspectRecording(path);
    expect(result.issues).toEqual([]);
    expect(result.ok).toBe(true);
    // 45 s at a 0.8 speech ratio: about 36 s of speech.
    expect(result.speechSecondsByChannel?.[0]).toBeGreaterThan(30);
    expect(result.speechSecondsByChannel?.[0]).toBeLessThan(42);
  });

  it("measures speech per channel, and judges the channel Voice ID would use", async () => {
    const dir = tempDir();
    const path = join(dir, "stereo.wav");
    const speech = caller(40, 8000);
    writeFileSync(path, encodeWav({ channels: [new Float32Array(speech.length), speech], sampleRate: 8000 }));
    const onSilentChannel = await inspectRecording(path, { channel: 0 });
    expect(onSilentChannel.speechSecondsByChannel?.[0]).toBeLessThan(1);
    expect(onSilentChannel.issues.map((i) => i.reason)).toEqual(["TOO_LITTLE_SPEECH"]);
    const onCallerChannel = await inspectRecording(path, { channel: 1 });
    expect(onCallerChannel.ok).toBe(true);
  });

  it("reports problems as issues with reasons and hints instead of throwing", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "wide.wav"), encodeWav({ channels: [caller(40, 16000)], sampleRate: 16000 }));
    writeFileSync(join(dir, "junk.wav"), "ID3\u0004 definitely an mp3");
    const wide = await inspectRecording(join(dir, "wide.wav"));
    expect(wide.issues.map((i) => [i.reason, i.fixable])).toEqual([["SAMPLE_RATE", true]]);
    expect(wide.issues[0]?.hint).toMatch(/prepare/);
    const junk = await inspectRecording(join(dir, "junk.wav"));
    expect(junk.ok).toBe(false);
    expect(junk.issues[0]?.reason).toBe("NOT_WAV");
    const missing = await inspectRecording(join(dir, "nope.wav"));
    expect(missing.issues[0]?.reason).toBe("NOT_FOUND");
  });

  it("checks only the header when speech measurement is off", async () => {
    const dir = tempDir();
    const path = join(dir, "short.wav");
    writeFileSync(path, encodeWav({ channels: [caller(40, 8000)], sampleRate: 8000 }));
    const result = await inspectRecording(path, { measureSpeech: false });
    expect(result.speechSecondsByChannel).toBeUndefined();
    expect(result.ok).toBe(true);
  });
});

describe("AudioWorkerPool", () => {
  it("inspects and converts on worker threads with the same results as in-process, and keeps error codes", async () => {
    const dir = tempDir();
    const paths = [0, 1, 2, 3].map((i) => {
      const path = join(dir, `r${i}.wav`);
      writeFileSync(path, encodeWav({ channels: [caller(35, 16000, i)], sampleRate: 16000 }));
      return path;
    });
    writeFileSync(
      join(dir, "cut.wav"),
      encodeWav({ channels: [caller(2, 8000)], sampleRate: 8000 }).subarray(0, 2000),
    );
    const pool = new AudioWorkerPool({ threads: 2 });
    try {
      const inspections = await Promise.all(paths.map((path) => pool.inspect(path)));
      const direct = await inspectRecording(paths[2] ?? "");
      expect(inspections[2]).toEqual(direct);
      expect(inspections.every((i) => i.issues.some((issue) => issue.reason === "SAMPLE_RATE"))).toBe(true);

      const headers = await pool.checkHeaders(
        [...paths, join(dir, "cut.wav"), join(dir, "absent.wav")].map((path) => ({ path })),
        2,
      );
      expect(headers.map((h) => h.path)).toEqual([...paths, join(dir, "cut.wav"), join(dir, "absent.wav")]);
      expect(headers[0]?.info?.sampleRate).toBe(16000);
      expect(headers[0]?.issues.map((i) => i.reason)).toEqual(["SAMPLE_RATE"]);
      expect(headers[4]?.issues.map((i) => i.reason)).toEqual(["TRUNCATED", "TOO_LITTLE_SPEECH"]);
      expect(headers[5]?.issues.map((i) => i.reason)).toEqual(["NOT_FOUND"]);

      const converted = await pool.convert(paths[0] ?? "", join(dir, "out.wav"));
      expect(converted.parts[0]?.frames).toBe(35 * 8000);
      await expect(pool.convert(join(dir, "cut.wav"), join(dir, "cut-out.wav"))).rejects.toMatchObject({
        name: "CvkError",
        code: "AUDIO_TRUNCATED",
      });
    } finally {
      await pool.destroy();
    }
  });
});
