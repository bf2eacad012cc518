import { describe, expect, it } from "vitest";
import { alphanumericId, randomBytesPooled } from "./ids.ts";

describe("randomBytesPooled", () => {
  it("hands out fresh, independent bytes across pool refills", () => {
    // 300 × 48 bytes spans several 4 KiB blocks; a repeated slice would repeat a value.
    const values = Array.from({ length: 300 }, () => randomBytesPooled(48));
    expect(values.every((value) => value.length === 48)).toBe(true);
    expect(new Set(values.map((value) => value.toString("hex"))).size).toBe(values.length);
  });

  it("serves a request larger than its pool", () => {
    const big = randomBytesPooled(10_000);
    expect(big.length).toBe(10_000);
    // 10,000 random bytes with fewer than 200 distinct values would be a broken generator.
    expect(new Set(big).size).toBeGreaterThan(200);
  });

  it("draws alphanumeric ids of the asked length, all 62 characters in use", () => {
    const ids = Array.from({ length: 500 }, () => alphanumericId(22));
    expect(ids.every((id) => /^[A-Za-z0-9]{22}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids.join("")).size).toBe(62);
  });
});
