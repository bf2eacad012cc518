import { spawnSync } from "node:child_process";
import { closeSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { encodeSamples } from "./codecs.ts";
import { synthesizeSpeech } from "./synth.ts";
import { tempDir } from "./test-support.ts";
import { buildWavHeader } from "./wav-writer.ts";

// A 2-hour 16 kHz recording (230 MB) converts in a child process whose peak RSS is measured: the
// conversion streams, so memory must not grow with the file (< 100 MB for 2 hours). The child runs
// the built package (turbo builds before testing), as users do: a TypeScript loader alone adds ~35 MB.
describe("convertRecording memory", () => {
  it("converts a 2-hour 16 kHz recording with a flat, bounded peak RSS", { timeout: 120_000 }, () => {
    const dir = tempDir();
    const input = join(dir, "two-hours.wav");
    const seconds = 2 * 3600;
    const rate = 16000;
    const block = encodeSamples(
      [synthesizeSpeech({ voice: "long-caller", seconds: 60, sampleRate: rate, seed: 1 })],
      "pcm",
      16,
    );
    const fd = openSync(input, "w");
    writeSync(
      fd,
      buildWavHeader({
        sampleRate: rate,
        channels: 1,
        encoding: "pcm",
        bitsPerSample: 16,
        dataLength: seconds * rate * 2,
      }),
    );
    for (let minute = 0; minute < seconds / 60; minute++) writeSync(fd, block);
    closeSync(fd);

    const output = join(dir, "out.wav");
    const script = `
      const { convertRecording } = await import(${JSON.stringify(new URL("../dist/convert.js", import.meta.url).href)});
      const result = await convertRecording(${JSON.stringify(input)}, ${JSON.stringify(output)}, { maxBytes: 1e12 });
      process.stdout.write(JSON.stringify({ frames: result.parts[0].frames, maxRssKiB: process.resourceUsage().maxRSS }));
    `;
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      encoding: "utf8",
      cwd: dir,
    });
    let outputBytes: number;
    try {
      outputBytes = statSync(output).size;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(child.stderr).toBe("");
    const { frames, maxRssKiB } = JSON.parse(child.stdout) as { frames: number; maxRssKiB: number };
    expect(frames).toBe(seconds * 8000);
    expect(outputBytes).toBe(44 + seconds * 8000 * 2);
    // Peak RSS includes Node itself and the package's imports (~60 MB before any audio).
    expect(maxRssKiB / 1024).toBeLessThan(100);
  });
});
