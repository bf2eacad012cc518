import type { CvkError, CvkEvent } from "@cvk/core";
import { ProgressBars, time } from "./progress.ts";

export interface OutputOptions {
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  progress: boolean;
}

export interface Streams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/**
 * The CLI's only way to speak. Results go to stdout, diagnostics and progress to stderr; `--json`
 * turns both into newline-delimited JSON on stdout, `--quiet` keeps only results and errors. On a
 * terminal, steps that report a total are shown as progress bars (--no-progress: plain lines).
 */
export class Output {
  readonly options: OutputOptions;
  readonly #streams: Streams;
  readonly #bars: ProgressBars | undefined;

  constructor(options: OutputOptions, streams: Streams) {
    this.options = options;
    this.#streams = streams;
    if (!options.json && !options.quiet && options.progress && streams.stderr.isTTY === true)
      this.#bars = new ProgressBars(streams.stderr);
  }

  /** A human result line (suppressed in --json mode, where `data` is printed instead). */
  line(text = ""): void {
    this.#bars?.stop();
    if (!this.options.json) this.#streams.stdout.write(`${text}\n`);
  }

  /** The structured result of a command: one JSON object in --json mode. */
  data(type: string, value: Record<string, unknown>): void {
    if (this.options.json) this.#streams.stdout.write(`${JSON.stringify({ type, ...value })}\n`);
  }

  /** Ends any progress display (before a command prints its result). */
  endProgress(): void {
    this.#bars?.stop();
  }

  /** Library events: timestamped lines on stderr, or NDJSON, or nothing with --quiet. */
  event = (event: CvkEvent): void => {
    if (this.options.json) {
      this.#streams.stdout.write(`${JSON.stringify({ ...event, at: new Date().toISOString() })}\n`);
      return;
    }
    if (this.options.quiet) return;
    if (this.#bars?.handle(event)) return;
    if (event.type === "progress" && !this.options.progress) return;
    const text =
      event.type === "progress"
        ? `${event.done}${event.total === undefined ? "" : `/${event.total}`}${event.message ? ` ${event.message}` : ""}`
        : event.type === "warning"
          ? `warning ${event.code}: ${event.message}`
          : (event.message ?? event.type);
    const line = `${time()} ${event.step}: ${text}`;
    if (this.#bars) this.#bars.log(line);
    else this.#streams.stderr.write(`${line}\n`);
  };

  warn(message: string): void {
    this.#bars?.stop();
    if (this.options.json) this.#streams.stdout.write(`${JSON.stringify({ type: "warning", message })}\n`);
    else if (!this.options.quiet) this.#streams.stderr.write(`warning: ${message}\n`);
  }

  /** How a failure is shown: code, one-line message and hint; the stack only with --verbose. */
  error(error: CvkError): void {
    this.#bars?.stop();
    if (this.options.json) {
      this.#streams.stdout.write(`${JSON.stringify({ type: "error", ...error.toJSON() })}\n`);
    } else {
      this.#streams.stderr.write(`cvk: ${error.code}: ${error.message}\n`);
      if (error.hint) this.#streams.stderr.write(`  hint: ${error.hint}\n`);
      const problems = error.details?.problems;
      if (Array.isArray(problems) && problems.length > 1) {
        for (const problem of problems) this.#streams.stderr.write(`  - ${String(problem)}\n`);
      }
    }
    if (this.options.verbose) {
      let cause: unknown = error;
      while (cause instanceof Error) {
        this.#streams.stderr.write(`${cause.stack ?? cause.message}\n`);
        cause = cause.cause;
        if (cause) this.#streams.stderr.write("caused by: ");
      }
    }
  }
}
