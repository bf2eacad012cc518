/**
 * Piscina worker for the demo: synthesises one recording from its spec row (recordings.csv) and
 * writes it whole or not at all. Deterministic: the same row gives the same bytes.
 */
import { encodeWav, synthesizeSpeech } from "@cvk/audio";
import { writeFileAtomic } from "@cvk/core";
import type { DemoRecording } from "./demo.ts";

export interface DemoTask {
  recording: DemoRecording;
  path: string;
}

export default async function generate(task: DemoTask): Promise<number> {
  const r = task.recording;
  const voice = synthesizeSpeech({
    voice: r.voice,
    seconds: r.seconds,
    sampleRate: r.sampleRate,
    seed: r.seed,
    speechRatio: r.speechRatio,
  });
  const channels: Float32Array[] = [];
  for (let c = 0; c < r.channels; c++) {
    // The other side of a stereo call recording: the agent, quieter, with its own words.
    channels.push(
      c === r.voiceChannel
        ? voice
        : synthesizeSpeech({
            voice: `agent-${r.seed}`,
            seconds: r.seconds,
            sampleRate: r.sampleRate,
            seed: r.seed + 1000,
            speechRatio: 0.3,
            gain: 0.6,
          }),
    );
  }
  const full = encodeWav({
    channels,
    sampleRate: r.sampleRate,
    encoding: r.encoding,
    ...(r.encoding === "mulaw" ? { bitsPerSample: 8 } : {}),
  });
  // A truncated file: the header promises all the audio, the file stops at `truncate` of it.
  const bytes = r.truncate < 1 ? full.subarray(0, Math.floor(full.length * r.truncate)) : full;
  await writeFileAtomic(task.path, bytes);
  return bytes.length;
}
