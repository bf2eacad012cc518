import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SandboxStore } from "./store.ts";

const MiB = 1024 * 1024;
let store: SandboxStore | undefined;
afterEach(() => {
  store?.close();
  store = undefined;
});

async function* chunksOf(data: Buffer, size: number, failAfter?: number): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < data.length; offset += size) {
    if (failAfter !== undefined && offset >= failAfter) throw new Error("the client went away");
    yield data.subarray(offset, offset + size);
  }
}

/** Every file under the store's blob folder: a failed write must leave none, not even a `.partial`. */
function blobFiles(dir: string): string[] {
  const root = join(dir, "blobs");
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name);
}

describe("SandboxStore blobs", () => {
  // 8 MiB is where a body stops being written in one step and streams instead.
  for (const [label, bytes] of [
    ["a small body (written whole)", 300_000],
    ["a body over 8 MiB (streamed)", 9 * MiB + 17],
  ] as const) {
    it(`stores ${label} byte for byte`, async () => {
      store = SandboxStore.open();
      const data = randomBytes(bytes);
      const { id, size } = await store.writeBlob(chunksOf(data, 64 * 1024));
      expect(size).toBe(bytes);
      expect(readFileSync(store.blobFile(id)).equals(data)).toBe(true);
    });

    it(`leaves nothing behind when ${label} fails midway`, async () => {
      store = SandboxStore.open();
      const data = randomBytes(bytes);
      await expect(store.writeBlob(chunksOf(data, 64 * 1024, bytes / 2))).rejects.toThrow(
        "the client went away",
      );
      expect(blobFiles(store.dir)).toEqual([]);
    });
  }
});
