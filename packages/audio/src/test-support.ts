// Helpers shared by this package's tests; excluded from the build (tsconfig.build.json).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function tempDir(prefix = "cvk-audio-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Frequency of the strongest component, by counting zero crossings of a clean tone. */
export function toneFrequency(samples: Float32Array, sampleRate: number, skip = 200): number {
  let crossings = 0;
  let first = -1;
  let last = -1;
  for (let i = skip + 1; i < samples.length - skip; i++) {
    if ((samples[i - 1] ?? 0) < 0 && (samples[i] ?? 0) >= 0) {
      crossings++;
      if (first < 0) first = i;
      last = i;
    }
  }
  return ((crossings - 1) * sampleRate) / (last - first);
}

export function rmsDb(samples: Float32Array, skip = 0): number {
  let sum = 0;
  for (let i = skip; i < samples.length - skip; i++) sum += (samples[i] ?? 0) ** 2;
  return 10 * Math.log10(sum / Math.max(1, samples.length - 2 * skip) + 1e-30);
}
