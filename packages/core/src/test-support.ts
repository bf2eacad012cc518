import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Vitest global setup shared by every package (`globalSetup` in each vitest config): the run's
 * temporary files go to one scratch folder, removed when the run ends. Tests make their folders
 * with `mkdtemp(tmpdir())` (fresh HOMEs for the black-box CLI runs, audio fixtures, sandboxes), and
 * a failed assertion or a killed process leaves them behind: thousands piled up across runs.
 * `os.tmpdir()` reads TMPDIR on every call, and the test workers and the processes they spawn
 * inherit it. Not built into dist (tsconfig.build.json leaves test-support files out).
 */
export default function useScratchTmpdir(): () => void {
  const scratch = mkdtempSync(join(tmpdir(), "cvk-test-run-"));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = scratch;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    // Removed by a detached process: on a file system mounted with `discard` each unlink waits for
    // the device, and a run leaves tens of thousands of files.
    const script = "require('node:fs').rmSync(process.argv[1], { recursive: true, force: true })";
    spawn(process.execPath, ["-e", script, scratch], { detached: true, stdio: "ignore" }).unref();
  };
}
