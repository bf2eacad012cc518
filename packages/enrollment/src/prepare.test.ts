import { mkdirSync, mkdtempSync, readFileSync, realpathSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { AudioWorkerPool, encodeWav, synthesizeSpeech } from "@cvk/audio";
import { afterAll, describe, expect, it } from "vitest";
import { planEnrollment } from "./plan.ts";
import { prepareRecordings } from "./prepare.ts";

function put(root: string, relativePath: string, bytes: Uint8Array): void {
  const path = join(root, relativePath);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
}

const speech8k = synthesizeSpeech({ voice: "caller-p", seconds: 6, sampleRate: 8000, seed: 5 });
const speech16k = synthesizeSpeech({ voice: "caller-p", seconds: 6, sampleRate: 16000, seed: 5 });
const pool = new AudioWorkerPool({ threads: 2 });
afterAll(() => pool.destroy());

describe("prepareRecordings", () => {
  it("converts 16 kHz stereo, μ-law and oversize files, lists the unfixable, and resumes", async () => {
    const root = realpathSync(mkdtempSync(join(tmpdir(), "cvk-prepare-")));
    put(root, "rec/ok.wav", encodeWav({ channels: [speech8k], sampleRate: 8000 }));
    put(
      root,
      "rec/stereo16k.wav",
      encodeWav({ channels: [new Float32Array(speech16k.length), speech16k], sampleRate: 16000 }),
    );
    put(root, "rec/mulaw.wav", encodeWav({ channels: [speech8k], sampleRate: 8000, encoding: "mulaw" }));
    // 12 s at 8 kHz PCM-16 is ~192 KB: with maxBytes 100,000 it becomes two parts.
    put(
      root,
      "rec/big.wav",
      encodeWav({ channels: [new Float32Array([...speech8k, ...speech8k])], sampleRate: 8000 }),
    );
    put(
      root,
      "rec/short.wav",
      encodeWav({
        channels: [synthesizeSpeech({ voice: "x", seconds: 1, sampleRate: 8000 })],
        sampleRate: 8000,
      }),
    );
    put(root, "rec/garbage.wav", new TextEncoder().encode("not a wav at all"));
    const list = join(root, "callers.csv");
    writeFileSync(
      list,
      [
        "customer_speaker_id,audio,channel",
        "okcaller,rec/ok.wav,",
        "stereo,rec/stereo16k.wav,1",
        "mulaw,rec/mulaw.wav,",
        "big,rec/big.wav,",
        "short,rec/short.wav,",
        "garbage,rec/garbage.wav,",
        "missing,rec/missing.wav,",
      ].join("\n"),
    );
    const outDir = join(root, "prepared");
    const options = { list, outDir, pool, minNetSpeechSeconds: 3, maxBytes: 100_000 };
    const first = await prepareRecordings(options);
    expect(first).toMatchObject({
      rows: 7,
      converted: 3,
      reused: 0,
      conforming: 2,
      unfixableRows: 3,
      outputRows: 5,
    });
    const callers = readFileSync(first.callers, "utf8");
    expect(callers).toContain("okcaller,../rec/ok.wav,0,");
    expect(callers).toContain("stereo,rec/stereo16k.wav,0,");
    expect(callers).toContain("big,rec/big.part-01.wav,0,");
    expect(callers).toContain("big,rec/big.part-02.wav,0,");
    const unfixable = readFileSync(first.unfixable, "utf8");
    expect(unfixable).toMatch(/short,.*TOO_LITTLE_SPEECH/);
    expect(unfixable).toMatch(/garbage,.*NOT_WAV/);
    expect(unfixable).toMatch(/missing,.*NOT_FOUND/);

    // The new list plans clean (it references conforming originals in place: allowOutside).
    const plan = await planEnrollment({
      list: first.callers,
      outDir: join(root, "plan"),
      inputS3Uri: "s3://input-bucket/cvk",
      allowOutside: true,
      pool,
      minNetSpeechSeconds: 3,
    });
    expect(plan.counts.byReason).toEqual({});
    expect(plan.counts.plannedSpeakers).toBe(4);

    const mtime = statSync(join(outDir, "rec/mulaw.wav")).mtimeMs;
    const second = await prepareRecordings(options);
    expect(second).toMatchObject({ converted: 0, reused: 3, conforming: 2, unfixableRows: 3, outputRows: 5 });
    expect(statSync(join(outDir, "rec/mulaw.wav")).mtimeMs).toBe(mtime);
    expect(readFileSync(second.callers, "utf8")).toBe(callers);
  });
});
