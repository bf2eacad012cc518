import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";
import { type Clock, systemClock } from "./clock.ts";
import { CvkError } from "./errors.ts";
import { acquirePidLock } from "./pid-lock.ts";

export interface JournalEntry {
  /** 1-based position in the journal. */
  seq: number;
  /** ISO-8601 time of the append. */
  at: string;
  type: string;
  data?: unknown;
}

export interface RunJournalOptions {
  clock?: Clock;
  /**
   * Hold an exclusive lock file beside the journal so two processes never append to one run
   * (default true). A lock left by a process that no longer exists is taken over.
   */
  lock?: boolean;
}

/**
 * An append-only JSONL journal: one JSON object per line, each append written with one write(2)
 * and fsync'd before `append` returns, so what a long operation has recorded survives a crash.
 *
 * A crash mid-write can leave a torn last line (a prefix of an entry, or zero bytes on some
 * filesystems). Opening the journal drops that tail and truncates the file to the last whole line;
 * an unreadable line anywhere else is real corruption and raises JOURNAL_CORRUPT.
 */
export class RunJournal {
  readonly path: string;
  readonly #entries: JournalEntry[];
  readonly #clock: Clock;
  readonly #release: (() => void) | undefined;
  #fd: number | undefined;
  /** Bytes dropped from a torn tail when the journal was opened (0 when it was clean). */
  readonly recoveredBytes: number;

  private constructor(
    path: string,
    fd: number,
    entries: JournalEntry[],
    clock: Clock,
    recoveredBytes: number,
    release: (() => void) | undefined,
  ) {
    this.path = path;
    this.#fd = fd;
    this.#entries = entries;
    this.#clock = clock;
    this.recoveredBytes = recoveredBytes;
    this.#release = release;
  }

  /** Reads the journal (creating it if absent), repairing a torn last line. */
  static open(path: string, options: RunJournalOptions = {}): RunJournal {
    mkdirSync(dirname(path), { recursive: true });
    const release = options.lock === false ? undefined : acquirePidLock(`${path}.lock`, path);
    try {
      const { entries, validBytes, totalBytes } = RunJournal.#read(path);
      const fd = openSync(path, existsSync(path) ? "r+" : "w+");
      if (validBytes < totalBytes) {
        ftruncateSync(fd, validBytes);
        fsyncSync(fd);
      }
      return new RunJournal(
        path,
        fd,
        entries,
        options.clock ?? systemClock,
        totalBytes - validBytes,
        release,
      );
    } catch (error) {
      release?.();
      throw error;
    }
  }

  static #read(path: string): { entries: JournalEntry[]; validBytes: number; totalBytes: number } {
    if (!existsSync(path)) return { entries: [], validBytes: 0, totalBytes: 0 };
    const buffer = readFileSync(path);
    const entries: JournalEntry[] = [];
    let start = 0;
    let lineNumber = 0;
    while (start < buffer.length) {
      const newline = buffer.indexOf(0x0a, start);
      const end = newline === -1 ? buffer.length : newline;
      lineNumber += 1;
      const text = buffer.subarray(start, end).toString("utf8");
      const isLast = newline === -1 || newline === buffer.length - 1;
      let entry: JournalEntry | undefined;
      try {
        const parsed = JSON.parse(text) as JournalEntry;
        if (typeof parsed === "object" && parsed !== null && typeof parsed.type === "string") entry = parsed;
      } catch {}
      if (!entry || newline === -1) {
        // A line without its newline was never fully written; drop it even if it happens to parse.
        if (isLast) return { entries, validBytes: start, totalBytes: buffer.length };
        throw new CvkError("JOURNAL_CORRUPT", `${path}:${lineNumber}: unreadable journal entry`, {
          hint: "The run journal was edited or damaged; restore it from a backup or start a new run directory.",
        });
      }
      entries.push(entry);
      start = end + 1;
    }
    return { entries, validBytes: buffer.length, totalBytes: buffer.length };
  }

  get entries(): readonly JournalEntry[] {
    return this.#entries;
  }

  /** Entries of one type, in order. */
  ofType<T = unknown>(type: string): (JournalEntry & { data: T })[] {
    return this.#entries.filter((entry) => entry.type === type) as (JournalEntry & { data: T })[];
  }

  /** The most recent entry of a type, if any. */
  last<T = unknown>(type: string): (JournalEntry & { data: T }) | undefined {
    for (let i = this.#entries.length - 1; i >= 0; i--) {
      const entry = this.#entries[i];
      if (entry?.type === type) return entry as JournalEntry & { data: T };
    }
    return undefined;
  }

  /**
   * Appends one entry and returns once it is on disk. `flush: false` returns once the write is in the
   * OS (it survives a crash of the process, not a power loss) — for entries a later run can re-derive,
   * such as "these objects are uploaded" (S3 says so too): a synchronous fsync per batch stalled every
   * upload in flight on a busy disk. The next flushed entry makes it durable with everything before it.
   */
  append(type: string, data?: unknown, options: { flush?: boolean } = {}): JournalEntry {
    if (this.#fd === undefined) throw new CvkError("INTERNAL", `The journal ${this.path} is closed`);
    const entry: JournalEntry = {
      seq: this.#entries.length + 1,
      at: new Date(this.#clock.now()).toISOString(),
      type,
      ...(data === undefined ? {} : { data }),
    };
    const line = Buffer.from(`${JSON.stringify(entry)}\n`);
    // Position explicitly at the end: the fd is opened r+ (so open can truncate a torn tail).
    writeSync(this.#fd, line, 0, line.length, fstatSync(this.#fd).size);
    if (options.flush !== false) fsyncSync(this.#fd);
    this.#entries.push(entry);
    return entry;
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
    this.#release?.();
  }
}
