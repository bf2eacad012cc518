import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

// Black-box: the built binary (`npx turbo run build --filter=@cvk/cli...` first).
export const bin = resolve(import.meta.dirname, "../bin/cvk.js");

/** A bare environment: no AWS settings, HOME as given (or a fresh one), plus `extra`. */
function bareEnv(home: string | undefined, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? "",
    HOME: home ?? mkdtempSync(join(tmpdir(), "cvk-home-")),
    AWS_EC2_METADATA_DISABLED: "true",
    ...extra,
  };
}

/** Runs the built `cvk` in `cwd` with a bare environment (no AWS settings, a fresh HOME). */
export function cvk(args: string[], cwd: string) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    encoding: "utf8",
    env: bareEnv(undefined),
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

export interface CvkRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `cvk` without blocking the test's event loop, so several can run at once (bounded by the caller);
 * `env` adds variables to the bare environment, `home` replaces the fresh HOME.
 */
export function cvkAsync(
  args: string[],
  cwd: string,
  options: { env?: Record<string, string>; home?: string } = {},
): Promise<CvkRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd,
      env: bareEnv(options.home, options.env),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const result: CvkRun = { code: null, stdout: "", stderr: "" };
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      result.stdout += chunk;
    });
    child.stderr.on("data", (chunk: string) => {
      result.stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      result.code = code;
      resolvePromise(result);
    });
  });
}
