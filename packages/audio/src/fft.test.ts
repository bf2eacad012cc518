import { describe, expect, it } from "vitest";
import { nextPowerOfTwo, RealFft } from "./fft.ts";

function naiveDft(x: ArrayLike<number>, n: number): { re: number[]; im: number[] } {
  const re: number[] = [];
  const im: number[] = [];
  for (let k = 0; k <= n / 2; k++) {
    let sr = 0;
    let si = 0;
    for (let j = 0; j < x.length; j++) {
      const v = x[j] as number;
      sr += v * Math.cos((2 * Math.PI * j * k) / n);
      si -= v * Math.sin((2 * Math.PI * j * k) / n);
    }
    re.push(sr);
    im.push(si);
  }
  return { re, im };
}

/** Deterministic pseudo-random input in [-1, 1). */
function randomSignal(length: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  let s = seed >>> 0;
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

describe("RealFft", () => {
  it.each([2, 4, 8, 16, 64, 256, 1024])("matches a naive DFT at n = %i", (n) => {
    const x = randomSignal(n, n);
    const fft = new RealFft(n);
    const re = new Float64Array(n / 2 + 1);
    const im = new Float64Array(n / 2 + 1);
    fft.transform(x, re, im);
    const ref = naiveDft(x, n);
    for (let k = 0; k <= n / 2; k++) {
      expect(re[k]).toBeCloseTo(ref.re[k] as number, 9);
      expect(im[k]).toBeCloseTo(ref.im[k] as number, 9);
    }
  });

  it("zero-pads short input and gives |X|² as the power spectrum", () => {
    const n = 128;
    const x = randomSignal(100, 7);
    const fft = new RealFft(n);
    const power = new Float32Array(n / 2 + 1);
    fft.powerSpectrum(x, power);
    const ref = naiveDft(x, n);
    for (let k = 0; k <= n / 2; k++) {
      const want = (ref.re[k] as number) ** 2 + (ref.im[k] as number) ** 2;
      expect(Math.abs((power[k] as number) - want)).toBeLessThan(1e-5 * Math.max(1, want));
    }
  });

  it("is reusable: a second transform does not see the first one's data", () => {
    const fft = new RealFft(32);
    const a = new Float64Array(17);
    const b = new Float64Array(17);
    const scratch = new Float64Array(17);
    fft.powerSpectrum(randomSignal(32, 1), a);
    fft.powerSpectrum(randomSignal(32, 2), scratch);
    fft.powerSpectrum(randomSignal(32, 1), b);
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  it("rejects sizes that are not powers of two and input longer than the size", () => {
    expect(() => new RealFft(12)).toThrow(/power of two/);
    expect(() => new RealFft(1)).toThrow(/power of two/);
    expect(() => new RealFft(8).powerSpectrum(new Float32Array(9), new Float32Array(5))).toThrow(/exceeds/);
  });

  it("rounds sizes up to a power of two", () => {
    expect(nextPowerOfTwo(200)).toBe(256);
    expect(nextPowerOfTwo(256)).toBe(256);
    expect(nextPowerOfTwo(1)).toBe(2);
  });
});
