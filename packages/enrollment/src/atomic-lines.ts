/**
 * A file written line by line yet published whole or not at all: lines go to a temporary sibling,
 * which is fsync'd and renamed over the target on `commit()` (the writeFileAtomic recipe from
 * @cvk/core, streamed, so a million-line speakers.jsonl is never one string in memory).
 */

import { randomBytes } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { CvkError } from "@cvk/core";

type FileHandle = Awaited<ReturnType<typeof open>>;

const FLUSH_BYTES = 256 * 1024;

export class AtomicLineWriter {
  readonly path: string;
  readonly #temp: string;
  readonly #handle: FileHandle;
  #buffer: string[] = [];
  #buffered = 0;
  #writing: Promise<void> = Promise.resolve();
  lines = 0;

  private constructor(path: string, temp: string, handle: FileHandle) {
    this.path = path;
    this.#temp = temp;
    this.#handle = handle;
  }

  static async create(path: string): Promise<AtomicLineWriter> {
    const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
    try {
      await mkdir(dirname(path), { recursive: true });
      return new AtomicLineWriter(path, temp, await open(temp, "w"));
    } catch (error) {
      throw ioError(path, error);
    }
  }

  async write(line: string): Promise<void> {
    this.#buffer.push(line, "\n");
    this.#buffered += line.length + 1;
    this.lines++;
    if (this.#buffered >= FLUSH_BYTES) await this.#flush();
  }

  /** Writes are chained: concurrent callers must not interleave FileHandle.write calls. */
  #flush(): Promise<void> {
    if (this.#buffer.length === 0) return this.#writing;
    const text = this.#buffer.join("");
    this.#buffer = [];
    this.#buffered = 0;
    this.#writing = this.#writing.then(async () => {
      try {
        await this.#handle.write(text);
      } catch (error) {
        throw ioError(this.path, error);
      }
    });
    return this.#writing;
  }

  async commit(): Promise<void> {
    try {
      await this.#flush();
      await this.#handle.sync();
      await this.#handle.close();
      await rename(this.#temp, this.path);
    } catch (error) {
      await this.abort();
      throw ioError(this.path, error);
    }
  }

  /** Drops the temporary file; the target is left as it was. */
  async abort(): Promise<void> {
    await this.#handle.close().catch(() => undefined);
    await rm(this.#temp, { force: true });
  }
}

function ioError(path: string, error: unknown): CvkError {
  if (error instanceof CvkError) return error;
  return new CvkError("IO_FAILED", `Could not write ${path}: ${(error as Error).message}`, {
    hint: "Check that the folder exists, is writable and the disk is not full.",
    cause: error,
  });
}
