import { isCvkError } from "@cvk/core";
import { describe, expect, it } from "vitest";
import { resample } from "./resample.ts";
import { synthesizeSpeech } from "./synth.ts";
import {
  computeVoiceprint,
  SAME_SPEAKER_THRESHOLD,
  type Voiceprint,
  voiceprintSimilarity,
} from "./voiceprint.ts";

const speaker = (n: number): string => `caller-${String(n).padStart(3, "0")}`;

describe("voiceprint", () => {
  it("separates 20 synthetic speakers with a single cut, across utterances and mild noise", () => {
    // Per speaker: two clean utterances and one with pink or white noise at 25 dB SNR, 20–40 s each.
    const prints: { speaker: number; print: Voiceprint }[] = [];
    for (let s = 1; s <= 20; s++) {
      const recordings = [
        { seed: 11 },
        { seed: 12 },
        { seed: 13, noise: { type: s % 2 === 0 ? ("white" as const) : ("pink" as const), snrDb: 25 } },
      ];
      recordings.forEach((recording, r) => {
        const samples = synthesizeSpeech({
          voice: speaker(s),
          seconds: 20 + ((s * 7 + r * 5) % 21),
          sampleRate: 8000,
          ...recording,
        });
        prints.push({ speaker: s, print: computeVoiceprint(samples, 8000) });
      });
    }
    let minSame = 100;
    let maxDifferent = 0;
    for (let i = 0; i < prints.length; i++) {
      for (let j = i + 1; j < prints.length; j++) {
        const a = prints[i] as (typeof prints)[number];
        const b = prints[j] as (typeof prints)[number];
        const score = voiceprintSimilarity(a.print, b.print);
        if (a.speaker === b.speaker) minSame = Math.min(minSame, score);
        else maxDifferent = Math.max(maxDifferent, score);
      }
    }
    console.log(`voiceprint: min same-speaker ${minSame}, max different-speaker ${maxDifferent}`);
    expect(minSame).toBeGreaterThanOrEqual(SAME_SPEAKER_THRESHOLD);
    expect(maxDifferent).toBeLessThan(SAME_SPEAKER_THRESHOLD);
  }, 60_000);

  it("does not depend on the sample rate of the recording", () => {
    for (const s of [2, 9]) {
      const options = { voice: speaker(s), seconds: 20, seed: 5 };
      const at8 = computeVoiceprint(synthesizeSpeech({ ...options, sampleRate: 8000 }), 8000);
      const wide = synthesizeSpeech({ ...options, sampleRate: 16000 });
      const at16 = computeVoiceprint(wide, 16000);
      const at44 = computeVoiceprint(synthesizeSpeech({ ...options, sampleRate: 44100 }), 44100);
      expect(voiceprintSimilarity(at8, at16)).toBeGreaterThanOrEqual(SAME_SPEAKER_THRESHOLD);
      expect(voiceprintSimilarity(at8, at44)).toBeGreaterThanOrEqual(SAME_SPEAKER_THRESHOLD);
      expect(voiceprintSimilarity(at16, computeVoiceprint(resample(wide, 16000, 8000), 8000))).toBe(100);
    }
  }, 20_000);

  it("is deterministic, symmetric and scores a voiceprint against itself as 100", () => {
    const samples = synthesizeSpeech({ voice: speaker(3), seconds: 12, sampleRate: 8000, seed: 1 });
    const a = computeVoiceprint(samples, 8000);
    expect(computeVoiceprint(samples, 8000)).toEqual(a);
    expect(a.version).toBe(1);
    expect(a.vector.every(Number.isFinite)).toBe(true);
    expect(voiceprintSimilarity(a, a)).toBe(100);
    const b = computeVoiceprint(synthesizeSpeech({ voice: speaker(4), seconds: 12, sampleRate: 8000 }), 8000);
    const score = voiceprintSimilarity(a, b);
    expect(voiceprintSimilarity(b, a)).toBe(score);
    expect(Number.isInteger(score) && score >= 0 && score <= 100).toBe(true);
  });

  it("refuses recordings with too little speech and mismatched voiceprints", () => {
    let caught: unknown;
    try {
      computeVoiceprint(synthesizeSpeech({ voice: speaker(1), seconds: 2, sampleRate: 8000 }), 8000);
    } catch (error) {
      caught = error;
    }
    expect(isCvkError(caught) && caught.code).toBe("INPUT_INVALID");
    const a: Voiceprint = { version: 1, vector: [0, 1] };
    expect(() => voiceprintSimilarity(a, { version: 1, vector: [0] })).toThrow(
      /different versions or lengths/,
    );
  });
});
