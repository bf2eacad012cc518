import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeWav, synthesizeSpeech, synthesizeTone } from "@cvk/audio";
import { afterAll, describe, expect, it } from "vitest";
import type { S3ObjectAccess } from "../service-context.ts";
import { AudioAnalysisCache, analyzeAudio, isAnalysisFailure } from "./audio-analysis.ts";

const dir = mkdtempSync(join(tmpdir(), "cvk-analysis-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Objects by key, each a file on disk; the ETag is the content's name, as a digest would be. */
function s3With(objects: Record<string, { file: string; etag: string }>): S3ObjectAccess {
  return {
    bucketExists: (bucket) => bucket === "input",
    objectFile: (_bucket, key) => {
      const object = objects[key];
      if (!object) return undefined;
      return { path: object.file, size: 1000, etag: object.etag };
    },
    putObject: async () => {},
  };
}

function wav(name: string, samples: Float32Array): string {
  const file = join(dir, name);
  writeFileSync(file, encodeWav({ channels: [samples], sampleRate: 8000 }));
  return file;
}

const speech = wav("speech.wav", synthesizeSpeech({ voice: "caller-a", seconds: 6, sampleRate: 8000 }));
const otherVoice = wav("other.wav", synthesizeSpeech({ voice: "caller-b", seconds: 6, sampleRate: 8000 }));
const tone = wav("tone.wav", synthesizeTone(440, 6, 8000, 0.3));

describe("AudioAnalysisCache", () => {
  it("the same content in another request is answered from the cache, identical to the first analysis", async () => {
    const s3 = s3With({
      "a.wav": { file: speech, etag: '"speech"' },
      "copy-of-a.wav": { file: speech, etag: '"speech"' },
      "b.wav": { file: otherVoice, etag: '"other"' },
    });
    const cache = new AudioAnalysisCache();
    const first = await analyzeAudio(s3, [{ S3Uri: "s3://input/a.wav", ChannelId: 0 }], 2, cache);
    expect(isAnalysisFailure(first)).toBe(false);
    expect(cache.size).toBe(1);
    const again = await analyzeAudio(s3, [{ S3Uri: "s3://input/copy-of-a.wav", ChannelId: 0 }], 2, cache);
    expect(again).toBe(first);
    // Different content, a different minimum or a different channel is a different analysis.
    const other = await analyzeAudio(s3, [{ S3Uri: "s3://input/b.wav", ChannelId: 0 }], 2, cache);
    expect(other).not.toBe(first);
    expect(cache.size).toBe(2);
    await analyzeAudio(s3, [{ S3Uri: "s3://input/a.wav", ChannelId: 0 }], 3, cache);
    expect(cache.size).toBe(3);
    // A request's files are still looked up every time: a deleted object is not served from the cache.
    const missing = await analyzeAudio(s3, [{ S3Uri: "s3://input/gone.wav", ChannelId: 0 }], 2, cache);
    expect(isAnalysisFailure(missing) && missing.message).toContain("s3://input/gone.wav");
  });

  it("keeps too little speech (it names no file) but not failures that name the request's file", async () => {
    const s3 = s3With({
      "tone.wav": { file: tone, etag: '"tone"' },
      "stereo-channel.wav": { file: speech, etag: '"speech"' },
    });
    const cache = new AudioAnalysisCache();
    const silent = await analyzeAudio(s3, [{ S3Uri: "s3://input/tone.wav", ChannelId: 0 }], 2, cache);
    expect(isAnalysisFailure(silent) && silent.message).toMatch(/^Not enough speech/);
    expect(cache.size).toBe(1);
    // Channel 1 of a mono file: the message names the file, so it is not cached for other names.
    const channel = await analyzeAudio(
      s3,
      [{ S3Uri: "s3://input/stereo-channel.wav", ChannelId: 1 }],
      2,
      cache,
    );
    expect(isAnalysisFailure(channel) && channel.message).toContain("s3://input/stereo-channel.wav");
    expect(cache.size).toBe(1);
  });

  it("holds at most its capacity, dropping the oldest", async () => {
    const cache = new AudioAnalysisCache(2);
    const value = { speechSeconds: 1, durationSeconds: 1, voiceprint: [1] };
    cache.set("a", value);
    cache.set("b", value);
    cache.set("c", value);
    expect(cache.size).toBe(2);
    expect(cache.get("a")).toBeUndefined();
    expect(cache.get("c")).toBe(value);
  });
});
