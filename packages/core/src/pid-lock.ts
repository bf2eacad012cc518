import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { CvkError } from "./errors.ts";

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Takes an exclusive lock file holding this process's pid, so two cvk processes never write the same
 * state (a run journal, a sandbox data directory). A lock left by a process that no longer exists is
 * taken over. Returns the release function.
 */
export function acquirePidLock(lockPath: string, what: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockPath, String(process.pid), { flag: "wx" });
      return () => rmSync(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number.parseInt(readFileSync(lockPath, "utf8"), 10);
      if (Number.isFinite(owner) && owner !== process.pid && isAlive(owner)) {
        throw new CvkError("RUN_LOCKED", `Another cvk process (pid ${owner}) is using ${what}`, {
          hint: "Wait for it to finish, or stop it; a lock left by a crashed process is taken over automatically.",
        });
      }
      rmSync(lockPath, { force: true });
    }
  }
  throw new CvkError("RUN_LOCKED", `Could not lock ${what}`, {
    hint: `Remove ${lockPath} if no cvk process is running.`,
  });
}
