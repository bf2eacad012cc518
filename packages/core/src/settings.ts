import { existsSync } from "node:fs";
import { isAbsolute, relative, resolve } from "node:path";
import {
  DEFAULT_CONFIG_FILE,
  type EnvironmentSelection,
  loadConfigFile,
  locateSetting,
  selectEnvironment,
} from "./config.ts";
import { CvkError } from "./errors.ts";

/** Where a resolved value came from, so `cvk doctor` can explain it. */
export type SettingSource = "flag" | "environment variable" | "config" | "AWS default" | "none";

export interface Resolved<T> {
  value: T | undefined;
  source: SettingSource;
  /** Which flag, variable or config line. */
  from?: string;
}

export interface GlobalFlags {
  env?: string;
  config?: string;
  region?: string;
  profile?: string;
  endpointUrl?: string;
  sandbox?: boolean;
}

export interface ResolvedSettings {
  environment: EnvironmentSelection | undefined;
  configPath: Resolved<string>;
  envName: Resolved<string>;
  region: Resolved<string>;
  profile: Resolved<string>;
  endpointUrl: Resolved<string>;
  sandbox: boolean;
}

/**
 * Flags beat environment variables beat the config file. The variables are cvk's own (`CVK_REGION`,
 * `CVK_PROFILE`, `CVK_ENDPOINT_URL`, `CVK_ENV`, `CVK_CONFIG`): a shell-wide AWS_REGION must not
 * silently move a per-environment config to another Region. The SDK still falls back to AWS_REGION
 * and AWS_PROFILE when neither flag nor config sets one.
 */
export function resolveSettings(
  flags: GlobalFlags,
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): ResolvedSettings {
  const pick = (flag: string | undefined, flagName: string, variable: string): Resolved<string> => {
    if (flag !== undefined && flag !== "") return { value: flag, source: "flag", from: flagName };
    const fromEnv = env[variable];
    if (fromEnv !== undefined && fromEnv !== "")
      return { value: fromEnv, source: "environment variable", from: variable };
    return { value: undefined, source: "none" };
  };

  const envName = pick(flags.env, "--env", "CVK_ENV");
  let configPath = pick(flags.config, "--config", "CVK_CONFIG");
  if (configPath.value === undefined && existsSync(resolve(cwd, DEFAULT_CONFIG_FILE))) {
    configPath = { value: DEFAULT_CONFIG_FILE, source: "config", from: `./${DEFAULT_CONFIG_FILE}` };
  }

  let environment: EnvironmentSelection | undefined;
  if (configPath.value !== undefined) {
    const absolute = resolve(cwd, configPath.value);
    const loaded = loadConfigFile(absolute, {
      displayPath: isAbsolute(configPath.value)
        ? configPath.value
        : relative(process.cwd(), absolute) || configPath.value,
    });
    const names = Object.keys(loaded.file.environments);
    const name = envName.value ?? (names.length === 1 ? names[0] : undefined);
    if (name === undefined) {
      throw new CvkError("USAGE", `${configPath.value} defines several environments; choose one with --env`, {
        hint: `Pass --env ${names.join(" | ")} (or set CVK_ENV).`,
      });
    }
    environment = selectEnvironment(loaded, name);
    if (envName.value === undefined)
      Object.assign(envName, { value: name, source: "config", from: "the only environment" });
  } else if (envName.value !== undefined) {
    throw new CvkError("CONFIG_NOT_FOUND", `--env ${envName.value} needs a config file, and none was found`, {
      hint: `Create ./${DEFAULT_CONFIG_FILE} or pass --config FILE.`,
    });
  }

  const fromConfig = (value: string | undefined, key: string): Resolved<string> =>
    value === undefined || !environment
      ? { value: undefined, source: "none" }
      : { value, source: "config", from: locateSetting(environment, [key]) };
  const layered = (
    flag: string | undefined,
    flagName: string,
    variable: string,
    configValue: string | undefined,
    key: string,
  ) => {
    const chosen = pick(flag, flagName, variable);
    return chosen.value !== undefined ? chosen : fromConfig(configValue, key);
  };

  const config = environment?.config;
  const region = layered(flags.region, "--region", "CVK_REGION", config?.region, "region");
  if (region.value === undefined) {
    const sdkRegion = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
    if (sdkRegion)
      Object.assign(region, {
        value: sdkRegion,
        source: "AWS default",
        from: env.AWS_REGION ? "AWS_REGION" : "AWS_DEFAULT_REGION",
      });
  }
  const profile = layered(flags.profile, "--profile", "CVK_PROFILE", config?.profile, "profile");
  if (profile.value === undefined && env.AWS_PROFILE)
    Object.assign(profile, { value: env.AWS_PROFILE, source: "AWS default", from: "AWS_PROFILE" });
  const endpointUrl = layered(
    flags.endpointUrl,
    "--endpoint-url",
    "CVK_ENDPOINT_URL",
    config?.endpointUrl,
    "endpointUrl",
  );

  if (flags.sandbox && flags.endpointUrl) {
    throw new CvkError("USAGE", "--sandbox and --endpoint-url cannot be combined", {
      hint: "Use --sandbox for the embedded sandbox, or --endpoint-url for a running `cvk sandbox serve`.",
    });
  }
  return { environment, configPath, envName, region, profile, endpointUrl, sandbox: flags.sandbox === true };
}
