import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

// Black-box: the built binary, as a user runs it (`npm run build` first; turbo's test task depends on it).
const bin = resolve(import.meta.dirname, "../bin/cvk.js");
const repoRoot = resolve(import.meta.dirname, "../../..");
const exampleConfig = "fixtures/cvk.config.example.yaml";

function cvk(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: options.cwd ?? repoRoot,
    encoding: "utf8",
    env: {
      PATH: process.env.PATH ?? "",
      HOME: mkdtempSync(join(tmpdir(), "cvk-home-")),
      // No real credentials, no instance metadata probing from a test.
      AWS_EC2_METADATA_DISABLED: "true",
      ...options.env,
    },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("cvk (black-box)", () => {
  it("prints its version and help with examples", () => {
    const version = cvk(["--version"]);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = cvk(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("doctor");
    expect(help.stdout).toContain("Examples:");
    expect(help.stdout).toContain("--endpoint-url");
    const doctorHelp = cvk(["doctor", "--help"]);
    expect(doctorHelp.stdout).toContain(
      "cvk doctor --env prod --config fixtures/cvk.config.example.yaml --json",
    );
  });

  it("doctor prints the resolved config, region source, credential source without the secret, and the notice", () => {
    const result = cvk(["doctor", "--env", "dev", "--config", exampleConfig], {
      env: {
        AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
        AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      },
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/environment\s+dev \(flag: --env\)/);
    expect(result.stdout).toMatch(/region\s+us-west-2 \(config: fixtures\/cvk\.config\.example\.yaml:\d+\)/);
    expect(result.stdout).toMatch(/credentials\s+environment variables, key AKIA…MPLE/);
    expect(result.stdout).toContain("https://voiceid.us-west-2.amazonaws.com/");
    expect(result.stdout).toMatch(/voice id domain\s+cvk-dev/);
    expect(result.stdout).toContain("2026-05-20");
    expect(result.stdout + result.stderr).not.toContain("wJalrXUtnFEMI");
    expect(result.stdout + result.stderr).not.toContain("AKIAIOSFODNN7EXAMPLE");
  });

  it("doctor --json emits one parseable object; prod resolves its own Region", () => {
    const result = cvk(["doctor", "--env", "prod", "--config", exampleConfig, "--json"], {
      env: { AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE", AWS_SECRET_ACCESS_KEY: "secret" },
    });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout.trim());
    expect(report).toMatchObject({ type: "doctor", environment: "prod", region: "us-east-1" });
    expect(report.endpoints.connect).toBe("https://connect.us-east-1.amazonaws.com/");
  });

  it("doctor routes every service to --endpoint-url", () => {
    const result = cvk(
      [
        "doctor",
        "--config",
        exampleConfig,
        "--env",
        "dev",
        "--endpoint-url",
        "http://127.0.0.1:4599",
        "--json",
      ],
      {
        env: { AWS_ACCESS_KEY_ID: "x", AWS_SECRET_ACCESS_KEY: "y" },
      },
    );
    const report = JSON.parse(result.stdout.trim());
    expect(report.endpoints).toEqual({
      voiceId: "http://127.0.0.1:4599/",
      connect: "http://127.0.0.1:4599/",
      s3: "http://127.0.0.1:4599/",
    });
  });

  it("doctor --sandbox starts the embedded sandbox with its state in .cvk/sandbox and checks it answers", () => {
    const dir = mkdtempSync(join(tmpdir(), "cvk-sbx-"));
    const result = cvk(["doctor", "--sandbox", "--json"], { cwd: dir });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout.trim());
    expect(report.sandbox.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(report.sandbox.connectInstances).toEqual(["cvk-sandbox"]);
    expect(readdirSync(join(dir, ".cvk", "sandbox"))).toContain("state");
  });

  it("a broken config exits 2 with file:line:key, a hint and no stack trace", () => {
    const dir = mkdtempSync(join(tmpdir(), "cvk-bad-"));
    writeFileSync(
      join(dir, "cvk.config.yaml"),
      "version: 1\nenvironments:\n  dev:\n    voiceId:\n      authenticationThreshold: 101\n",
    );
    const result = cvk(["doctor", "--env", "dev"], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^cvk: CONFIG_INVALID: cvk\.config\.yaml:5: environments\.dev\.voiceId\.authenticationThreshold: Too big/,
    );
    expect(result.stderr).toContain("hint:");
    expect(result.stderr).not.toMatch(/\bat .+:\d+:\d+\)?$/m);
    // Nothing was written next to the config.
    expect(readdirSync(dir)).toEqual(["cvk.config.yaml"]);
  });

  it("--verbose adds the stack trace", () => {
    const dir = mkdtempSync(join(tmpdir(), "cvk-bad-"));
    writeFileSync(join(dir, "cvk.config.yaml"), "version: 2\nenvironments:\n  dev: {}\n");
    const result = cvk(["doctor", "--verbose"], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/\bat .+:\d+:\d+\)?$/m);
  });

  it("usage errors exit 2: unknown command, unknown option, unknown environment", () => {
    const unknownCommand = cvk(["frobnicate"]);
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toMatch(/^cvk: USAGE: /);
    const unknownOption = cvk(["doctor", "--regoin", "x"]);
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.stderr).toContain("regoin");
    const unknownEnv = cvk(["doctor", "--env", "staging", "--config", exampleConfig]);
    expect(unknownEnv.code).toBe(2);
    expect(unknownEnv.stderr).toMatch(/CONFIG_ENV_UNKNOWN: Environment "staging"/);
    expect(unknownEnv.stderr).toContain("dev, prod");
    // A repeated single-value option is refused (it was a list, and INTERNAL); --param repeats.
    const twice = cvk(["doctor", "--env", "dev", "--env", "prod", "--config", exampleConfig]);
    expect([twice.code, twice.stderr.split("\n")[0]]).toEqual([
      2,
      "cvk: USAGE: --env was given 2 times; it takes one value",
    ]);
    const params = cvk([
      "flow",
      "render",
      "--template",
      "voiceid-sample-flow",
      "--param",
      "customerId=$.Attributes.id",
      "--param",
      "fraudThreshold=42",
    ]);
    expect(params.code, params.stderr).toBe(0);
    expect(params.stdout).toContain('"FraudDetectionThreshold": "42"');
  });

  it("errors are JSON with --json", () => {
    const result = cvk(["doctor", "--env", "nope", "--config", exampleConfig, "--json"]);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout.trim())).toMatchObject({ type: "error", code: "CONFIG_ENV_UNKNOWN" });
    expect(result.stderr).toBe("");
  });
});
