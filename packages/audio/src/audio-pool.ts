import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { CvkError, type CvkErrorCode } from "@cvk/core";
import { Piscina } from "piscina";
import type { AudioTask, AudioTaskOutcome, HeaderCheck } from "./audio-worker.ts";
import type { ConvertOptions, ConvertResult } from "./convert.ts";
import type { InspectOptions, RecordingInspection } from "./inspect.ts";

export interface AudioPoolOptions {
  /** Worker threads; default: one per available core. */
  threads?: number;
}

// From dist the worker is plain JS; from src (the test runner) it is TypeScript and needs a loader.
const workerUrl = new URL(
  import.meta.url.endsWith(".ts") ? "./audio-worker.ts" : "./audio-worker.js",
  import.meta.url,
);
const workerExecArgv = import.meta.url.endsWith(".ts") ? ["--import", "tsx"] : [];

function unwrap(outcome: AudioTaskOutcome): AudioTaskOutcome & { ok: true } {
  if (outcome.ok) return outcome;
  const { code, message, hint, details } = outcome.error;
  throw new CvkError(code as CvkErrorCode, message, {
    ...(hint === undefined ? {} : { hint }),
    ...(details === undefined ? {} : { details }),
  });
}

/**
 * Spreads audio work (decoding, speech measurement, resampling) over worker threads: it is CPU-bound,
 * and one Node thread would use one core of many. Piscina queues tasks beyond the thread count.
 */
export class AudioWorkerPool {
  #piscina: Piscina | undefined;
  readonly threads: number;

  constructor(options: AudioPoolOptions = {}) {
    this.threads = Math.max(1, options.threads ?? availableParallelism());
  }

  /**
   * The threads start with the first task, not with the pool: a caller that may not need them (a
   * plan with header checks only) pays nothing, where idle workers were ~30 MB of RSS each.
   */
  get #pool(): Piscina {
    this.#piscina ??= new Piscina({
      filename: fileURLToPath(workerUrl),
      minThreads: this.threads,
      maxThreads: this.threads,
      execArgv: workerExecArgv,
    });
    return this.#piscina;
  }

  async inspect(
    path: string,
    options: Omit<InspectOptions, "signal"> = {},
    signal?: AbortSignal,
  ): Promise<RecordingInspection> {
    const task: AudioTask = { kind: "inspect", path, options };
    const outcome = unwrap(await this.#pool.run(task, signal ? { signal } : {}));
    return (outcome as { inspection: RecordingInspection }).inspection;
  }

  async convert(
    input: string,
    output: string,
    options: Omit<ConvertOptions, "signal"> = {},
    signal?: AbortSignal,
  ): Promise<ConvertResult> {
    const task: AudioTask = { kind: "convert", input, output, options };
    const outcome = unwrap(await this.#pool.run(task, signal ? { signal } : {}));
    return (outcome as { conversion: ConvertResult }).conversion;
  }

  /**
   * Header-only checks of many files (no speech measurement), in batches so a 100,000-file plan
   * costs a few hundred thread messages rather than 100,000. Results are in input order.
   */
  async checkHeaders(items: { path: string; channel?: number }[], batchSize = 512): Promise<HeaderCheck[]> {
    const batches: Promise<AudioTaskOutcome>[] = [];
    for (let start = 0; start < items.length; start += batchSize) {
      const task: AudioTask = { kind: "headers", items: items.slice(start, start + batchSize) };
      batches.push(this.#pool.run(task));
    }
    const results = await Promise.all(batches);
    return results.flatMap((outcome) => (unwrap(outcome) as { headers: HeaderCheck[] }).headers);
  }

  /** Tasks waiting for a thread. */
  get queued(): number {
    return this.#piscina?.queueSize ?? 0;
  }

  async destroy(): Promise<void> {
    await this.#piscina?.destroy();
  }
}
