import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { CvkError } from "./errors.ts";

function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
}

function ioError(path: string, error: unknown): CvkError {
  const reason = error instanceof Error ? error.message : String(error);
  return new CvkError("IO_FAILED", `Could not write ${path}: ${reason}`, {
    hint: "Check that the folder exists, is writable and the disk is not full.",
    cause: error,
  });
}

/**
 * Writes a file whole or not at all: into a temporary sibling, fsync'd, then renamed over the
 * target (rename is atomic within a filesystem). A crash leaves either the old file or the new one.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temp = tempPathFor(path);
  try {
    await mkdir(dirname(path), { recursive: true });
    const handle = await open(temp, "w");
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw ioError(path, error);
  }
}

/**
 * Synchronous twin of writeFileAtomic, for state that must be on disk before the call returns.
 * `fsync: false` keeps the all-or-nothing rename but skips the flush: the file survives a crash of
 * the process, not a power loss (the sandbox's metadata, where a sync per S3 object capped uploads
 * at the disk's flush rate). `folderExists: true` skips creating the folder (the caller knows it).
 */
export function writeFileAtomicSync(
  path: string,
  data: string | Uint8Array,
  options: { fsync?: boolean; folderExists?: boolean } = {},
): void {
  const temp = tempPathFor(path);
  try {
    if (options.folderExists !== true) mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(temp, "w");
    try {
      const bytes = typeof data === "string" ? Buffer.from(data) : data;
      // One write(2) may take less than asked (a signal, a full pipe); go on until all is written.
      for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset);
      if (options.fsync !== false) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw ioError(path, error);
  }
}
