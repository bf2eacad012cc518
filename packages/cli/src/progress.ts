import type { CvkEvent } from "@cvk/core";
import { MultiBar, Presets, type SingleBar } from "cli-progress";

/**
 * Progress bars on a terminal (stderr is a TTY, and neither --json, --quiet nor --no-progress): one
 * bar per step that reports a total — count, percentage and ETA, from cli-progress (ADR 0008) — with
 * the step's other events printed above the bars as the plain timestamped lines they are elsewhere.
 */
export class ProgressBars {
  readonly #stream: NodeJS.WritableStream;
  #multibar: MultiBar | undefined;
  readonly #bars = new Map<string, SingleBar>();

  constructor(stream: NodeJS.WritableStream) {
    this.#stream = stream;
  }

  #ensure(): MultiBar {
    if (!this.#multibar) {
      const multibar = new MultiBar(
        {
          stream: this.#stream as NodeJS.WriteStream,
          format: " {bar} {value}/{total} {percentage}% | ETA {eta_formatted} | {step} {message}",
          barsize: 24,
          hideCursor: false,
          clearOnComplete: false,
          etaBuffer: 20,
          fps: 8,
          autopadding: true,
        },
        Presets.shades_classic,
      );
      // The redraw timer must never keep the process alive on its own.
      multibar.on("update-post", () => {
        (multibar as unknown as { timer?: NodeJS.Timeout | null }).timer?.unref?.();
      });
      this.#multibar = multibar;
    }
    return this.#multibar;
  }

  /** A line printed above the bars (or straight to the stream when none is shown). */
  log(line: string): void {
    if (this.#multibar && this.#bars.size > 0) this.#multibar.log(`${line}\n`);
    else this.#stream.write(`${line}\n`);
  }

  /**
   * Shows a started/progress event with a total as a bar; returns false for what should be printed
   * as a line instead.
   */
  handle(event: CvkEvent): boolean {
    if (event.type !== "started" && event.type !== "progress") {
      if (event.type === "finished") this.#remove(event.step);
      return false;
    }
    const total = event.total;
    if (total === undefined || total <= 0) return event.type === "progress";
    const done = event.type === "progress" ? event.done : 0;
    const payload = { step: event.step, message: truncate(event.message ?? "", 60) };
    const bar = this.#bars.get(event.step);
    if (!bar) {
      this.#bars.set(event.step, this.#ensure().create(total, done, payload));
      if (event.type === "started" && event.message) this.log(`${time()} ${event.step}: ${event.message}`);
    } else {
      if (bar.getTotal() !== total) bar.setTotal(total);
      bar.update(done, payload);
    }
    // A bar that reached its total makes room (a step's later events start a new one).
    if (done >= total) this.#remove(event.step);
    return true;
  }

  #remove(step: string): void {
    const bar = this.#bars.get(step);
    if (!bar || !this.#multibar) return;
    bar.stop();
    this.#multibar.remove(bar);
    this.#bars.delete(step);
    if (this.#bars.size === 0) this.stop();
  }

  /** Stops every bar (before results are printed, and at the end). */
  stop(): void {
    if (!this.#multibar) return;
    // stop() alone drops the lines log() buffered since the last redraw: draw (and flush) first.
    this.#multibar.update();
    this.#multibar.stop();
    this.#multibar = undefined;
    this.#bars.clear();
  }
}

export function time(): string {
  return new Date().toISOString().slice(11, 19);
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
