import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Resampler, resample } from "./resample.ts";
import { synthesizeSpeech } from "./synth.ts";
import { tempDir } from "./test-support.ts";
import { readWavInfo, readWavInfoSync } from "./wav-header.ts";
import { encodeWav } from "./wav-writer.ts";

describe("readWavInfoSync", () => {
  it("reads the same header as readWavInfo, for every kind of file, reusing its buffer safely", async () => {
    const dir = tempDir();
    const tone = synthesizeSpeech({ voice: "sync", seconds: 1, sampleRate: 16000 });
    const files = [
      encodeWav({ channels: [tone], sampleRate: 16000 }),
      encodeWav({
        channels: [tone, tone],
        sampleRate: 16000,
        encoding: "float",
        bitsPerSample: 32,
        extensible: true,
      }),
      encodeWav({ channels: [tone], sampleRate: 16000, encoding: "mulaw", bitsPerSample: 8 }),
      encodeWav({ channels: [tone], sampleRate: 16000, rf64: true }),
    ].map((bytes, i) => {
      const path = join(dir, `f${i}.wav`);
      writeFileSync(path, bytes);
      return path;
    });
    const sync = files.map((path) => readWavInfoSync(path));
    const async = await Promise.all(files.map((path) => readWavInfo(path)));
    expect(sync).toEqual(async);
    expect(new Set(sync.map((info) => `${info.encoding}/${info.channels}/${info.container}`)).size).toBe(4);
  });

  it("fails with the same codes as readWavInfo", () => {
    const dir = tempDir();
    mkdirSync(join(dir, "folder.wav"));
    expect(() => readWavInfoSync(join(dir, "missing.wav"))).toThrow(
      expect.objectContaining({ code: "INPUT_NOT_FOUND" }),
    );
    expect(() => readWavInfoSync(join(dir, "folder.wav"))).toThrow(
      expect.objectContaining({ code: "INPUT_INVALID" }),
    );
    writeFileSync(join(dir, "text.wav"), "just text");
    expect(() => readWavInfoSync(join(dir, "text.wav"))).toThrow(
      expect.objectContaining({ code: "AUDIO_UNREADABLE" }),
    );
  });
});

describe("Resampler reuseOutput", () => {
  it("returns the same samples as fresh arrays, in views valid until the next call", () => {
    const input = synthesizeSpeech({ voice: "reuse", seconds: 2, sampleRate: 44100 });
    const expected = resample(input, 44100, 8000);
    const resampler = new Resampler(44100, 8000, { reuseOutput: true });
    const collected: number[] = [];
    const views: Float32Array[] = [];
    for (let start = 0; start < input.length; start += 4410) {
      const out = resampler.process(input.subarray(start, start + 4410));
      views.push(out);
      collected.push(...out);
    }
    collected.push(...resampler.flush());
    expect(Float32Array.from(collected)).toEqual(expected);
    // Views share one buffer: that is the point (no allocation per chunk).
    const buffers = new Set(views.filter((v) => v.length > 0).map((v) => v.buffer));
    expect(buffers.size).toBeLessThanOrEqual(2);
  });
});
