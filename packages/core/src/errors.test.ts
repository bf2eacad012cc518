import { describe, expect, it } from "vitest";
import { CvkError, isCvkError, toCvkError } from "./errors.ts";

describe("CvkError", () => {
  it("gives usage and configuration errors exit code 2, failed operations 1", () => {
    expect(new CvkError("CONFIG_INVALID", "x").exitCode).toBe(2);
    expect(new CvkError("USAGE", "x").exitCode).toBe(2);
    expect(new CvkError("PATH_ESCAPE", "x").exitCode).toBe(2);
    expect(new CvkError("AWS_THROTTLED", "x").exitCode).toBe(1);
    expect(new CvkError("CHECK_FAILED", "x").exitCode).toBe(1);
  });

  it("keeps its message on one line and carries hint, cause and details", () => {
    const cause = new Error("root");
    const error = new CvkError("AUDIO_UNSUPPORTED", "bad file\n  at line two", {
      hint: "convert it",
      cause,
      details: { file: "a.wav" },
    });
    expect(error.message).toBe("bad file at line two");
    expect(error.cause).toBe(cause);
    expect(error.toJSON()).toEqual({
      code: "AUDIO_UNSUPPORTED",
      message: "bad file at line two",
      hint: "convert it",
      details: { file: "a.wav" },
    });
  });

  it("is recognised by shape across package copies", () => {
    const foreign = Object.assign(new Error("m"), { name: "CvkError", code: "USAGE" });
    expect(isCvkError(foreign)).toBe(true);
    expect(isCvkError(new Error("m"))).toBe(false);
  });

  it("wraps unknown failures as INTERNAL and keeps the original as cause", () => {
    const original = new TypeError("boom");
    const wrapped = toCvkError(original);
    expect(wrapped.code).toBe("INTERNAL");
    expect(wrapped.cause).toBe(original);
    expect(wrapped.message).toContain("boom");
    const known = new CvkError("USAGE", "u");
    expect(toCvkError(known)).toBe(known);
  });
});
