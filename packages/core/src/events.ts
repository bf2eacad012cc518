/**
 * How library code reports what it is doing. Libraries never print and never exit: they call the
 * listener they were given, and the CLI decides whether that becomes a progress bar, a timestamped
 * line, an NDJSON event or nothing.
 */
export type CvkEvent =
  | { type: "started"; step: string; total?: number; message?: string }
  | { type: "progress"; step: string; done: number; total?: number; message?: string }
  | { type: "warning"; step: string; code: string; message: string }
  | { type: "info"; step: string; message: string }
  | { type: "finished"; step: string; message?: string; summary?: Record<string, unknown> };

export type CvkEventListener = (event: CvkEvent) => void;

/** A listener that drops everything: the default when a caller passes none. */
export const ignoreEvents: CvkEventListener = () => {};

/** A step-scoped reporter so library code writes `report.progress(n, total)` rather than whole objects. */
export interface StepReporter {
  started(total?: number, message?: string): void;
  progress(done: number, total?: number, message?: string): void;
  warning(code: string, message: string): void;
  info(message: string): void;
  finished(message?: string, summary?: Record<string, unknown>): void;
}

export function stepReporter(step: string, listener: CvkEventListener = ignoreEvents): StepReporter {
  const emit = (event: CvkEvent): void => {
    // A listener that throws must not abort the operation it is watching.
    try {
      listener(event);
    } catch {}
  };
  return {
    started: (total, message) => emit({ type: "started", step, total, message }),
    progress: (done, total, message) => emit({ type: "progress", step, done, total, message }),
    warning: (code, message) => emit({ type: "warning", step, code, message }),
    info: (message) => emit({ type: "info", step, message }),
    finished: (message, summary) => emit({ type: "finished", step, message, summary }),
  };
}
