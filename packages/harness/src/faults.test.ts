import { networkInterfaces } from "node:os";
import { describe, expect, it } from "vitest";
import { FaultInjector, parseFaultConfig } from "./faults.ts";
import { createSandbox } from "./sandbox.ts";
import { serveSandbox } from "./server.ts";

describe("parseFaultConfig (cvk sandbox serve --faults)", () => {
  it("accepts every documented key", () => {
    const config = {
      seed: 7,
      global: { throttle: 0.2, serverError: 0.05, connectionReset: 0.01, latencyMs: 50, latencyRate: 0.5 },
      operations: { "s3:PutObject": { throttle: 1 } },
      failJobs: ["next", "next-enrollment", "next-registration", "job-id"],
    };
    expect(parseFaultConfig(config)).toEqual(config);
    expect(new FaultInjector(parseFaultConfig(config)).decide("s3:PutObject")).toEqual([
      { kind: "throttle" },
    ]);
  });

  it.each([
    [[], /it must be a JSON object/],
    [{ global: { throttle: "0.2" } }, /global\.throttle must be a probability from 0 to 1 \(got "0\.2"\)/],
    [{ global: { throttle: 2 } }, /global\.throttle must be a probability/],
    [{ global: { throtle: 0.2 } }, /global has an unknown key "throtle"/],
    [{ operations: { "s3:PutObject": { latencyMs: -1 } } }, /operations\["s3:PutObject"\]\.latencyMs/],
    [{ failJobs: "next" }, /failJobs must be a list/],
    [{ seed: "7", fault: 1 }, /seed must be a number \(and 1 more\)/],
  ])("refuses %j, naming the key", (config, message) => {
    expect(() => parseFaultConfig(config, "faults.json")).toThrow(
      expect.objectContaining({ code: "INPUT_INVALID", message: expect.stringMatching(message) }),
    );
  });
});

describe("FaultInjector.takeJobFailure", () => {
  it("fails a listed job once, the next job of a kind once, and the next job of any kind once", () => {
    const faults = new FaultInjector({ failJobs: ["job-b", "next-enrollment", "next"] });
    expect(faults.takeJobFailure("job-a", "registration")).toBe(true); // "next"
    expect(faults.takeJobFailure("job-c", "registration")).toBe(false);
    expect(faults.takeJobFailure("job-b", "registration")).toBe(true); // by id
    expect(faults.takeJobFailure("job-d", "enrollment")).toBe(true); // "next-enrollment"
    expect(faults.takeJobFailure("job-e", "enrollment")).toBe(false);
    expect(faults.config.failJobs).toEqual([]);
  });
});

describe("serveSandbox", () => {
  it("refuses a port out of range and an address this machine does not have as USAGE errors", async () => {
    const sandbox = createSandbox();
    try {
      for (const port of [-1, 65_536, Number.NaN, 1.5]) {
        await expect(serveSandbox(sandbox, { port })).rejects.toMatchObject({ code: "USAGE" });
      }
      // A documentation address (RFC 5737) that is not an interface of this machine.
      const local = new Set(
        Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address)),
      );
      const foreign = ["192.0.2.123", "198.51.100.123", "203.0.113.123"].find(
        (address) => !local.has(address),
      );
      await expect(serveSandbox(sandbox, { host: foreign, port: 0 })).rejects.toMatchObject({
        code: "USAGE",
        message: expect.stringMatching(new RegExp(`^Cannot listen on ${foreign} port 0: .*EADDRNOTAVAIL`)),
      });
    } finally {
      sandbox.close();
    }
  });
});
