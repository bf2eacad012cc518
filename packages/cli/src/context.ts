import { type GlobalFlags, type ResolvedSettings, resolveSettings } from "@cvk/core";
import type { Output } from "./output.ts";

/** What every command handler receives: how to speak, and the settings resolved on first use. */
export interface CommandContext {
  output: Output;
  flags: GlobalFlags;
  env: NodeJS.ProcessEnv;
  cwd: string;
  settings(): ResolvedSettings;
}

export function createContext(
  output: Output,
  flags: GlobalFlags,
  env: NodeJS.ProcessEnv,
  cwd: string,
): CommandContext {
  let resolved: ResolvedSettings | undefined;
  return {
    output,
    flags,
    env,
    cwd,
    settings() {
      resolved ??= resolveSettings(flags, env, cwd);
      return resolved;
    },
  };
}
