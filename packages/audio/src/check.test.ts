import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CvkError } from "@cvk/core";
import { describe, expect, it } from "vitest";
import {
  type AudioIssue,
  checkWavInfo,
  issueFromError,
  meetsVoiceIdRules,
  VOICE_ID_AUDIO_RULES,
} from "./check.ts";
import { parseWavHeader, readWavInfo, type WavEncoding, type WavInfo } from "./wav-header.ts";
import { buildWavHeader, encodeWav } from "./wav-writer.ts";

/** A header-only WavInfo for a file of `seconds` of audio (no samples are allocated). */
function info(
  o: {
    seconds?: number;
    sampleRate?: number;
    channels?: number;
    encoding?: WavEncoding;
    bitsPerSample?: number;
    extensible?: boolean;
    rf64?: boolean;
    dataChunkSize?: number;
  } = {},
): WavInfo {
  const sampleRate = o.sampleRate ?? 8000;
  const channels = o.channels ?? 1;
  const encoding = o.encoding ?? "pcm";
  const bitsPerSample = o.bitsPerSample ?? (encoding === "pcm" ? 16 : encoding === "float" ? 32 : 8);
  const dataLength = Math.round((o.seconds ?? 60) * sampleRate) * channels * (bitsPerSample / 8);
  const head = buildWavHeader({
    sampleRate,
    channels,
    encoding,
    bitsPerSample,
    dataLength,
    extensible: o.extensible,
    rf64: o.rf64,
    dataChunkSize: o.dataChunkSize,
  });
  return parseWavHeader(head, { fileSize: head.length + dataLength });
}

function reasons(issues: AudioIssue[]): string[] {
  return issues.map((issue) => issue.reason);
}

function only(issues: AudioIssue[]): AudioIssue {
  expect(issues).toHaveLength(1);
  return issues[0] as AudioIssue;
}

describe("VOICE_ID_AUDIO_RULES", () => {
  it("reads 20 MB as the stricter decimal 20,000,000 bytes", () => {
    expect(VOICE_ID_AUDIO_RULES).toEqual({
      maxBytes: 20_000_000,
      sampleRate: 8000,
      bitsPerSample: 16,
      encoding: "pcm",
      maxChannels: 2,
      minNetSpeechSeconds: 30,
    });
  });
});

describe("checkWavInfo", () => {
  it("passes 8 kHz mono PCM-16 with enough speech", () => {
    const issues = checkWavInfo(info({ seconds: 60 }), { speechSeconds: 45 });
    expect(issues).toEqual([]);
    expect(meetsVoiceIdRules(issues)).toBe(true);
  });

  it("flags 16 kHz as a fixable sample rate", () => {
    const issue = only(checkWavInfo(info({ sampleRate: 16000 }), { speechSeconds: 40 }));
    expect(issue).toMatchObject({ reason: "SAMPLE_RATE", fixable: true });
    expect(issue.message).toContain("16000 Hz");
    expect(issue.hint).toBe("prepare resamples to 8 kHz.");
  });

  it("warns that upsampling a narrower recording cannot restore bandwidth", () => {
    const issue = only(checkWavInfo(info({ sampleRate: 6000 }), { speechSeconds: 40 }));
    expect(issue).toMatchObject({ reason: "SAMPLE_RATE", fixable: true });
    expect(issue.hint).toContain("cannot restore");
  });

  it.each([
    { encoding: "mulaw" as const, hint: "prepare decodes G.711 μ-law to PCM-16." },
    { encoding: "alaw" as const, hint: "prepare decodes G.711 A-law to PCM-16." },
    { encoding: "float" as const, hint: "prepare converts 32-bit float to PCM-16." },
  ])("flags $encoding as a fixable encoding", ({ encoding, hint }) => {
    const issue = only(checkWavInfo(info({ encoding }), { speechSeconds: 40 }));
    expect(issue).toMatchObject({ reason: "UNSUPPORTED_ENCODING", fixable: true, hint });
  });

  it("flags 24-bit and 8-bit PCM as a fixable bit depth", () => {
    for (const bitsPerSample of [8, 24]) {
      const issue = only(checkWavInfo(info({ bitsPerSample }), { speechSeconds: 40 }));
      expect(issue).toMatchObject({ reason: "BIT_DEPTH", fixable: true });
      expect(issue.hint).toContain(`${bitsPerSample}-bit PCM to 16-bit`);
    }
  });

  it("accepts channel 1 of a stereo file and rejects it on a mono file", () => {
    expect(checkWavInfo(info({ channels: 2, seconds: 60 }), { channel: 1, speechSeconds: 40 })).toEqual([]);
    const issue = only(checkWavInfo(info({ channels: 1 }), { channel: 1, speechSeconds: 40 }));
    expect(issue).toMatchObject({ reason: "CHANNEL_MISSING", fixable: false });
  });

  it("flags more than two channels as fixable by extracting one", () => {
    const issue = only(checkWavInfo(info({ channels: 6 }), { channel: 4, speechSeconds: 40 }));
    expect(issue).toMatchObject({ reason: "UNSUPPORTED_ENCODING", fixable: true });
    expect(issue.hint).toContain("channel 4");
  });

  it("flags files over 20,000,000 bytes, but not at exactly the limit", () => {
    const atLimit = (20_000_000 - 44) / 2;
    expect(checkWavInfo(info({ seconds: atLimit / 8000 }), { speechSeconds: 40 })).toEqual([]);
    const issue = only(checkWavInfo(info({ seconds: (atLimit + 1) / 8000 }), { speechSeconds: 40 }));
    expect(issue).toMatchObject({
      reason: "TOO_LARGE",
      fixable: true,
      hint: "prepare splits/trims, keeping the segments with most speech.",
    });
  });

  it("says when conversion alone brings an oversized file under the limit", () => {
    // 48 kHz stereo 24-bit, 120 s: 48000 × 120 × 2 × 3 = 34.56 MB; as 8 kHz mono PCM-16: 1.92 MB.
    const big = info({ sampleRate: 48000, channels: 2, bitsPerSample: 24, seconds: 120 });
    const issues = checkWavInfo(big, { speechSeconds: 40 });
    expect(reasons(issues)).toEqual(["BIT_DEPTH", "SAMPLE_RATE", "TOO_LARGE"]);
    expect(issues[2]?.message).toContain("34.6 MB");
    expect(issues[2]?.hint).toContain("brings it to about 1.9 MB");
  });

  it("reports a truncated file as not fixable", () => {
    const file = encodeWav({ channels: [new Float32Array(8000 * 40)], sampleRate: 8000 });
    const cut = parseWavHeader(file.subarray(0, 44 + 8000 * 35 * 2));
    const issue = only(checkWavInfo(cut, { speechSeconds: 35 }));
    expect(issue).toMatchObject({ reason: "TRUNCATED", fixable: false });
  });

  it("reports only EMPTY for a file without frames", () => {
    const issues = checkWavInfo(info({ seconds: 0, sampleRate: 16000 }));
    expect(issues).toEqual([expect.objectContaining({ reason: "EMPTY", fixable: false })]);
    expect(meetsVoiceIdRules(issues)).toBe(false);
  });

  it("flags too little net speech as not fixable", () => {
    const issue = only(checkWavInfo(info({ seconds: 120 }), { speechSeconds: 12.34 }));
    expect(issue).toMatchObject({ reason: "TOO_LITTLE_SPEECH", fixable: false });
    expect(issue.message).toContain("12.3 s");
  });

  it("flags a recording shorter than the minimum even without a speech measurement", () => {
    expect(reasons(checkWavInfo(info({ seconds: 20 })))).toEqual(["TOO_LITTLE_SPEECH"]);
    expect(checkWavInfo(info({ seconds: 31 }))).toEqual([]);
  });

  it("applies rule overrides", () => {
    expect(checkWavInfo(info({ seconds: 20 }), { rules: { minNetSpeechSeconds: 10 } })).toEqual([]);
    expect(reasons(checkWavInfo(info({ sampleRate: 16000 }), { rules: { sampleRate: 16000 } }))).toEqual([]);
  });

  it("flags EXTENSIBLE, RF64 and streamed headers as fixable", () => {
    for (const variant of [{ extensible: true }, { rf64: true }, { dataChunkSize: 0xffffffff }]) {
      const issue = only(checkWavInfo(info(variant), { speechSeconds: 40 }));
      expect(issue).toMatchObject({ reason: "UNSUPPORTED_ENCODING", fixable: true });
    }
  });
});

describe("issueFromError", () => {
  function issueFor(head: Uint8Array): AudioIssue {
    try {
      parseWavHeader(head);
    } catch (error) {
      return issueFromError(error);
    }
    throw new Error("expected parseWavHeader to throw");
  }

  it("maps parse failures to NOT_WAV, UNSUPPORTED_ENCODING, TRUNCATED and EMPTY", () => {
    expect(issueFor(Uint8Array.from([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, 0, 0, 0]))).toMatchObject({
      reason: "NOT_WAV",
      fixable: false,
    });
    const adpcm = buildWavHeader({
      sampleRate: 8000,
      channels: 1,
      encoding: "pcm",
      bitsPerSample: 16,
      dataLength: 0,
    });
    new DataView(adpcm.buffer).setUint16(20, 0x0002, true);
    expect(issueFor(adpcm)).toMatchObject({ reason: "UNSUPPORTED_ENCODING", fixable: false });
    const valid = encodeWav({ channels: [new Float32Array(10)], sampleRate: 8000 });
    expect(issueFor(valid.subarray(0, 30))).toMatchObject({ reason: "TRUNCATED", fixable: false });
    expect(issueFor(new Uint8Array(0))).toMatchObject({ reason: "EMPTY", fixable: false });
  });

  it("maps a missing file to NOT_FOUND", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cvk-check-"));
    try {
      const error = await readWavInfo(join(dir, "missing.wav")).catch((e: unknown) => e);
      expect(issueFromError(error)).toMatchObject({ reason: "NOT_FOUND", fixable: false });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("keeps other failures visible as NOT_WAV, and rethrows cancellation", () => {
    const issue = issueFromError(new TypeError("boom"));
    expect(issue).toMatchObject({ reason: "NOT_WAV", fixable: false });
    expect(issue.message).toContain("boom");
    const interrupted = new CvkError("INTERRUPTED", "cancelled");
    expect(() => issueFromError(interrupted)).toThrow(interrupted);
  });
});
