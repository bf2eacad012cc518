import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative, sep } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { acquirePidLock, writeFileAtomicSync } from "@cvk/core";
import { randomBytesPooled } from "./ids.ts";

/** Bodies up to this size are written in one synchronous step; larger ones stream to disk. */
const WHOLE_BLOB_LIMIT = 8 * 1024 * 1024;

/**
 * Where the sandbox keeps its state: JSON documents by key (`voiceid/domain/<id>`), written whole
 * or not at all (write, rename), and blobs (S3 object bodies) as plain files streamed to and
 * from disk, never held whole in memory.
 *
 * A store with a data directory is durable and locked to one process; without one it lives in a
 * fresh temporary directory that `close()` removes (tests, one-shot runs).
 */
export class SandboxStore {
  readonly dir: string;
  readonly durable: boolean;
  readonly #release: () => void;
  readonly #cache = new Map<string, unknown>();
  /** Folders known to exist: a mkdir per object was a syscall on the upload path for nothing. */
  readonly #folders = new Set<string>();

  private constructor(dir: string, durable: boolean, release: () => void) {
    this.dir = dir;
    this.durable = durable;
    this.#release = release;
  }

  static open(dataDir?: string): SandboxStore {
    if (dataDir === undefined) {
      const dir = mkdtempSync(join(tmpdir(), "cvk-sandbox-"));
      return new SandboxStore(dir, false, () => rmSync(dir, { recursive: true, force: true }));
    }
    mkdirSync(dataDir, { recursive: true });
    const release = acquirePidLock(join(dataDir, ".lock"), `the sandbox data directory ${dataDir}`);
    return new SandboxStore(dataDir, true, release);
  }

  #docPath(key: string): string {
    return join(this.dir, "state", `${key}.json`);
  }

  readJson<T>(key: string): T | undefined {
    if (this.#cache.has(key)) return this.#cache.get(key) as T;
    const path = this.#docPath(key);
    if (!existsSync(path)) return undefined;
    const value = JSON.parse(readFileSync(path, "utf8")) as T;
    return value;
  }

  writeJson(key: string, value: unknown): void {
    if (!this.durable) {
      // A temporary sandbox need not touch the disk for metadata.
      this.#cache.set(key, structuredClone(value));
      return;
    }
    // Whole or not at all across a crash of the sandbox (write, rename), but not flushed: the sandbox
    // is a development emulator, and an fsync per S3 object made uploads run at the disk's flush
    // rate (bench/upload.bench.ts).
    const path = this.#docPath(key);
    this.#ensureFolder(dirname(path));
    writeFileAtomicSync(path, JSON.stringify(value), { fsync: false, folderExists: true });
  }

  deleteJson(key: string): void {
    this.#cache.delete(key);
    rmSync(this.#docPath(key), { force: true });
  }

  /** Keys under a prefix ("voiceid/domain/"), from disk and the in-memory cache. */
  listJson(prefix: string): string[] {
    const keys = new Set<string>();
    for (const key of this.#cache.keys()) if (key.startsWith(prefix)) keys.add(key);
    const root = join(this.dir, "state");
    const walk = (dir: string): void => {
      if (!existsSync(dir)) return;
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.name.endsWith(".json")) {
          const key = relative(root, full).slice(0, -".json".length).split(sep).join("/");
          if (key.startsWith(prefix)) keys.add(key);
        }
      }
    };
    walk(root);
    return [...keys].sort();
  }

  #blobPath(id: string): string {
    return join(this.dir, "blobs", id.slice(0, 2), id);
  }

  #ensureFolder(folder: string): void {
    if (this.#folders.has(folder)) return;
    mkdirSync(folder, { recursive: true });
    this.#folders.add(folder);
  }

  /**
   * Writes a body to a new blob; returns its id and size. Partial writes never become visible.
   * A body of up to WHOLE_BLOB_LIMIT bytes is gathered in memory and written in one synchronous
   * step (write, rename): through a write stream, each small object cost four thread-pool round
   * trips (open, write, close, rename), a third of the sandbox's time in a bulk upload
   * (bench/upload.bench.ts). Larger bodies stream to disk and are never held whole.
   */
  async writeBlob(body: Readable | AsyncIterable<Uint8Array>): Promise<{ id: string; size: number }> {
    const id = randomBytesPooled(16).toString("hex");
    const path = this.#blobPath(id);
    this.#ensureFolder(dirname(path));
    const iterator = (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    const head: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const next = await iterator.next();
      if (next.done) {
        writeFileAtomicSync(path, head.length === 1 ? (head[0] as Uint8Array) : Buffer.concat(head), {
          fsync: false,
          folderExists: true,
        });
        return { id, size };
      }
      head.push(next.value);
      size += next.value.length;
      if (size > WHOLE_BLOB_LIMIT) break;
    }
    async function* rest(): AsyncGenerator<Uint8Array> {
      yield* head;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    }
    const temp = `${path}.partial`;
    const file = createWriteStream(temp);
    try {
      await pipeline(rest(), file);
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    return { id, size: file.bytesWritten };
  }

  /** Reads a blob, optionally a byte range (inclusive end, as HTTP Range). */
  readBlob(id: string, range?: { start: number; end: number }): Readable {
    return createReadStream(this.#blobPath(id), range ? { start: range.start, end: range.end } : {});
  }

  blobFile(id: string): string {
    return this.#blobPath(id);
  }

  async deleteBlob(id: string): Promise<void> {
    await rm(this.#blobPath(id), { force: true });
  }

  close(): void {
    this.#release();
  }
}
