import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

// Black-box: the built binary (`npx turbo run build --filter=@cvk/cli...` first).
const bin = resolve(import.meta.dirname, "../bin/cvk.js");

/** Runs the built `cvk` in `cwd` with a bare environment (no AWS settings, a fresh HOME). */
export function cvk(args: string[], cwd: string) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    encoding: "utf8",
    env: {
      PATH: process.env.PATH ?? "",
      HOME: mkdtempSync(join(tmpdir(), "cvk-home-")),
      AWS_EC2_METADATA_DISABLED: "true",
    },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
