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
  /** The signal that ended it (SIGKILL when `kill` fired). */
  signal?: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The JSON lines stdout carried (`--json`): cvk's events and data, in order. */
  events: Record<string, unknown>[];
  /** Set when `kill` fired: which kill point, at which event. */
  killedAt?: string;
}

/** Decides, from each event an invocation prints, whether to SIGKILL it now (a crash test's kill point). */
export interface KillPoint {
  name: string;
  when(event: Record<string, unknown>, index: number): boolean;
}

/**
 * `cvk` without blocking the test's event loop, so several can run at once (bounded by the caller);
 * `env` adds variables to the bare environment, `home` replaces the fresh HOME, and `kill` SIGKILLs
 * the process at the first event it matches — as a crash, a power cut or `kill -9` would.
 */
export function cvkAsync(
  args: string[],
  cwd: string,
  options: { env?: Record<string, string>; home?: string; kill?: KillPoint } = {},
): Promise<CvkRun> {
  const { kill } = options;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd,
      env: bareEnv(options.home, options.env),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const result: CvkRun = { code: null, stdout: "", stderr: "", events: [] };
    let pending = "";
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      result.stdout += chunk;
      pending += chunk;
      for (let newline = pending.indexOf("\n"); newline >= 0; newline = pending.indexOf("\n")) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        if (!line.startsWith("{")) continue;
        let event: Record<string, unknown>;
        try {
          event = JSON.parse(line) as Record<string, unknown>;
        } catch {
          continue;
        }
        result.events.push(event);
        if (kill && result.killedAt === undefined && kill.when(event, result.events.length - 1)) {
          result.killedAt = `${kill.name} (event ${result.events.length}: ${String(event.step)} ${String(event.type)} ${String(event.message ?? "")})`;
          child.kill("SIGKILL");
        }
      }
    });
    child.stderr.on("data", (chunk: string) => {
      result.stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      result.code = code;
      result.signal = signal;
      resolvePromise(result);
    });
  });
}
