import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readWhole } from "./read-whole.ts";

const dir = mkdtempSync(join(tmpdir(), "cvk-read-whole-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("readWhole", () => {
  it("reads a file whole, bytes and size", () => {
    const bytes = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) % 256));
    const path = join(dir, "a.wav");
    writeFileSync(path, bytes);
    const read = readWhole(path, 1_000_000);
    expect(read.size).toBe(bytes.length);
    expect(read.body?.equals(bytes)).toBe(true);
  });

  it("reads an empty file as an empty body", () => {
    const path = join(dir, "empty.wav");
    writeFileSync(path, "");
    expect(readWhole(path, 10)).toEqual({ body: Buffer.alloc(0), size: 0 });
  });

  it("gives only the size of a file above the limit, reading none of it", () => {
    const path = join(dir, "big.wav");
    writeFileSync(path, Buffer.alloc(11));
    expect(readWhole(path, 10)).toEqual({ body: undefined, size: 11 });
  });

  it("throws the file system's error for a missing file", () => {
    expect(() => readWhole(join(dir, "missing.wav"), 10)).toThrow(/ENOENT/);
  });
});

describe("readWhole into a lent buffer", () => {
  it("reads into the lent buffer when it is large enough, and allocates otherwise", () => {
    const path = join(dir, "lent.wav");
    writeFileSync(path, Buffer.from("0123456789"));
    const lent = Buffer.alloc(16, 0x2a);
    const asked: number[] = [];
    const read = readWhole(path, 100, (size) => {
      asked.push(size);
      return lent;
    });
    expect(asked).toEqual([10]);
    expect(read.body?.toString()).toBe("0123456789");
    // A view of the lent buffer, not a copy: the lender's next file overwrites it.
    expect(read.body?.buffer).toBe(lent.buffer);
    expect(lent.subarray(10).every((byte) => byte === 0x2a)).toBe(true);

    const small = Buffer.alloc(4);
    const own = readWhole(path, 100, () => small);
    expect(own.body?.toString()).toBe("0123456789");
    expect(own.body?.buffer).not.toBe(small.buffer);
  });

  it("asks for no buffer for a file above the limit", () => {
    const path = join(dir, "over.wav");
    writeFileSync(path, Buffer.alloc(11));
    let asked = false;
    expect(
      readWhole(path, 10, () => {
        asked = true;
        return undefined;
      }),
    ).toEqual({ body: undefined, size: 11 });
    expect(asked).toBe(false);
  });
});
