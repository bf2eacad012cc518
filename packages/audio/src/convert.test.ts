import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeFrames } from "./codecs.ts";
import { convertRecording } from "./convert.ts";
import { synthesizeSpeech, synthesizeTone } from "./synth.ts";
import { rmsDb, tempDir, toneFrequency } from "./test-support.ts";
import { readWavInfo } from "./wav-header.ts";
import { encodeWav } from "./wav-writer.ts";

async function readOutput(
  path: string,
): Promise<{ samples: Float32Array; info: Awaited<ReturnType<typeof readWavInfo>> }> {
  const info = await readWavInfo(path);
  const bytes = new Uint8Array(readFileSync(path));
  const samples = decodeFrames(bytes.subarray(info.dataOffset, info.dataOffset + info.dataLength), info)[0];
  return { samples: samples ?? new Float32Array(), info };
}

describe("convertRecording", () => {
  it("keeps the requested channel of a 16 kHz stereo call: tone in → same tone and level out, 8 kHz PCM-16, 44-byte header", async () => {
    const dir = tempDir();
    const agent = synthesizeSpeech({ voice: "agent-7", seconds: 3, sampleRate: 16000, seed: 3 });
    const tone = synthesizeTone(1000, 3, 16000, 0.5);
    const input = join(dir, "call.wav");
    writeFileSync(input, encodeWav({ channels: [agent, tone], sampleRate: 16000 }));

    const result = await convertRecording(input, join(dir, "out.wav"), { channel: 1 });
    expect(result.actions).toEqual(["kept channel 1 of 2", "resampled 16000 Hz → 8000 Hz"]);
    expect(result.parts).toHaveLength(1);
    const { samples, info } = await readOutput(join(dir, "out.wav"));
    expect(info).toMatchObject({
      encoding: "pcm",
      bitsPerSample: 16,
      sampleRate: 8000,
      channels: 1,
      dataOffset: 44,
    });
    expect(info.frames).toBe(24000);
    expect(result.parts[0]?.frames).toBe(24000);
    expect(toneFrequency(samples, 8000)).toBeCloseTo(1000, 0);
    expect(Math.abs(rmsDb(samples, 400) - rmsDb(tone, 800))).toBeLessThan(0.1);
  });

  it("suppresses content above 4 kHz instead of folding it back (anti-aliasing)", async () => {
    const dir = tempDir();
    for (const [rate, frequency] of [
      [16000, 6000],
      [44100, 5000],
      [48000, 11000],
    ] as const) {
      const input = join(dir, `alias-${rate}.wav`);
      const tone = synthesizeTone(frequency, 1, rate, 0.5);
      writeFileSync(input, encodeWav({ channels: [tone], sampleRate: rate }));
      await convertRecording(input, join(dir, `alias-${rate}-out.wav`));
      const { samples } = await readOutput(join(dir, `alias-${rate}-out.wav`));
      // A folded 6 kHz tone would appear at 2 kHz at nearly full level; it must be ≥ 60 dB down.
      expect(rmsDb(tone, 100) - rmsDb(samples, 200)).toBeGreaterThan(60);
    }
  });

  it("decodes G.711 μ-law at 8 kHz without resampling", async () => {
    const dir = tempDir();
    const speech = synthesizeSpeech({ voice: "caller-1", seconds: 2, sampleRate: 8000, seed: 1 });
    const input = join(dir, "mulaw.wav");
    writeFileSync(
      input,
      encodeWav({ channels: [speech], sampleRate: 8000, encoding: "mulaw", bitsPerSample: 8 }),
    );
    const result = await convertRecording(input, join(dir, "out.wav"));
    expect(result.actions).toEqual(["decoded G.711 μ-law"]);
    const { samples } = await readOutput(join(dir, "out.wav"));
    expect(samples.length).toBe(speech.length);
    // μ-law's quantisation keeps ~38 dB SNR on speech; a wrong decoder would be far below.
    let noise = 0;
    let signal = 0;
    for (let i = 0; i < speech.length; i++) {
      signal += (speech[i] ?? 0) ** 2;
      noise += ((speech[i] ?? 0) - (samples[i] ?? 0)) ** 2;
    }
    expect(10 * Math.log10(signal / noise)).toBeGreaterThan(30);
  });

  it("mixes channels on request", async () => {
    const dir = tempDir();
    const a = synthesizeTone(500, 1, 8000, 0.4);
    const input = join(dir, "stereo.wav");
    writeFileSync(input, encodeWav({ channels: [a, new Float32Array(a.length)], sampleRate: 8000 }));
    const result = await convertRecording(input, join(dir, "out.wav"), { channel: "mix" });
    expect(result.actions).toEqual(["mixed 2 channels"]);
    const { samples } = await readOutput(join(dir, "out.wav"));
    expect(rmsDb(samples) - rmsDb(a)).toBeCloseTo(-6.02, 1);
  });

  it("splits a recording that would exceed the size limit, and keeps the parts with the most speech", async () => {
    const dir = tempDir();
    const silence = new Float32Array(8000 * 20);
    const speech = synthesizeSpeech({
      voice: "caller-9",
      seconds: 20,
      sampleRate: 8000,
      seed: 9,
      speechRatio: 0.9,
    });
    const input = join(dir, "long.wav");
    // 20 s silence then 20 s speech; 10 s parts → parts 3 and 4 hold the speech.
    const joined = new Float32Array(silence.length + speech.length);
    joined.set(silence);
    joined.set(speech, silence.length);
    writeFileSync(input, encodeWav({ channels: [joined], sampleRate: 8000 }));
    const maxBytes = 44 + 8000 * 2 * 10;

    const all = await convertRecording(input, join(dir, "all.wav"), { maxBytes });
    expect(all.parts.map((p) => p.path.slice(dir.length + 1))).toEqual([
      "all.part-01.wav",
      "all.part-02.wav",
      "all.part-03.wav",
      "all.part-04.wav",
    ]);
    for (const part of all.parts) expect(statSync(part.path).size).toBeLessThanOrEqual(maxBytes);
    expect(all.parts.reduce((sum, p) => sum + p.frames, 0)).toBe(joined.length);
    expect(all.actions).toContain("split into 4 parts of at most 20 MB");

    const best = await convertRecording(input, join(dir, "best.wav"), { maxBytes, maxParts: 2 });
    expect(best.parts.map((p) => p.path.slice(dir.length + 1))).toEqual([
      "best.part-03.wav",
      "best.part-04.wav",
    ]);
    expect(best.droppedParts).toHaveLength(2);
    for (const dropped of best.droppedParts) expect(existsSync(dropped.path)).toBe(false);
    expect(Math.min(...best.parts.map((p) => p.speechSeconds ?? -1))).toBeGreaterThan(
      Math.max(...best.droppedParts.map((p) => p.speechSeconds ?? 99)),
    );
    expect(best.parts[0]?.speechSeconds).toBeGreaterThan(5);
  });

  it("refuses truncated input and bad channels with a code, writing nothing", async () => {
    const dir = tempDir();
    const whole = encodeWav({ channels: [synthesizeTone(300, 1, 8000, 0.3)], sampleRate: 8000 });
    writeFileSync(join(dir, "cut.wav"), whole.subarray(0, 4000));
    await expect(convertRecording(join(dir, "cut.wav"), join(dir, "cut-out.wav"))).rejects.toMatchObject({
      code: "AUDIO_TRUNCATED",
    });
    writeFileSync(join(dir, "mono.wav"), whole);
    await expect(
      convertRecording(join(dir, "mono.wav"), join(dir, "mono-out.wav"), { channel: 1 }),
    ).rejects.toMatchObject({
      code: "INPUT_INVALID",
    });
    writeFileSync(join(dir, "text.wav"), "not audio at all");
    await expect(convertRecording(join(dir, "text.wav"), join(dir, "text-out.wav"))).rejects.toMatchObject({
      code: "AUDIO_UNREADABLE",
    });
    expect(readdirSync(dir).sort()).toEqual(["cut.wav", "mono.wav", "text.wav"]);
  });
});
