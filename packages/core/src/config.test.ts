import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfigFile, mergeSettings, requireSetting, selectEnvironment } from "./config.ts";
import { configJsonSchema } from "./config-schema.ts";
import type { CvkError } from "./errors.ts";
import { resolveSettings } from "./settings.ts";

const example = resolve(import.meta.dirname, "../../../fixtures/cvk.config.example.yaml");

function writeConfig(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "cvk-config-")), "cvk.config.yaml");
  writeFileSync(path, text);
  return path;
}

function errorOf(fn: () => unknown): CvkError {
  try {
    fn();
  } catch (error) {
    return error as CvkError;
  }
  throw new Error("expected a CvkError");
}

const base = `version: 1
defaults:
  region: us-west-2
  voiceId:
    authenticationThreshold: 80
environments:
  dev:
    voiceId:
      domain:
        name: dev-domain
  prod:
    region: eu-west-2
    voiceId:
      fraudThreshold: 40
`;

describe("config loading", () => {
  it("loads the shipped example and merges defaults under each environment", () => {
    const loaded = loadConfigFile(example);
    const dev = selectEnvironment(loaded, "dev");
    expect(dev.config.region).toBe("us-west-2");
    expect(dev.config.voiceId?.domain?.name).toBe("cvk-dev");
    expect(dev.config.voiceId?.domain?.kmsKeyId).toBe("alias/cvk-voiceid");
    const prod = selectEnvironment(loaded, "prod");
    expect(prod.config.region).toBe("us-east-1");
    expect(prod.config.voiceId?.authenticationThreshold).toBe(95);
    expect(prod.config.connect?.flows?.[0]?.template).toBe("voiceid-sample-flow");
  });

  it("keeps a default the environment does not override (no defaults injected before the merge)", () => {
    const loaded = loadConfigFile(writeConfig(base));
    expect(selectEnvironment(loaded, "prod").config.voiceId).toEqual({
      authenticationThreshold: 80,
      fraudThreshold: 40,
    });
  });

  it.each([
    [
      "a wrong type",
      base.replace("fraudThreshold: 40", "fraudThreshold: high"),
      /cvk\.config\.yaml:14: environments\.prod\.voiceId\.fraudThreshold: expected number/,
    ],
    [
      "an out-of-range value",
      base.replace("fraudThreshold: 40", "fraudThreshold: 140"),
      /:14: environments\.prod\.voiceId\.fraudThreshold: Too big/,
    ],
    [
      "an unknown key",
      base.replace("    region: eu-west-2", "    regoin: eu-west-2"),
      /:12: environments\.prod\.regoin: unknown key "regoin"/,
    ],
    [
      "a bad pattern",
      base.replace("name: dev-domain", "name: dev domain!"),
      /:10: environments\.dev\.voiceId\.domain\.name: must start with/,
    ],
    ["a missing version", base.replace("version: 1\n", ""), /:1: version: is required/],
    [
      "a YAML syntax error",
      base.replace("  prod:\n", "  prod\n    : :\n"),
      /cvk\.config\.yaml:\d+: YAML syntax error/,
    ],
    [
      "no environments",
      "version: 1\nenvironments: {}\n",
      /:2: environments: define at least one environment/,
    ],
    [
      "aliases that expand exponentially (a billion laughs)",
      `a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]\n${["b", "c", "d", "e", "f"]
        .map((name, i) => `${name}: &${name} [${Array(9).fill(`*${"abcde"[i]}`).join(", ")}]`)
        .join("\n")}\n`,
      /cvk\.config\.yaml: Excessive alias count/,
    ],
  ])("reports %s with file:line:key and exit code 2", (_, text, pattern) => {
    const error = errorOf(() => loadConfigFile(writeConfig(text)));
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(pattern);
    expect(error.hint).toBeTruthy();
  });

  it("lists every problem in details, sorted by line", () => {
    const text = base
      .replace("region: us-west-2", "region: 12")
      .replace("fraudThreshold: 40", "fraudThreshold: -1");
    const error = errorOf(() => loadConfigFile(writeConfig(text)));
    expect(error.message).toMatch(/:3: defaults\.region/);
    expect(error.message).toContain("(and 1 more)");
    expect((error.details?.problems as string[] | undefined)?.[1]).toMatch(
      /:14: environments\.prod\.voiceId\.fraudThreshold/,
    );
  });

  it("names a missing file and an unknown environment", () => {
    expect(errorOf(() => loadConfigFile("/nonexistent/cvk.config.yaml")).code).toBe("CONFIG_NOT_FOUND");
    const folderError = errorOf(() => loadConfigFile(mkdtempSync(join(tmpdir(), "cvk-config-dir-"))));
    expect([folderError.code, folderError.message]).toEqual([
      "CONFIG_INVALID",
      expect.stringMatching(/^Cannot read the config file .*EISDIR/),
    ]);
    const error = errorOf(() => selectEnvironment(loadConfigFile(writeConfig(base)), "staging"));
    expect(error.code).toBe("CONFIG_ENV_UNKNOWN");
    expect(error.hint).toContain("dev, prod");
  });

  it("asks for a key a command needs, pointing at the environment block", () => {
    const path = writeConfig(base);
    const dev = selectEnvironment(loadConfigFile(path), "dev");
    expect(requireSetting<string>(dev, "voiceId.domain.name", "cvk enroll run")).toBe("dev-domain");
    const error = errorOf(() => requireSetting(dev, "enrollment.outputS3Uri", "cvk enroll run"));
    expect(error.message).toBe(
      `${path}:7: environments.dev.enrollment.outputS3Uri: is required by cvk enroll run`,
    );
  });

  it("merges objects deeply and replaces arrays", () => {
    expect(mergeSettings({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, d: undefined })).toEqual({
      a: { b: 1, c: [3] },
      d: 1,
    });
  });

  it("publishes a JSON Schema that matches the committed file", () => {
    const committed = resolve(import.meta.dirname, "../schema/cvk.config.schema.json");
    expect(existsSync(committed)).toBe(true);
    // Regenerate with `npm run schema -w @cvk/core` when the config schema changes.
    expect(JSON.parse(readFileSync(committed, "utf8"))).toEqual(configJsonSchema());
  });
});

describe("settings precedence", () => {
  it("takes flags over CVK_ variables over the config file, and says where each came from", () => {
    const path = writeConfig(base);
    const fromConfig = resolveSettings({ config: path, env: "prod" }, {});
    expect(fromConfig.region).toMatchObject({ value: "eu-west-2", source: "config" });
    expect(fromConfig.region.from).toMatch(/cvk\.config\.yaml:12$/);

    // dev inherits its Region from defaults: the source points at the defaults line.
    expect(resolveSettings({ config: path, env: "dev" }, {}).region.from).toMatch(/cvk\.config\.yaml:3$/);

    const fromVariable = resolveSettings({ config: path, env: "prod" }, { CVK_REGION: "ap-southeast-2" });
    expect(fromVariable.region).toMatchObject({
      value: "ap-southeast-2",
      source: "environment variable",
      from: "CVK_REGION",
    });

    const fromFlag = resolveSettings(
      { config: path, env: "prod", region: "us-east-2" },
      { CVK_REGION: "ap-southeast-2" },
    );
    expect(fromFlag.region).toMatchObject({ value: "us-east-2", source: "flag", from: "--region" });
  });

  it("does not let a shell-wide AWS_REGION override the environment's Region, but uses it as a fallback", () => {
    const path = writeConfig(base);
    expect(resolveSettings({ config: path, env: "prod" }, { AWS_REGION: "sa-east-1" }).region.value).toBe(
      "eu-west-2",
    );
    const noRegion = writeConfig("version: 1\nenvironments:\n  only: {}\n");
    const settings = resolveSettings({ config: noRegion }, { AWS_REGION: "sa-east-1" });
    expect(settings.envName.value).toBe("only");
    expect(settings.region).toMatchObject({ value: "sa-east-1", source: "AWS default", from: "AWS_REGION" });
  });

  it("requires --env when the file has several environments, and a file when --env is given", () => {
    const path = writeConfig(base);
    expect(errorOf(() => resolveSettings({ config: path }, {})).code).toBe("USAGE");
    const cwd = mkdtempSync(join(tmpdir(), "cvk-empty-"));
    expect(errorOf(() => resolveSettings({ env: "dev" }, {}, cwd)).code).toBe("CONFIG_NOT_FOUND");
    expect(
      errorOf(() => resolveSettings({ sandbox: true, endpointUrl: "http://127.0.0.1:1" }, {}, cwd)).code,
    ).toBe("USAGE");
  });
});
